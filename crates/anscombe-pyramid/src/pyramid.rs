//! What pyramid to build: the pooling method, the factor per axis, the number of levels.

use crate::error::PyramidError;
use crate::methods::Method;

/// A pyramid recipe: method, factors (one per axis, axis 0 first) and number of levels.
///
/// Level 0 is the first downsampled level; the input itself is not part of the output.
/// Along every axis a level has `ceil(n / factor)` samples: blocks that run past the end of
/// an axis repeat its last sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pyramid {
    pub(crate) method: Method,
    pub(crate) factors: Vec<usize>,
    pub(crate) levels: usize,
    pub(crate) sparse: bool,
}

impl Pyramid {
    /// A recipe of `levels` levels pooling blocks of `factors` (missing trailing factors are 1,
    /// as in tinybrain: `[2, 2]` on a 3-D array means `[2, 2, 1]`).
    ///
    /// # Errors
    /// [`PyramidError::ZeroFactor`] or [`PyramidError::NoReduction`] for factors that do not
    /// shrink anything.
    pub fn new(method: Method, factors: &[usize], levels: usize) -> Result<Self, PyramidError> {
        if factors.contains(&0) {
            return Err(PyramidError::ZeroFactor(factors.to_vec()));
        }
        if factors.iter().all(|&f| f == 1) {
            return Err(PyramidError::NoReduction(factors.to_vec()));
        }
        Ok(Pyramid {
            method,
            factors: factors.to_vec(),
            levels,
            sparse: false,
        })
    }

    /// Sparse mode: zeros are background. Averages leave them out of both the sum and the
    /// count (a block of zeros stays 0); mode pooling lets any label win over background.
    ///
    /// # Errors
    /// [`PyramidError::Sparse`] for max, min and stride pooling.
    pub fn sparse(mut self, sparse: bool) -> Result<Self, PyramidError> {
        if sparse && !self.method.has_sparse_mode() {
            return Err(PyramidError::Sparse(self.method));
        }
        self.sparse = sparse;
        Ok(self)
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The factors as given.
    pub fn factors(&self) -> &[usize] {
        &self.factors
    }

    /// The number of levels.
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// Whether sparse mode is on.
    pub fn is_sparse(&self) -> bool {
        self.sparse
    }

    /// The factors padded with 1 to `rank` axes.
    ///
    /// # Errors
    /// [`PyramidError::Rank`] when there are more factors than axes.
    pub fn factors_for(&self, rank: usize) -> Result<Vec<usize>, PyramidError> {
        if rank == 0 || self.factors.len() > rank {
            return Err(PyramidError::Rank {
                factors: self.factors.len(),
                rank,
            });
        }
        let mut factors = self.factors.clone();
        factors.resize(rank, 1);
        Ok(factors)
    }

    /// The shapes of the levels of an array of `shape`.
    ///
    /// # Errors
    /// [`PyramidError::Rank`], or [`PyramidError::TooManyLevels`] when a level would not
    /// shrink the array (every pooled axis is down to one sample already).
    pub fn level_shapes(&self, shape: &[usize]) -> Result<Vec<Vec<usize>>, PyramidError> {
        let factors = self.factors_for(shape.len())?;
        // Not `with_capacity(self.levels)`: the count is the caller's, and the loop stops at
        // the first level that does not shrink, long before an absurd count.
        let mut shapes = Vec::new();
        let mut current = shape.to_vec();
        for level in 0..self.levels {
            if !shrinks(&current, &factors) {
                return Err(PyramidError::TooManyLevels {
                    level,
                    shape: current,
                    possible: level,
                });
            }
            current = next_shape(&current, &factors);
            shapes.push(current.clone());
        }
        Ok(shapes)
    }

    /// How many levels an array of `shape` allows: until every pooled axis is one sample.
    ///
    /// # Errors
    /// [`PyramidError::Rank`].
    pub fn possible_levels(&self, shape: &[usize]) -> Result<usize, PyramidError> {
        let factors = self.factors_for(shape.len())?;
        let mut current = shape.to_vec();
        let mut levels = 0;
        while shrinks(&current, &factors) {
            current = next_shape(&current, &factors);
            levels += 1;
        }
        Ok(levels)
    }
}

fn shrinks(shape: &[usize], factors: &[usize]) -> bool {
    shape.iter().zip(factors).any(|(&n, &f)| f > 1 && n > 1)
}

fn next_shape(shape: &[usize], factors: &[usize]) -> Vec<usize> {
    shape
        .iter()
        .zip(factors)
        .map(|(&n, &f)| n.div_ceil(f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_shapes_round_up() {
        let p = Pyramid::new(Method::Average, &[2, 2], 3).unwrap();
        assert_eq!(
            p.level_shapes(&[97, 75, 2]).unwrap(),
            [vec![49, 38, 2], vec![25, 19, 2], vec![13, 10, 2]]
        );
        assert_eq!(p.possible_levels(&[97, 75, 2]).unwrap(), 7);
    }

    #[test]
    fn bad_recipes_say_why() {
        assert!(matches!(
            Pyramid::new(Method::Mode, &[1, 1], 1),
            Err(PyramidError::NoReduction(_))
        ));
        assert!(matches!(
            Pyramid::new(Method::Mode, &[2, 0], 1),
            Err(PyramidError::ZeroFactor(_))
        ));
        let p = Pyramid::new(Method::Max, &[2, 2, 2], 1).unwrap();
        assert!(matches!(
            p.clone().sparse(true),
            Err(PyramidError::Sparse(Method::Max))
        ));
        assert!(matches!(
            p.level_shapes(&[4, 4]),
            Err(PyramidError::Rank { .. })
        ));
        let p = Pyramid::new(Method::Average, &[2, 2], 3).unwrap();
        let err = p.level_shapes(&[2, 2]).unwrap_err();
        assert!(matches!(
            err,
            PyramidError::TooManyLevels {
                level: 1,
                possible: 1,
                ..
            }
        ));
    }
}
