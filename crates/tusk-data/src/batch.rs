//! Per-epoch sample order and batch ranges, and copying selected rows into a reused buffer.
//!
//! Contract: a [`Batcher`] over `n` samples yields, for each epoch, a permutation of `0..n`
//! (the identity without shuffling; with shuffling a Fisher–Yates shuffle driven by `SmallRng`
//! seeded from `(seed, epoch)`, so epoch `e` always gets the same order for the same seed), and
//! splits it into `ceil(n / batch_size)` batches in order, the last one possibly short (Keras
//! keeps partial batches). Nothing is allocated after [`Batcher::new`]; [`gather_into`] copies
//! rows into a caller-owned buffer without allocating either.

use std::ops::Range;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tusk_core::Tensor;

use crate::error::{Error, Result};

/// Sample order and batch boundaries for `n` samples.
#[derive(Clone, Debug)]
pub struct Batcher {
    batch_size: usize,
    shuffle: bool,
    seed: u64,
    order: Vec<usize>,
}

impl Batcher {
    /// A batcher for `n` samples; `batch_size` must be at least 1.
    pub fn new(n: usize, batch_size: usize, shuffle: bool, seed: u64) -> Result<Batcher> {
        if batch_size == 0 {
            return Err(Error::config("batch size must be at least 1, got 0"));
        }
        Ok(Batcher { batch_size, shuffle, seed, order: (0..n).collect() })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Batches per epoch: `ceil(n / batch_size)`.
    pub fn num_batches(&self) -> usize {
        self.len().div_ceil(self.batch_size)
    }

    /// Sets and returns the sample order of `epoch` (0-based).
    pub fn epoch(&mut self, epoch: u64) -> &[usize] {
        for (i, v) in self.order.iter_mut().enumerate() {
            *v = i;
        }
        if self.shuffle {
            let mixed = self.seed ^ epoch.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut rng = SmallRng::seed_from_u64(mixed);
            shuffle(&mut self.order, &mut rng);
        }
        &self.order
    }

    /// The current order (the identity until [`Batcher::epoch`] is called).
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// Positions into [`Batcher::order`] of each batch, in order.
    pub fn batches(&self) -> impl Iterator<Item = Range<usize>> {
        batch_ranges(self.len(), self.batch_size)
    }

    /// The sample indices of batch `b` of the current order (empty past the end).
    pub fn batch(&self, b: usize) -> &[usize] {
        let start = b.saturating_mul(self.batch_size).min(self.len());
        let end = start.saturating_add(self.batch_size).min(self.len());
        &self.order[start..end]
    }
}

/// Consecutive ranges of at most `batch_size` covering `0..n` (`batch_size` 0 is treated as 1).
pub fn batch_ranges(n: usize, batch_size: usize) -> impl Iterator<Item = Range<usize>> {
    let bs = batch_size.max(1);
    (0..n.div_ceil(bs)).map(move |b| b * bs..((b + 1) * bs).min(n))
}

/// In-place Fisher–Yates shuffle.
pub fn shuffle(order: &mut [usize], rng: &mut SmallRng) {
    for i in (1..order.len()).rev() {
        let j = rng.gen_range(0..=i);
        order.swap(i, j);
    }
}

/// Copies rows `indices` of `src`, in that order, into `dst`, which must hold exactly
/// `indices.len() * src.row_len()` values. Does not allocate.
pub fn gather_into(src: &Tensor, indices: &[usize], dst: &mut [f32]) -> Result<()> {
    let width = src.row_len();
    let rows = src.rows();
    if dst.len() != indices.len() * width {
        return Err(Error::shape(format!(
            "gather buffer holds {} values but {} rows of {width} (source shape {:?}) need {}",
            dst.len(),
            indices.len(),
            src.shape(),
            indices.len() * width
        )));
    }
    if let Some(&bad) = indices.iter().find(|&&i| i >= rows) {
        return Err(Error::shape(format!("gather index {bad} is out of range for {rows} samples")));
    }
    if width == 0 {
        return Ok(());
    }
    for (out, &i) in dst.chunks_exact_mut(width).zip(indices) {
        out.copy_from_slice(src.row(i));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_everything_with_a_short_tail() {
        let r: Vec<_> = batch_ranges(10, 4).collect();
        assert_eq!(r, vec![0..4, 4..8, 8..10]);
        assert_eq!(batch_ranges(0, 4).count(), 0);
        let b = Batcher::new(10, 4, false, 0).unwrap();
        assert_eq!(b.num_batches(), 3);
        assert_eq!(b.batch(2), &[8, 9]);
        assert!(b.batch(3).is_empty());
        assert!(Batcher::new(10, 0, false, 0).is_err());
    }

    #[test]
    fn shuffles_are_permutations_reproducible_per_epoch() {
        let mut a = Batcher::new(100, 32, true, 42).unwrap();
        let mut b = Batcher::new(100, 32, true, 42).unwrap();
        let e0 = a.epoch(0).to_vec();
        let e1 = a.epoch(1).to_vec();
        assert_ne!(e0, e1);
        assert_ne!(e0, (0..100).collect::<Vec<_>>());
        assert_eq!(b.epoch(1), &e1[..]);
        assert_eq!(b.epoch(0), &e0[..]);
        let mut sorted = e1.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        let mut c = Batcher::new(100, 32, true, 43).unwrap();
        assert_ne!(c.epoch(0), &e0[..]);
        let mut plain = Batcher::new(5, 2, false, 42).unwrap();
        assert_eq!(plain.epoch(3), &[0, 1, 2, 3, 4]);
    }

    #[test]
    fn gather_into_copies_rows() {
        let src = Tensor::new((0..6).map(|v| v as f32).collect(), vec![3, 2]).unwrap();
        let mut dst = [0.0; 4];
        gather_into(&src, &[2, 0], &mut dst).unwrap();
        assert_eq!(dst, [4.0, 5.0, 0.0, 1.0]);
        let msg = gather_into(&src, &[3, 0], &mut dst).unwrap_err().to_string();
        assert!(msg.contains("index 3"), "{msg}");
        let msg = gather_into(&src, &[1], &mut dst).unwrap_err().to_string();
        assert!(msg.contains("holds 4 values"), "{msg}");
    }
}
