//! Shared pieces of the benchmarks: synthetic photon-limited data and side-by-side timing.

pub mod entropy;
pub mod ratio;
pub mod sidebyside;

use anscombe_calibrate::synthetic::SyntheticSpec;

/// A synthetic movie in levels (`frames * height * width`, frame after frame): Poisson photons
/// on a structured static scene with mean `mean_photons`, `gain` levels per photon above
/// `zero_level`, read noise, and none of the generator's nuisances (drift, motion, hot pixels),
/// so every benchmark sees the same clean data.
pub fn poisson_movie(
    frames: usize,
    height: usize,
    width: usize,
    gain: f64,
    zero_level: f64,
    mean_photons: f64,
    seed: u64,
) -> Vec<f64> {
    SyntheticSpec {
        frames,
        height,
        width,
        drift: 0.0,
        shifts: 0,
        hot_fraction: 0.0,
        ..SyntheticSpec::new(gain, zero_level, mean_photons, seed)
    }
    .generate::<f64>()
}

/// A deterministic `uint8` image of tinybrain's `(x, y, z)` axes: smooth gradients with
/// Poisson-like noise, C order.
pub fn pyramid_image(shape: [usize; 3], seed: u64) -> ndarray::Array3<u8> {
    let mut rng = anscombe_testkit::Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut noise = move || (rng.next_u64() >> 59) as usize;
    ndarray::Array3::from_shape_fn(shape, |(x, y, z)| {
        ((x / 8 + y / 16 + z) % 200 + noise() * 3).min(255) as u8
    })
}

/// Deterministic `uint32` labels of tinybrain's `(x, y, z)` axes: blocks of about 24x24x6
/// voxels with ragged borders, like a segmentation, C order.
pub fn pyramid_labels(shape: [usize; 3], seed: u64) -> ndarray::Array3<u32> {
    let hash = |a: usize, b: usize, c: usize| {
        let mut h = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (b as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ (c as u64).wrapping_mul(0x1656_67B1_9E37_79F9)
            ^ seed;
        h ^= h >> 29;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^ (h >> 32)
    };
    ndarray::Array3::from_shape_fn(shape, |(x, y, z)| {
        let jitter_x = (hash(y, z, 1) % 5) as usize;
        let jitter_y = (hash(x, z, 2) % 5) as usize;
        (hash((x + jitter_x) / 24, (y + jitter_y) / 24, z / 6) % 50_000) as u32 + 1
    })
}

/// The same array in Fortran order (tinybrain's layout).
pub fn fortran<T: Clone, D: ndarray::Dimension>(
    array: &ndarray::Array<T, D>,
) -> ndarray::Array<T, D> {
    array.t().as_standard_layout().into_owned().reversed_axes()
}

/// SHA-256 of each level's samples in C order, little-endian (as NumPy's `tobytes()`).
pub fn digests<T: bytemuck::Pod, D: ndarray::Dimension>(
    levels: &[ndarray::Array<T, D>],
) -> Vec<String> {
    levels
        .iter()
        .map(|level| {
            let standard = level.as_standard_layout();
            let bytes: &[u8] = standard.as_slice().map_or(&[], |s| bytemuck::cast_slice(s));
            anscombe_testkit::sha256_hex(bytes)
        })
        .collect()
}

/// Pieces the memory bandwidth probes cut their data into, one task each.
const PIECE: usize = 1 << 18;

/// The four quarters of `piece`: read side by side they are four forward streams, which
/// one core reads faster than a single stream (more reads in flight).
fn quarters<T>(piece: &[T]) -> [&[T]; 4] {
    let quarter = piece.len() / 4;
    let (a, rest) = piece.split_at(quarter);
    let (b, rest) = rest.split_at(quarter);
    let (c, rest) = rest.split_at(quarter);
    [a, b, c, &rest[..quarter]]
}

/// The shortest of five runs of `work` on a pool of two threads, in seconds.
fn best_of_five_on_two_threads(mut work: impl FnMut() + Send) -> f64 {
    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(2).build() else {
        return f64::NAN;
    };
    (0..5)
        .map(|_| {
            let start = std::time::Instant::now();
            pool.install(&mut work);
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Bytes per second two threads read `data` at, four streams each (XOR of its 64-bit words,
/// which costs the cores next to nothing): the memory bandwidth a streaming kernel can hope
/// for.
pub fn read_bandwidth(data: &[u8]) -> f64 {
    use rayon::prelude::*;
    let (_, words, _) = bytemuck::pod_align_to::<u8, u64>(data);
    let seconds = best_of_five_on_two_threads(|| {
        let total: u64 = words
            .par_chunks_exact(PIECE / 8)
            .map(|piece| {
                let [a, b, c, d] = quarters(piece);
                a.iter()
                    .zip(b)
                    .zip(c)
                    .zip(d)
                    .fold(0, |x, (((a, b), c), d)| x ^ a ^ b ^ c ^ d)
            })
            .reduce(|| 0, |x, y| x ^ y);
        std::hint::black_box(total);
    });
    (words.len() / (PIECE / 8) * PIECE) as f64 / seconds
}

/// Bytes of input per second two threads stream through the memory traffic of a one-level
/// 2x2 pyramid with the friendliest access order and next to no arithmetic: every byte read
/// once, as four forward streams per thread, and a quarter as many bytes written (XOR of the
/// four quarters of each 256 KiB piece into a buffer reused between runs, so no page is
/// faulted in). What a pooling kernel could reach if memory were its only cost.
pub fn quarter_stream_bandwidth(data: &[u8]) -> f64 {
    use rayon::prelude::*;
    let mut out = vec![0u8; data.len() / PIECE * PIECE / 4];
    let seconds = best_of_five_on_two_threads(|| {
        out.par_chunks_mut(PIECE / 4)
            .zip(data.par_chunks_exact(PIECE))
            .for_each(|(out, piece)| {
                let [a, b, c, d] = quarters(piece);
                for ((((o, a), b), c), d) in out.iter_mut().zip(a).zip(b).zip(c).zip(d) {
                    *o = a ^ b ^ c ^ d;
                }
            });
        std::hint::black_box(&out);
    });
    (out.len() * 4) as f64 / seconds
}

/// A deterministic `uint8` movie of a microfluidic channel, `(frames, height, width)` in C
/// order: darker walls at the top and bottom, a brighter channel with a gradient along x and
/// fixed-pattern noise, flicker, pixel noise, and dark round cells moving along x.
pub fn cytometry_movie(frames: usize, height: usize, width: usize, seed: u64) -> Vec<u8> {
    let mut rng = anscombe_testkit::Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut random = move || rng.unit();
    let wall = (height / 8).max(2);
    let scene: Vec<f64> = (0..height * width)
        .map(|i| {
            let (y, x) = (i / width, i % width);
            let base = if y < wall || y >= height - wall {
                62.0
            } else {
                110.0 + 12.0 * x as f64 / width as f64
            };
            base + (random() - 0.5) * 6.0
        })
        .collect();
    let mut cells: Vec<(f64, f64, f64)> = Vec::new(); // (x, y, speed)
    let mut movie = Vec::with_capacity(frames * height * width);
    for t in 0..frames {
        if random() < 0.3 {
            cells.push((
                -4.0,
                wall as f64 + 3.0 + random() * (height - 2 * wall - 6) as f64,
                1.5 + 2.5 * random(),
            ));
        }
        let flicker = 3.0 * (t as f64 / 37.0 * std::f64::consts::TAU).sin();
        for (i, &b) in scene.iter().enumerate() {
            let (y, x) = ((i / width) as f64, (i % width) as f64);
            let mut v = b + flicker + (random() - 0.5) * 4.0;
            for &(cx, cy, _) in &cells {
                let d2 = (x - cx).powi(2) + (y - cy).powi(2);
                if d2 < 16.0 {
                    v -= 35.0 * (1.0 - d2 / 16.0);
                }
            }
            movie.push(v.round().clamp(0.0, 255.0) as u8);
        }
        for cell in &mut cells {
            cell.0 += cell.2;
        }
        cells.retain(|c| c.0 < width as f64 + 4.0);
    }
    movie
}
