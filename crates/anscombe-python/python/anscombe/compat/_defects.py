"""The warning the drop-in modules give where the reference package is wrong."""


class ReferenceDefectWarning(UserWarning):
    """The reference package gives a wrong result here; the drop-in reproduces it, as users'
    existing data depend on it, and says so (naming the defect and what it costs)."""
