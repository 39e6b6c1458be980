//! `Dataset`: features `x` and optional labels `y`, both with the sample axis first.
//!
//! Contract: when `y` is present, `x.rows() == y.rows()` (checked by [`Dataset::new`] and
//! [`Dataset::check`]; the fields are public so code that builds a `Dataset` by hand should call
//! `check`). Splitting ([`Dataset::split_tail`]) follows Keras' `validation_split` exactly: the
//! last `floor`-complement of the samples, in file order, become validation data. Sharding
//! ([`Dataset::shard`]) gives contiguous, near-equal parts like `numpy.array_split`.

use tusk_core::Tensor;

use crate::error::{Error, Result};

/// Features and (optionally) labels for the same samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub x: Tensor,
    pub y: Option<Tensor>,
}

impl Dataset {
    /// Pairs features with labels, checking that they have the same number of samples.
    pub fn new(x: Tensor, y: Option<Tensor>) -> Result<Dataset> {
        let d = Dataset { x, y };
        d.check_rows()?;
        Ok(d)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.rows()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Samples `start..end` (both tensors), `start <= end <= len()`.
    fn slice(&self, start: usize, end: usize) -> Dataset {
        Dataset {
            x: self.x.slice_rows(start, end),
            y: self.y.as_ref().map(|y| y.slice_rows(start, end)),
        }
    }

    /// Splits off the last `fraction` of the samples as validation data, before any shuffling,
    /// as Keras' `fit(validation_split=fraction)` does: training keeps the first
    /// `floor(n * (1 - fraction))` samples. `fraction == 0` gives an empty validation set.
    /// Fails if `fraction` is outside `[0, 1)` or if a non-zero fraction leaves either part empty.
    pub fn split_tail(&self, fraction: f64) -> Result<(Dataset, Dataset)> {
        self.check_rows()?;
        if !(0.0..1.0).contains(&fraction) {
            return Err(Error::config(format!(
                "validation split must be in [0, 1), got {fraction}"
            )));
        }
        let n = self.len();
        let split_at = ((n as f64) * (1.0 - fraction)).floor() as usize;
        let split_at = split_at.min(n);
        if fraction > 0.0 && (split_at == 0 || split_at == n) {
            return Err(Error::config(format!(
                "{n} samples are not enough to split off a validation fraction of {fraction}"
            )));
        }
        Ok((self.slice(0, split_at), self.slice(split_at, n)))
    }

    /// Shard `index` of `count` contiguous, near-equal shards (sizes differ by at most one; the
    /// first `len % count` shards get the extra sample). Shards are empty when `count > len`.
    pub fn shard(&self, index: usize, count: usize) -> Result<Dataset> {
        self.check_rows()?;
        if count == 0 || index >= count {
            return Err(Error::config(format!(
                "shard index {index} is out of range for {count} shards"
            )));
        }
        let (start, end) = shard_range(self.len(), index, count);
        Ok(self.slice(start, end))
    }

    /// Verifies that features and labels have the same number of samples and that every value is
    /// finite; the message names "features" or "labels" and the sample index.
    pub fn check(&self) -> Result<()> {
        self.check_rows()?;
        self.x.check_finite("features")?;
        if let Some(y) = &self.y {
            y.check_finite("labels")?;
        }
        Ok(())
    }

    fn check_rows(&self) -> Result<()> {
        for (what, t) in [("features", Some(&self.x)), ("labels", self.y.as_ref())] {
            if t.is_some_and(|t| t.shape().is_empty()) {
                return Err(Error::shape(format!("{what} are a scalar; they need a sample axis")));
            }
        }
        match &self.y {
            Some(y) if y.rows() != self.x.rows() => Err(Error::shape(format!(
                "features have {} samples (shape {:?}) but labels have {} (shape {:?})",
                self.x.rows(),
                self.x.shape(),
                y.rows(),
                y.shape()
            ))),
            _ => Ok(()),
        }
    }
}

/// The half-open sample range of shard `index` of `count` over `n` samples (`index < count`).
pub fn shard_range(n: usize, index: usize, count: usize) -> (usize, usize) {
    let base = n / count;
    let extra = n % count;
    let start = index * base + index.min(extra);
    let len = base + usize::from(index < extra);
    (start, start + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(n: usize) -> Dataset {
        let x = Tensor::new((0..n * 2).map(|v| v as f32).collect(), vec![n, 2]).unwrap();
        let y = Tensor::new((0..n).map(|v| v as f32).collect(), vec![n]).unwrap();
        Dataset::new(x, Some(y)).unwrap()
    }

    #[test]
    fn split_tail_matches_keras() {
        // Keras: split_at = int(math.floor(10 * (1.0 - 0.25))) = 7
        let (tr, va) = ds(10).split_tail(0.25).unwrap();
        assert_eq!((tr.len(), va.len()), (7, 3));
        assert_eq!(va.y.unwrap().data(), &[7.0, 8.0, 9.0]);
        assert_eq!(va.x.row(0), &[14.0, 15.0]);
        // floor(5 * 0.8) = 4 (0.8 is 0.8000000000000000444; 5 * 0.8 == 4.0 exactly in f64)
        let (tr, va) = ds(5).split_tail(0.2).unwrap();
        assert_eq!((tr.len(), va.len()), (4, 1));
        let (tr, va) = ds(5).split_tail(0.0).unwrap();
        assert_eq!((tr.len(), va.len()), (5, 0));
    }

    #[test]
    fn split_tail_rejects_bad_fractions() {
        for f in [-0.1, 1.0, 1.5, f64::NAN] {
            let msg = ds(10).split_tail(f).unwrap_err().to_string();
            assert!(msg.contains("validation split"), "{msg}");
        }
        let msg = ds(1).split_tail(0.5).unwrap_err().to_string();
        assert!(msg.contains("not enough"), "{msg}");
    }

    #[test]
    fn shards_are_contiguous_and_near_equal() {
        let d = ds(10);
        let sizes: Vec<usize> = (0..3).map(|i| d.shard(i, 3).unwrap().len()).collect();
        assert_eq!(sizes, vec![4, 3, 3]);
        assert_eq!(d.shard(1, 3).unwrap().y.unwrap().data(), &[4.0, 5.0, 6.0]);
        let d = ds(2);
        let sizes: Vec<usize> = (0..4).map(|i| d.shard(i, 4).unwrap().len()).collect();
        assert_eq!(sizes, vec![1, 1, 0, 0]);
        assert!(d.shard(4, 4).is_err());
        assert!(d.shard(0, 0).is_err());
    }

    #[test]
    fn check_names_part_and_sample() {
        let mut d = ds(3);
        d.check().unwrap();
        d.y.as_mut().unwrap().data_mut()[2] = f32::INFINITY;
        let msg = d.check().unwrap_err().to_string();
        assert!(msg.contains("labels") && msg.contains("sample 2"), "{msg}");
        d.x.data_mut()[3] = f32::NAN;
        let msg = d.check().unwrap_err().to_string();
        assert!(msg.contains("features") && msg.contains("sample 1"), "{msg}");
        let scalar = Tensor::new(vec![1.0], vec![]).unwrap();
        let msg = Dataset::new(scalar, None).unwrap_err().to_string();
        assert!(msg.contains("sample axis"), "{msg}");
        d.y = Some(Tensor::zeros(vec![2]));
        let msg = d.check().unwrap_err().to_string();
        assert!(msg.contains("features have 3") && msg.contains("labels have 2"), "{msg}");
    }
}
