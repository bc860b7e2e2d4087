//! Order statistics as NumPy and SciPy compute them: medians, the linear quantile, the median
//! absolute deviation, and SciPy's 1-D median filter.
//!
//! For values without NaN (NumPy's answer for data with NaN is NaN; these sort NaN last).

/// `values` sorted (IEEE total order).
fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// `np.median`: the middle value, or the mean of the two middle values for an even count.
/// `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    let sorted = sorted(values);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        #[allow(
            clippy::manual_midpoint,
            reason = "NumPy's arithmetic, which overflows where `midpoint` would not"
        )]
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// `scipy.stats.median_abs_deviation(values)` (scale 1), with the median it is taken about:
/// `(np.median(values), np.median(np.abs(values - np.median(values))))`. `None` for no values.
///
/// Times 1.4826 it estimates the standard deviation of normal data robustly.
pub fn median_abs_deviation(values: &[f64]) -> Option<(f64, f64)> {
    let centre = median(values)?;
    let deviations: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    Some((centre, median(&deviations)?))
}

/// `np.quantile(values, q)` with the default `linear` method (NumPy 2's index `(n - 1) * q`
/// and its two-sided interpolation). `None` for no values.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let sorted = sorted(values);
    let n = sorted.len();
    let last = *sorted.last()?;
    let index = (n - 1) as f64 * q;
    if index >= (n - 1) as f64 {
        return Some(last);
    }
    if index < 0.0 {
        return Some(sorted[0]);
    }
    let previous = index.floor();
    let (a, b) = (sorted[previous as usize], sorted[previous as usize + 1]);
    let t = index - previous;
    let difference = b - a;
    Some(if t >= 0.5 {
        b - difference * (1.0 - t)
    } else {
        a + difference * t
    })
}

/// `scipy.ndimage.median_filter(values, size)` (`reflect` mode, origin 0): each output is the
/// element of rank `size / 2` among `values[i - size/2 ..= i + (size - 1) - size/2]`, the
/// array extended by mirroring with its edge samples repeated (`d c b a | a b c d | d c b a`).
///
/// SciPy 1.17's fast 1-D path gets arrays of exactly `size / 2 - 1` samples wrong (for
/// `size = 10`, four) by reading past the end; this is the definition, for every length.
pub fn median_filter_reflect(values: &[f64], size: usize) -> Vec<f64> {
    let n = values.len();
    if n == 0 || size == 0 {
        return values.to_vec();
    }
    let period = 2 * n as isize;
    let mut window = Vec::with_capacity(size);
    (0..n as isize)
        .map(|i| {
            window.clear();
            for offset in -(size as isize / 2)..(size - size / 2) as isize {
                let mut j = (i + offset).rem_euclid(period);
                if j >= n as isize {
                    j = period - 1 - j;
                }
                window.push(values[j as usize]);
            }
            window.sort_by(f64::total_cmp);
            window[size / 2]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `1 / np.arange(1, 12)`.
    fn harmonic() -> Vec<f64> {
        (1..=11).map(|i| 1.0 / f64::from(i)).collect()
    }

    #[test]
    fn medians_are_numpys() {
        // np.median([3., 1., 2., 10.]) == 2.5, np.median([3., 1., 2.]) == 2.0
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        // np.median(1 / np.arange(1, 12)), and of its first ten values
        let x = harmonic();
        assert_eq!(median(&x), Some(0.166_666_666_666_666_66));
        assert_eq!(median(&x[..10]), Some(0.183_333_333_333_333_35));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn quantiles_are_numpys() {
        // np.quantile(1 / np.arange(1, 12), q) (NumPy 2.4.6, method 'linear')
        let x = harmonic();
        for (q, numpy) in [
            (0.0, 0.090_909_090_909_090_91),
            (0.1, 0.1),
            (0.25, 0.118_055_555_555_555_55),
            (0.5, 0.166_666_666_666_666_66),
            (0.73, 0.274_999_999_999_999_97),
            (0.8, 0.333_333_333_333_333_3),
            (0.95, 0.75),
            (1.0, 1.0),
        ] {
            assert_eq!(quantile(&x, q), Some(numpy), "q = {q}");
        }
        // np.quantile([1, 2, 3, 4, 10], 0.8) == 5.200000000000001
        assert_eq!(
            quantile(&[1.0, 2.0, 3.0, 4.0, 10.0], 0.8),
            Some(5.200_000_000_000_001)
        );
        assert_eq!(quantile(&[1.0, 2.0], 1.0), Some(2.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn median_absolute_deviations_are_scipys() {
        // np.median(y), scipy.stats.median_abs_deviation(y) for
        // y = [1, 2, 3, 4, 100, 2.5, -7]: 2.5 and 1.5
        assert_eq!(
            median_abs_deviation(&[1.0, 2.0, 3.0, 4.0, 100.0, 2.5, -7.0]),
            Some((2.5, 1.5))
        );
        // ... and for 1 / np.arange(1, 12): 0.16666666666666666, 0.06666666666666665
        assert_eq!(
            median_abs_deviation(&harmonic()),
            Some((0.166_666_666_666_666_66, 0.066_666_666_666_666_65))
        );
        assert_eq!(median_abs_deviation(&[]), None);
    }

    /// The series the median filter pins use.
    const SERIES: [f64; 13] = [
        5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 0.5, 7.0, 6.0, 8.0, 2.5, 11.0, -1.0,
    ];

    #[test]
    fn median_filters_are_scipys() {
        // scipy.ndimage.median_filter(SERIES[:n], size, mode='reflect') (SciPy 1.17.1)
        let size_3: [&[f64]; 4] = [
            &[5.0],
            &[5.0, 1.0],
            &[5.0, 4.0, 2.0, 3.0, 3.0, 9.0],
            &[
                5.0, 4.0, 2.0, 3.0, 3.0, 3.0, 7.0, 6.0, 7.0, 6.0, 8.0, 2.5, -1.0,
            ],
        ];
        for scipy in size_3 {
            assert_eq!(median_filter_reflect(&SERIES[..scipy.len()], 3), scipy);
        }
        let size_10: [&[f64]; 7] = [
            &[5.0],
            &[5.0, 5.0],
            &[4.0, 4.0, 4.0],
            &[3.0, 3.0, 3.0, 3.0, 3.0],
            &[3.0, 4.0, 4.0, 3.0, 4.0, 3.0, 3.0],
            &[3.0, 4.0, 4.0, 4.0, 5.0, 5.0, 6.0, 6.0, 7.0, 7.0],
            &[
                3.0, 4.0, 4.0, 4.0, 5.0, 5.0, 4.0, 6.0, 6.0, 6.0, 7.0, 6.0, 7.0,
            ],
        ];
        for scipy in size_10 {
            assert_eq!(median_filter_reflect(&SERIES[..scipy.len()], 10), scipy);
        }
    }

    #[test]
    fn four_samples_get_the_definition_not_scipys_overread() {
        // SciPy 1.17.1 gives [3, 4, 4, 4] here; the definition, computed in NumPy as
        // np.sort(np.pad(x, (5, 4), mode='symmetric')[i:i + 10])[5], gives [2, 4, 4, 4].
        assert_eq!(
            median_filter_reflect(&SERIES[..4], 10),
            [2.0, 4.0, 4.0, 4.0]
        );
    }

    proptest! {
        /// For an odd count both are the middle value; for an even count NumPy's median
        /// averages the two middle values, which rounds apart from the quantile's interpolation.
        #[test]
        fn the_median_is_the_middle_value(values in prop::collection::vec(-1e6f64..1e6, 1..60)) {
            let m = median(&values).expect("values");
            let s = sorted(&values);
            let n = s.len();
            if n % 2 == 1 {
                prop_assert_eq!(Some(m), quantile(&values, 0.5));
            } else {
                prop_assert!(s[n / 2 - 1] <= m && m <= s[n / 2]);
            }
        }

        #[test]
        fn a_window_of_one_changes_nothing(values in prop::collection::vec(-1e6f64..1e6, 0..40)) {
            prop_assert_eq!(median_filter_reflect(&values, 1), values);
        }
    }
}
