//! The update rules of `ALGORITHMS.md` as plain functions on slices, so each is tested on
//! small vectors against its formula. Workers use [`delta`] and [`elastic_difference`];
//! the server uses [`staleness_scale`] and [`RoundSum`].

use crate::algorithm::Algorithm;
use crate::protocol::Delta;

/// What a worker commits after λ local steps from `w0`: `W − W0` (ADAG: divided by λ).
pub fn delta(algorithm: Algorithm, w: &[f32], w0: &[f32], window: usize, out: &mut Vec<f32>) {
    let scale = if algorithm == Algorithm::Adag { 1.0 / window as f32 } else { 1.0 };
    out.clear();
    out.extend(w.iter().zip(w0).map(|(a, b)| (a - b) * scale));
}

/// AEASGD/EAMSGD: `E = α (W − C)`, and the worker moves `W ← W − E`. Returns `E` in `out`.
pub fn elastic_difference(w: &mut [f32], center: &[f32], alpha: f32, out: &mut Vec<f32>) {
    out.clear();
    out.extend(w.iter_mut().zip(center).map(|(w, c)| {
        let e = alpha * (*w - c);
        *w -= e;
        e
    }));
}

/// The factor the server applies a commit with: DynSGD `1 / (τ + 1)` with staleness
/// `τ = t_now − t_pull`; every other rule `1`.
pub fn staleness_scale(algorithm: Algorithm, t_now: u64, t_pull: u64) -> f32 {
    match algorithm {
        Algorithm::DynSgd => 1.0 / (t_now.saturating_sub(t_pull) as f32 + 1.0),
        _ => 1.0,
    }
}

/// A synchronous round's running sum: Elephas `synchronous` weights each delta by its
/// samples, `AveragingTrainer` weights every worker that trained equally (`C ← mean(W_i)`);
/// a worker with no samples weighs 0 either way.
#[derive(Debug)]
pub struct RoundSum {
    sum: Vec<f32>,
    weight: f64,
}

impl RoundSum {
    pub fn new(len: usize) -> Self {
        RoundSum { sum: vec![0.0; len], weight: 0.0 }
    }

    pub fn add(&mut self, algorithm: Algorithm, delta: &Delta, samples: u64) {
        let w = match (algorithm, samples) {
            (_, 0) => return,
            (Algorithm::Synchronous, n) => n as f64,
            _ => 1.0,
        };
        delta.add_to(&mut self.sum, w as f32);
        self.weight += w;
    }

    /// The weighted mean delta (`None` when no worker trained), and a reset for the next round.
    pub fn take_mean(&mut self) -> Option<Vec<f32>> {
        if self.weight == 0.0 {
            return None;
        }
        let inv = (1.0 / self.weight) as f32;
        let mean = self.sum.iter().map(|s| s * inv).collect();
        self.sum.iter_mut().for_each(|s| *s = 0.0);
        self.weight = 0.0;
        Some(mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downpour_commits_the_difference_and_adag_divides_it_by_the_window() {
        let (w, w0) = ([1.0, 2.0, -3.0], [0.5, 2.0, 1.0]);
        let mut out = Vec::new();
        delta(Algorithm::Downpour, &w, &w0, 4, &mut out);
        assert_eq!(out, [0.5, 0.0, -4.0]);
        delta(Algorithm::Adag, &w, &w0, 4, &mut out);
        assert_eq!(out, [0.125, 0.0, -1.0]);
    }

    #[test]
    fn elastic_difference_moves_the_worker_towards_the_center() {
        // α = η ρ = 0.1 × 5: E = 0.5 (W − C), W ← W − E.
        let mut w = [2.0, -1.0];
        let mut e = Vec::new();
        elastic_difference(&mut w, &[1.0, 1.0], 0.5, &mut e);
        assert_eq!(e, [0.5, -1.0]);
        assert_eq!(w, [1.5, 0.0]);
    }

    #[test]
    fn dynsgd_divides_by_staleness_plus_one() {
        assert_eq!(staleness_scale(Algorithm::DynSgd, 10, 10), 1.0);
        assert_eq!(staleness_scale(Algorithm::DynSgd, 13, 10), 0.25);
        assert_eq!(staleness_scale(Algorithm::Downpour, 13, 10), 1.0);
    }

    #[test]
    fn synchronous_rounds_weight_by_samples_and_ignore_empty_shards() {
        let mut r = RoundSum::new(2);
        r.add(Algorithm::Synchronous, &Delta::Dense(vec![1.0, 0.0]), 30);
        r.add(Algorithm::Synchronous, &Delta::Dense(vec![0.0, 2.0]), 10);
        r.add(Algorithm::Synchronous, &Delta::Dense(vec![-100.0, -100.0]), 0);
        assert_eq!(r.take_mean().unwrap(), [0.75, 0.5]);
        assert!(r.take_mean().is_none(), "the sum is reset after each round");
    }

    #[test]
    fn averaging_weights_workers_equally() {
        let mut r = RoundSum::new(1);
        r.add(Algorithm::Averaging, &Delta::Dense(vec![1.0]), 30);
        r.add(Algorithm::Averaging, &Delta::Dense(vec![3.0]), 10);
        r.add(Algorithm::Averaging, &Delta::Dense(vec![50.0]), 0);
        assert_eq!(r.take_mean().unwrap(), [2.0]);
    }
}
