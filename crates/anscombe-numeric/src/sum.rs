//! NumPy's float64 summation (`np.add.reduce`), and the mean and variance that use it.

/// NumPy's pairwise sum of `values` (float64 `add.reduce` over a contiguous array): runs of
/// under 8 summed in order, blocks of up to 128 in eight interleaved partial sums, longer runs
/// split in two at a multiple of 8.
pub fn pairwise_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        return values.iter().fold(0.0, |sum, &v| sum + v);
    }
    if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&values[..8]);
        let whole = n - n % 8;
        for block in values[8..whole].chunks_exact(8) {
            for (acc, &v) in r.iter_mut().zip(block) {
                *acc += v;
            }
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &values[whole..] {
            sum += v;
        }
        return sum;
    }
    let mut half = n / 2;
    half -= half % 8;
    pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
}

/// `np.mean` of float64 values (NaN for none, as NumPy gives with a warning).
pub fn mean(values: &[f64]) -> f64 {
    pairwise_sum(values) / values.len() as f64
}

/// `np.var` (population variance, `ddof=0`): the pairwise mean of the squared deviations from
/// the pairwise mean.
pub fn variance(values: &[f64]) -> f64 {
    let m = mean(values);
    let squares: Vec<f64> = values
        .iter()
        .map(|&v| {
            let d = v - m;
            d * d
        })
        .collect();
    pairwise_sum(&squares) / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `1 / np.arange(1, n + 1)`: float64 division rounds the same in Rust and NumPy.
    fn harmonic(n: usize) -> Vec<f64> {
        (1..=n).map(|i| 1.0 / i as f64).collect()
    }

    #[test]
    fn pairwise_sums_are_numpys() {
        // NumPy 2.4.6: np.sum(1 / np.arange(1, n + 1)) for each n; from 127 on (and at
        // 10000) a loop in order gives another value, printed beside it by pins.py.
        let pins: [(usize, f64); 18] = [
            (1, 1.0),
            (7, 2.592_857_142_857_142_5),
            (8, 2.717_857_142_857_142_5),
            (9, 2.828_968_253_968_253_7),
            (15, 3.318_228_993_228_993_7),
            (16, 3.380_728_993_228_993_7),
            (17, 3.439_552_522_640_758),
            (100, 5.187_377_517_639_621),
            (127, 5.425_334_592_589_172),
            (128, 5.433_147_092_589_173),
            (129, 5.440_899_030_573_669),
            (136, 5.493_542_515_771_517),
            (255, 6.120_438_712_817_281),
            (256, 6.124_344_962_817_281),
            (257, 6.128_236_013_400_938),
            (1000, 7.485_470_860_550_345),
            (1025, 7.510_151_282_034_232),
            (10_000, 9.787_606_036_044_382),
        ];
        for (n, numpy) in pins {
            assert_eq!(pairwise_sum(&harmonic(n)), numpy, "n = {n}");
        }
        // A plain loop differs there: the pins tell the two apart.
        assert_ne!(harmonic(10_000).iter().sum::<f64>(), 9.787_606_036_044_382);
        // np.sum(np.arange(1, 201) * 0.1) == 2010.0; in order it is 2010.0000000000002.
        let tenths: Vec<f64> = (1..=200).map(|i| f64::from(i) * 0.1).collect();
        assert_eq!(pairwise_sum(&tenths), 2010.0);
        assert_ne!(tenths.iter().sum::<f64>(), 2010.0);
        assert_eq!(pairwise_sum(&[]), 0.0);
    }

    #[test]
    fn means_and_variances_are_numpys() {
        // np.mean(1 / np.arange(1, 1001)), np.var(1 / np.arange(1, 1001))
        let x = harmonic(1000);
        assert_eq!(mean(&x), 0.007_485_470_860_550_345);
        assert_eq!(variance(&x), 0.001_587_902_292_677_411_8);
        assert!(mean(&[]).is_nan());
    }

    proptest! {
        /// Integers (and their sums) are exact in float64, so every order of summation agrees.
        #[test]
        fn integer_sums_are_exact(values in prop::collection::vec(-1_000_000i32..1_000_000, 0..600)) {
            let floats: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
            let exact: i64 = values.iter().map(|&v| i64::from(v)).sum();
            prop_assert_eq!(pairwise_sum(&floats), exact as f64);
        }
    }
}
