//! Grids of times as NumPy lays them out, and the nearest point of one.

/// `np.linspace(0, stop, count)`: `i * (stop / (count - 1))`, the last exactly `stop`.
pub fn linspace(stop: f64, count: usize) -> Vec<f64> {
    if count <= 1 {
        return vec![0.0; count];
    }
    let step = stop / (count - 1) as f64;
    let mut values: Vec<f64> = (0..count).map(|i| i as f64 * step).collect();
    values[count - 1] = stop;
    values
}

/// `np.arange(0, stop, step)`: `i * step` for the `ceil(stop / step)` values below `stop`.
pub fn arange(stop: f64, step: f64) -> Vec<f64> {
    let count = (stop / step).ceil();
    if !(count.is_finite() && count > 0.0) {
        return Vec::new();
    }
    (0..count as usize).map(|i| i as f64 * step).collect()
}

/// `np.argmin(np.abs(values - target))`: the first index nearest to `target`.
pub fn nearest(values: &[f64], target: f64) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &v) in values.iter().enumerate() {
        let distance = (v - target).abs();
        if best.is_none_or(|(_, d)| distance < d) {
            best = Some((i, distance));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_is_numpys() {
        // np.linspace(0, 300 / 3600 * 1.5, 300) (dcnum's guessed time axis), at a few places
        let guess = linspace(300.0 / 3600.0 * 1.5, 300);
        assert_eq!(guess.len(), 300);
        for (i, numpy) in [
            (0, 0.0),
            (1, 0.000_418_060_200_668_896_3),
            (7, 0.002_926_421_404_682_274),
            (23, 0.009_615_384_615_384_616),
            (150, 0.062_709_030_100_334_45),
            (298, 0.124_581_939_799_331_1),
            (299, 0.125),
        ] {
            assert_eq!(guess[i], numpy, "index {i}");
        }
        // np.linspace(0, 0.3, 4), np.linspace(0, 1, 7), np.linspace(0, 2, 1)
        assert_eq!(
            linspace(0.3, 4),
            [0.0, 0.099_999_999_999_999_99, 0.199_999_999_999_999_98, 0.3]
        );
        assert_eq!(
            linspace(1.0, 7),
            [
                0.0,
                0.166_666_666_666_666_66,
                0.333_333_333_333_333_3,
                0.5,
                0.666_666_666_666_666_6,
                0.833_333_333_333_333_3,
                1.0
            ]
        );
        assert_eq!(linspace(2.0, 1), [0.0]);
        assert_eq!(linspace(2.0, 0), Vec::<f64>::new());
    }

    #[test]
    fn arange_is_numpys() {
        // np.arange(0, 7.491666666666666, 1.0) has 8 values, 0 to 7.
        assert_eq!(
            arange(899.0 / 120.0, 1.0),
            [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
        );
        // np.arange(0, 0.3, 0.1), np.arange(0, 1.0, 0.1), np.arange(0, 0.001, 0.01)
        assert_eq!(arange(0.3, 0.1), [0.0, 0.1, 0.2]);
        assert_eq!(
            arange(1.0, 0.1),
            [
                0.0,
                0.1,
                0.2,
                0.300_000_000_000_000_04,
                0.4,
                0.5,
                0.600_000_000_000_000_1,
                0.700_000_000_000_000_1,
                0.8,
                0.9
            ]
        );
        assert_eq!(arange(0.001, 0.01), [0.0]);
        // np.arange(0, 0.0, 1.0) is empty.
        assert_eq!(arange(0.0, 1.0), Vec::<f64>::new());
    }

    #[test]
    fn nearest_is_numpys_argmin() {
        // np.argmin(np.abs(np.array([0., 1., 2., 3.]) - 1.5)) == 1: the first of a tie
        assert_eq!(nearest(&[0.0, 1.0, 2.0, 3.0], 1.5), Some(1));
        // np.argmin(np.abs(np.linspace(0, 1, 7) - 0.6)) == 4
        assert_eq!(nearest(&linspace(1.0, 7), 0.6), Some(4));
        assert_eq!(nearest(&[], 1.0), None);
    }
}
