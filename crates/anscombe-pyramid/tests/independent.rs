//! The engine against the plain definition in `naive/`, on random shapes, factors, levels,
//! methods and memory orders (C, Fortran, and views that are neither), for every sample type.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]

mod naive;

use anscombe_pyramid::{LevelSink, Method, Pyramid, SinkError, Streamer};
use naive::Plain;
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use proptest::prelude::*;

/// A case: shape, factors, levels, method, sparse, memory order, and seeds for the values.
#[derive(Debug, Clone)]
struct Case {
    shape: Vec<usize>,
    factors: Vec<usize>,
    levels: usize,
    method: Method,
    sparse: bool,
    order: Order,
}

#[derive(Debug, Clone, Copy)]
enum Order {
    C,
    Fortran,
    /// Axes permuted: neither C nor Fortran contiguous.
    Permuted,
}

fn cases() -> impl Strategy<Value = Case> {
    (1usize..=4)
        .prop_flat_map(|rank| {
            (
                prop::collection::vec(0usize..=7, rank),
                prop::collection::vec(prop::sample::select(vec![1usize, 1, 2, 2, 2, 3, 4]), rank),
                prop::sample::select(vec![
                    Method::Average,
                    Method::Average,
                    Method::Mode,
                    Method::Mode,
                    Method::Max,
                    Method::Min,
                    Method::Stride,
                ]),
                any::<bool>(),
                prop::sample::select(vec![Order::C, Order::Fortran, Order::Permuted]),
                1usize..=4,
            )
        })
        .prop_filter_map(
            "a pyramid that can be built",
            |(shape, mut factors, method, sparse, order, levels)| {
                if factors.iter().all(|&f| f == 1) {
                    factors[0] = 2;
                }
                let sparse = sparse && matches!(method, Method::Average | Method::Mode);
                let pyramid = Pyramid::new(method, &factors, 1).ok()?;
                let possible = pyramid.possible_levels(&shape).ok()?;
                (possible > 0).then(|| Case {
                    levels: levels.min(possible),
                    shape,
                    factors,
                    method,
                    sparse,
                    order,
                })
            },
        )
}

/// `samples` laid out as the case asks, same logical values.
fn arrange<T: Clone>(shape: &[usize], samples: Vec<T>, order: Order) -> ArrayD<T> {
    let c = ArrayD::from_shape_vec(IxDyn(shape), samples).unwrap();
    match order {
        Order::C => c,
        Order::Fortran => c.t().as_standard_layout().into_owned().reversed_axes(),
        Order::Permuted => {
            // Store with the axes rotated, then view them back in the logical order.
            let rank = shape.len();
            let rotate: Vec<usize> = (0..rank).map(|a| (a + 1) % rank).collect();
            let mut back = vec![0; rank];
            for (i, &a) in rotate.iter().enumerate() {
                back[a] = i;
            }
            c.permuted_axes(rotate.as_slice())
                .as_standard_layout()
                .into_owned()
                .permuted_axes(back.as_slice())
        }
    }
}

fn keys<T: Plain>(a: &ArrayD<T>) -> Vec<u64> {
    a.iter().map(|v| v.key()).collect()
}

fn check<T: Plain>(case: &Case, samples: Vec<T>) -> Result<(), TestCaseError> {
    let input = arrange(&case.shape, samples, case.order);
    let pyramid = Pyramid::new(case.method, &case.factors, case.levels)
        .unwrap()
        .sparse(case.sparse)
        .unwrap();
    let ours = pyramid.build(input.view()).unwrap();
    let logical = input.as_standard_layout().into_owned();
    let expected = match case.method {
        Method::Average => naive::average(&logical, &case.factors, case.levels, case.sparse),
        other => naive::select(&logical, other, &case.factors, case.levels, case.sparse),
    };
    prop_assert_eq!(ours.len(), expected.len());
    for (level, (a, b)) in ours.iter().zip(&expected).enumerate() {
        prop_assert_eq!(a.shape(), b.shape(), "level {}", level);
        prop_assert_eq!(keys(a), keys(b), "level {}", level);
    }
    // Into levels the caller holds, whatever they held before, the same levels: every
    // sample is written.
    let fortran = !input.is_standard_layout() && input.t().is_standard_layout();
    for fill in [T::from_f64(1.0), T::from_f64(2.0)] {
        let mut held: Vec<ArrayD<T>> = expected
            .iter()
            .map(|e| {
                let shape = IxDyn(e.shape());
                if fortran {
                    ArrayD::from_elem(shape.f(), fill)
                } else {
                    ArrayD::from_elem(shape, fill)
                }
            })
            .collect();
        let mut views: Vec<_> = held.iter_mut().map(|l| l.view_mut()).collect();
        pyramid.build_into(input.view(), &mut views).unwrap();
        for (level, (a, b)) in held.iter().zip(&expected).enumerate() {
            prop_assert_eq!(keys(a), keys(b), "level {} into {}s", level, fill.key());
        }
    }
    // The streaming engine, rows pushed in uneven batches, gives the same levels.
    let mut streamer = Streamer::<T>::new(&pyramid, &case.shape).unwrap();
    let mut streamed: Vec<Vec<T>> = vec![Vec::new(); case.levels];
    let mut sink = |level: usize, row: &[T]| -> Result<(), SinkError> {
        streamed[level].extend_from_slice(row);
        Ok(())
    };
    let row_len = streamer.row_len();
    let flat: Vec<T> = logical.iter().copied().collect();
    if row_len > 0 {
        let mut rows = flat.chunks(row_len);
        let mut batch = 1;
        loop {
            let part: Vec<T> = rows.by_ref().take(batch).flatten().copied().collect();
            if part.is_empty() {
                break;
            }
            streamer
                .push(&part, &mut sink as &mut dyn LevelSink<T>)
                .unwrap();
            batch = batch % 3 + 1;
        }
        streamer.finish(&mut sink).unwrap();
        for (level, expected) in expected.iter().enumerate() {
            let got: Vec<u64> = streamed[level].iter().map(|v| v.key()).collect();
            prop_assert_eq!(got, keys(expected), "streamed level {}", level);
        }
    }
    Ok(())
}

/// Values for a case: full-range noise for images, a few labels (with ties and 0) for mode.
fn values<T: Plain + std::fmt::Debug + 'static>(
    labels: Vec<T>,
    noise: impl Strategy<Value = T> + Clone + 'static,
) -> impl Strategy<Value = (Case, Vec<T>)> {
    cases().prop_flat_map(move |case| {
        let n: usize = case.shape.iter().product();
        let pick = prop::sample::select(labels.clone()).boxed();
        let values = if case.method == Method::Mode || case.sparse {
            prop::collection::vec(prop_oneof![pick, noise.clone().boxed()], n).boxed()
        } else {
            prop::collection::vec(noise.clone(), n).boxed()
        };
        (Just(case), values)
    })
}

macro_rules! against_the_definition {
    ($name:ident, $t:ty, $labels:expr, $noise:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]
            #[test]
            fn $name((case, samples) in values::<$t>($labels, $noise)) {
                check(&case, samples)?;
            }
        }
    };
}

against_the_definition!(
    u8_pyramids_match_the_definition,
    u8,
    vec![0, 0, 1, 2, 255],
    any::<u8>()
);
against_the_definition!(
    i8_pyramids_match_the_definition,
    i8,
    vec![0, 0, -1, -128, 127],
    any::<i8>()
);
against_the_definition!(
    u16_pyramids_match_the_definition,
    u16,
    vec![0, 0, 7, 65535],
    any::<u16>()
);
against_the_definition!(
    i16_pyramids_match_the_definition,
    i16,
    vec![0, 0, -32768, 5, 32767],
    any::<i16>()
);
against_the_definition!(
    u32_pyramids_match_the_definition,
    u32,
    vec![0, 0, 1, u32::MAX],
    any::<u32>()
);
against_the_definition!(
    i32_pyramids_match_the_definition,
    i32,
    vec![0, 0, -1, i32::MIN],
    any::<i32>()
);
against_the_definition!(
    u64_pyramids_match_the_definition,
    u64,
    vec![0, 0, 1, u64::MAX],
    any::<u64>()
);
against_the_definition!(
    i64_pyramids_match_the_definition,
    i64,
    vec![0, 0, -1, i64::MAX, i64::MIN],
    any::<i64>()
);
against_the_definition!(
    f32_pyramids_match_the_definition,
    f32,
    vec![0.0, -0.0, 1.5, f32::NAN],
    -1e6f32..1e6f32
);
against_the_definition!(
    f64_pyramids_match_the_definition,
    f64,
    vec![0.0, -0.0, 2.5, f64::NAN],
    -1e12f64..1e12f64
);

#[test]
fn one_level_with_odd_sizes_is_the_first_level_of_a_longer_pyramid() {
    // tinybrain's num_mips=1 path writes the odd-x edge into the wrong column; here the single
    // level is the level-0 result of a two-level pyramid.
    let input = ArrayD::from_shape_fn(IxDyn(&[7, 5, 2]), |i| {
        (i[0] * 37 + i[1] * 11 + i[2] * 5) as u8
    });
    let one = Pyramid::new(Method::Average, &[2, 2, 1], 1)
        .unwrap()
        .build(input.view())
        .unwrap();
    let two = Pyramid::new(Method::Average, &[2, 2, 1], 2)
        .unwrap()
        .build(input.view())
        .unwrap();
    assert_eq!(one[0], two[0]);
    // The last column averages the edge column with itself: (a + a + c + c) / 4.
    let edge = (u32::from(input[[6, 0, 0]]) * 2 + u32::from(input[[6, 1, 0]]) * 2) / 4;
    assert_eq!(u32::from(one[0][[3, 0, 0]]), edge);
}

#[test]
fn levels_that_do_not_fit_are_refused_untouched() {
    let c = ArrayD::from_shape_fn(IxDyn(&[6, 4]), |i| (i[0] * 4 + i[1]) as u8);
    let f = c.t().as_standard_layout().into_owned().reversed_axes();
    let p = Pyramid::new(Method::Average, &[2, 2], 2).unwrap();
    let refused = |input: &ArrayD<u8>, mut held: Vec<ArrayD<u8>>| {
        let mut views: Vec<_> = held.iter_mut().map(|l| l.view_mut()).collect();
        let err = p.build_into(input.view(), &mut views).unwrap_err();
        assert!(
            held.iter().flatten().all(|&v| v == 9),
            "written before refusing"
        );
        err.to_string()
    };
    let c_levels = || {
        vec![
            ArrayD::from_elem(IxDyn(&[3, 2]), 9u8),
            ArrayD::from_elem(IxDyn(&[2, 1]), 9u8),
        ]
    };
    // One level too few, a wrong shape, and C-ordered levels for a Fortran-ordered input.
    let mut short = c_levels();
    short.pop();
    assert_eq!(
        refused(&c, short),
        "level 1 must be a contiguous array of shape Some([2, 1]) in the input's memory order \
         (C), got no such level"
    );
    let mut wrong = c_levels();
    wrong[0] = ArrayD::from_elem(IxDyn(&[2, 3]), 9u8);
    assert!(
        refused(&c, wrong).starts_with("level 0 must be a contiguous array of shape Some([3, 2])")
    );
    assert!(
        refused(&f, c_levels()).contains("(Fortran), got one of shape [3, 2] or another layout")
    );
    // The same levels in Fortran order take the Fortran-ordered input.
    let mut held: Vec<ArrayD<u8>> = c_levels()
        .into_iter()
        .map(|l| l.t().as_standard_layout().into_owned().reversed_axes())
        .collect();
    let mut views: Vec<_> = held.iter_mut().map(|l| l.view_mut()).collect();
    p.build_into(f.view(), &mut views).unwrap();
    assert_eq!(held, p.build(c.view()).unwrap());
}

#[test]
fn results_do_not_depend_on_memory_order() {
    let c = ArrayD::from_shape_fn(IxDyn(&[9, 7, 5]), |i| {
        ((i[0] * 7 + i[1] * 3 + i[2]) % 4) as u16
    });
    let f = c.t().as_standard_layout().into_owned().reversed_axes();
    for method in [Method::Mode, Method::Average, Method::Max] {
        let p = Pyramid::new(method, &[2, 2, 2], 2).unwrap();
        assert_eq!(
            p.build(c.view()).unwrap(),
            p.build(f.view()).unwrap(),
            "{method}"
        );
    }
}

#[test]
fn several_channels_pool_independently_in_2x2x2_mode() {
    // tinybrain's 2x2x2 mode kernel misindexes 4-D inputs with more than one channel.
    let one = ArrayD::from_shape_fn(IxDyn(&[6, 4, 4]), |i| ((i[0] + i[1] * 2 + i[2]) % 3) as u32);
    let two = ndarray::stack(ndarray::Axis(3), &[one.view(), one.mapv(|v| v + 10).view()]).unwrap();
    let single = Pyramid::new(Method::Mode, &[2, 2, 2], 1)
        .unwrap()
        .build(one.view())
        .unwrap()
        .remove(0);
    let both = Pyramid::new(Method::Mode, &[2, 2, 2, 1], 1)
        .unwrap()
        .build(two.view())
        .unwrap()
        .remove(0);
    assert_eq!(both.index_axis(ndarray::Axis(3), 0), single);
    assert_eq!(
        both.index_axis(ndarray::Axis(3), 1),
        single.mapv(|v| v + 10)
    );
}

#[test]
fn thirty_two_bit_averages_are_exact_over_many_levels() {
    // tinybrain averages uint32 over several levels in float32; here sums are exact.
    let input = ArrayD::from_shape_fn(IxDyn(&[16, 16]), |i| {
        4_000_000_000u32 - (i[0] * 16 + i[1]) as u32
    });
    let levels = Pyramid::new(Method::Average, &[2, 2], 4)
        .unwrap()
        .build(input.view())
        .unwrap();
    let total: u64 = input.iter().map(|&v| u64::from(v)).sum();
    assert_eq!(u64::from(levels[3][[0, 0]]), total / 256);
}

#[test]
fn long_lines_take_the_vectorised_passes() {
    // The random cases above have lines of at most 7 samples, which only the scalar tails of
    // the line passes see; these lines (odd and even) also run through their 16-lane chunks,
    // and rows of 8 output lines fill the groups the kernels compute in lockstep. Rows of 21
    // and 66 lines have whole groups (taken straight from the row's layout) and lines left
    // over, inside and at the edge, which the general walk takes; the 66 lines give every
    // level of three whole groups.
    let mut rng = anscombe_testkit::Rng::new(0x2545_F491_4F6C_DD1D);
    let mut noise = move |n: usize| -> Vec<u64> { (0..n).map(|_| rng.next_u64()).collect() };
    let layouts = [
        (vec![3, 16, 77], vec![1, 2, 2]),
        (vec![2, 15, 70], vec![1, 2, 2]),
        (vec![2, 21, 40], vec![1, 2, 2]),
        (vec![2, 66, 40], vec![1, 2, 2]),
        // Seven levels: the periodic re-scaling of the sums (after level 3) on odd sizes.
        (vec![2, 70, 99], vec![1, 2, 2]),
        (vec![3, 9, 77], vec![1, 2, 2]),
        // Many small frames: in C order the engine takes several as one taller row where
        // the levels divide their height (here 1 and 3 levels, not 4).
        (vec![64, 8, 13], vec![1, 2, 2]),
        (vec![48, 12, 10], vec![1, 4, 2]),
        (vec![77, 9, 3], vec![2, 2, 1]),
        (vec![2, 66, 70], vec![2, 2, 2]),
        // Lines of whole steps of the `uint8` vector kernels, which then take every group of
        // a row in one call: the first three levels here, the last level with or without a
        // carry after it; lines of 8 and 4 carry values, several to a step (the second and
        // third levels of the narrow frame); and small frames taken as taller rows.
        (vec![2, 32, 128], vec![1, 2, 2]),
        (vec![1, 128, 32], vec![1, 2, 2]),
        (vec![32, 16, 64], vec![1, 2, 2]),
    ];
    let methods = [
        (Method::Average, false),
        (Method::Average, true),
        (Method::Mode, false),
        (Method::Mode, true),
        (Method::Max, false),
    ];
    for (shape, factors) in layouts {
        for order in [Order::C, Order::Fortran] {
            for (method, sparse) in methods {
                let possible = Pyramid::new(method, &factors, 1)
                    .unwrap()
                    .possible_levels(&shape)
                    .unwrap();
                for levels in [1, 3.min(possible), possible] {
                    let case = Case {
                        shape: shape.clone(),
                        factors: factors.clone(),
                        levels,
                        method,
                        sparse,
                        order,
                    };
                    let few = method == Method::Mode || sparse;
                    let raw: Vec<u64> = noise(shape.iter().product())
                        .into_iter()
                        .map(|v| if few { v % 4 } else { v })
                        .collect();
                    check(&case, raw.iter().map(|&v| v as u8).collect()).unwrap();
                    check(&case, raw.iter().map(|&v| v as i8).collect()).unwrap();
                    check(&case, raw.iter().map(|&v| v as u16).collect()).unwrap();
                    check(&case, raw.iter().map(|&v| v as i16).collect()).unwrap();
                    check(&case, raw.iter().map(|&v| v as u32).collect()).unwrap();
                }
            }
        }
    }
}
