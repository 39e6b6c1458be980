//! [`Steps`]: shuffled mini-batch epochs driven one step at a time, for training loops that
//! act between steps (a distributed worker commits and pulls every λ steps). `fit` is built
//! on it. Inputs and targets are checked once, in [`Steps::new`]; steps allocate nothing.

use crate::error::{Error, Result};
use crate::model::model::Pass;
use crate::model::{Accumulator, Logs, Model};
use crate::tensor::Tensor;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// The order of one pass over `n` samples in batches of `batch_size`, and the running loss
/// and metrics of the current epoch.
pub struct Steps {
    order: Vec<usize>,
    rng: SmallRng,
    batch_size: usize,
    shuffle: bool,
    acc: Accumulator,
    /// Epochs begun (1-based once the first has begun), for error messages.
    epoch: usize,
}

impl Steps {
    /// Checks `(x, y)` against the compiled `model` (shapes, finite values) and sizes its
    /// buffers. `n` samples of `x` are used (the first `n`; `None`: all).
    pub fn new(model: &mut Model, x: &[Tensor], y: &[Tensor], n: Option<usize>, batch_size: usize, shuffle: bool, seed: u64) -> Result<Steps> {
        model.require_compiled("training")?;
        let rows = model.check_inputs(x)?;
        model.check_targets(y, rows)?;
        if batch_size == 0 {
            return Err(Error::config("training: batch_size must be at least 1"));
        }
        for (i, t) in x.iter().enumerate() {
            t.check_finite(&format!("input {i}"))?;
        }
        for (i, t) in y.iter().enumerate() {
            t.check_finite(&format!("targets {i}"))?;
        }
        let n = n.unwrap_or(rows).min(rows);
        let batch_size = batch_size.min(n.max(1));
        model.reserve(batch_size);
        Ok(Steps { order: (0..n).collect(), rng: SmallRng::seed_from_u64(seed), batch_size, shuffle, acc: model.accumulator(), epoch: 0 })
    }

    /// Samples per epoch.
    pub fn samples(&self) -> usize {
        self.order.len()
    }

    /// Steps per epoch (0 for no samples).
    pub fn steps(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }

    /// Starts an epoch: reshuffles (if asked) and resets the running loss and metrics.
    pub fn begin_epoch(&mut self) {
        if self.shuffle {
            self.order.shuffle(&mut self.rng);
        }
        self.acc.reset();
        self.epoch += 1;
    }

    /// Trains `model` on batch `step` of the current epoch; returns the batch's sample count.
    /// A loss that becomes NaN or infinite stops training with an [`Error::Data`].
    pub fn step(&mut self, model: &mut Model, x: &[Tensor], y: &[Tensor], step: usize) -> Result<usize> {
        let bs = self.batch_size;
        let idx = &self.order[(step * bs).min(self.order.len())..((step + 1) * bs).min(self.order.len())];
        model.load_inputs(x, idx.iter().copied());
        model.load_targets(y, idx.iter().copied());
        model.run_batch(idx.len(), Pass::Train, &mut self.acc)?;
        // Keras' TerminateOnNaN, always on: a non-finite loss never becomes a saved model.
        let loss = self.running_loss();
        if !loss.is_finite() {
            return Err(Error::data(format!(
                "training diverged: the loss became {loss} at epoch {}, batch {} (a learning rate too high for this model and data?)",
                self.epoch.max(1),
                step + 1
            )));
        }
        Ok(idx.len())
    }

    /// The running mean of the loss so far this epoch.
    pub fn running_loss(&self) -> f64 {
        self.acc.sums[0].0 / self.acc.sums[0].1.max(1.0)
    }

    /// The epoch's loss and metrics so far.
    pub fn logs(&self) -> Logs {
        self.acc.logs("")
    }
}
