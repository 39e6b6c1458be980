//! `Model::fit`: epochs of shuffled mini-batches with optional validation, callbacks and
//! per-epoch timing, on top of [`Steps`](super::Steps) (which checks the data once and
//! allocates nothing per step).

use super::callbacks::{BatchProgress, Callback, Control};
use super::history::{EpochLog, History};
use super::steps::Steps;
use crate::error::{Error, Result};
use crate::model::model::Pass;
use crate::model::Model;
use crate::tensor::Tensor;
use std::time::Instant;

/// Keras' `fit` arguments.
#[derive(Clone, Debug)]
pub struct FitOptions {
    pub epochs: usize,
    pub batch_size: usize,
    /// Fraction of the samples, taken from the end before shuffling, held out for validation.
    pub validation_split: f32,
    /// Explicit validation inputs and targets (take precedence over `validation_split`).
    pub validation_data: Option<(Vec<Tensor>, Vec<Tensor>)>,
    pub shuffle: bool,
    /// Seeds the shuffling (and nothing else; dropout is seeded with the model).
    pub seed: u64,
    pub initial_epoch: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions { epochs: 1, batch_size: 32, validation_split: 0.0, validation_data: None, shuffle: true, seed: 0, initial_epoch: 0 }
    }
}

impl Model {
    /// Trains on `(x, y)`; see [`FitOptions`]. Returns the per-epoch history.
    pub fn fit(&mut self, x: &[Tensor], y: &[Tensor], opts: &FitOptions, callbacks: &mut [&mut dyn Callback]) -> Result<History> {
        self.require_compiled("fit")?;
        let n = self.check_inputs(x)?;
        self.check_targets(y, n)?;
        if !(0.0..1.0).contains(&opts.validation_split) {
            return Err(Error::config(format!("fit: validation_split must be in [0, 1), got {}", opts.validation_split)));
        }
        let split;
        let (n_train, val): (usize, Option<(&[Tensor], &[Tensor])>) = match &opts.validation_data {
            Some((vx, vy)) => {
                let vn = self.check_inputs(vx)?;
                self.check_targets(vy, vn)?;
                (n, Some((vx.as_slice(), vy.as_slice())))
            }
            None if opts.validation_split > 0.0 => {
                let n_val = ((n as f64) * opts.validation_split as f64).floor() as usize;
                let n_train = n - n_val;
                split = (
                    x.iter().map(|t| t.slice_rows(n_train, n)).collect::<Vec<_>>(),
                    y.iter().map(|t| t.slice_rows(n_train, n)).collect::<Vec<_>>(),
                );
                (n_train, (n_val > 0).then_some((split.0.as_slice(), split.1.as_slice())))
            }
            None => (n, None),
        };
        if n_train == 0 {
            return Err(Error::data("fit: no training samples (empty data, or validation_split takes them all)"));
        }
        let mut steps = Steps::new(self, x, y, Some(n_train), opts.batch_size, opts.shuffle, opts.seed)?;
        let bs = opts.batch_size.min(n_train);
        let mut val_acc = self.accumulator();
        let mut history = History::default();
        for epoch in opts.initial_epoch..opts.epochs {
            let started = Instant::now();
            callbacks.iter_mut().for_each(|c| c.on_epoch_begin(epoch, self));
            steps.begin_epoch();
            let mut samples = 0;
            for step in 0..steps.steps() {
                samples += steps.step(self, x, y, step)?;
                let progress = BatchProgress { epoch, epochs: opts.epochs, step: step + 1, steps: steps.steps(), samples, loss: steps.running_loss() };
                callbacks.iter_mut().for_each(|c| c.on_batch_end(&progress));
            }
            let train_secs = started.elapsed().as_secs_f64();
            // A loss can stay finite (clamped probabilities) while the weights are not.
            self.check_finite_weights(&format!("after epoch {}", epoch + 1))?;
            let mut logs = steps.logs();
            if let Some((vx, vy)) = val {
                val_acc.reset();
                self.run_passes(vx, vy, bs, Pass::Inference, &mut val_acc)?;
                logs.0.extend(val_acc.logs("val_").0);
            }
            let log = EpochLog { epoch, logs, seconds: started.elapsed().as_secs_f64(), samples_per_sec: n_train as f64 / train_secs.max(1e-9) };
            let mut stop = false;
            for c in callbacks.iter_mut() {
                stop |= c.on_epoch_end(&log, self) == Control::Stop;
            }
            history.epochs.push(log);
            if stop {
                break;
            }
        }
        callbacks.iter_mut().for_each(|c| c.on_train_end(self));
        Ok(history)
    }
}
