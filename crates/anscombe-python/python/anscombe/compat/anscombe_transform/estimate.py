"""Drop-in for ``anscombe_transform.estimate``: ``compute_conversion_gain``, the reference's
photon-transfer estimator, computed in Rust (the Huber regression included: the same minimum
as scikit-learn's ``HuberRegressor``, reached to rounding rather than to L-BFGS-B's tolerance).
"""

from .._conversion_gain import ConversionGainConfig, HuberModel, compute_conversion_gain

__all__ = ["ConversionGainConfig", "HuberModel", "compute_conversion_gain"]
