//! Callbacks that `fit` calls around epochs and batches, as in Keras: early stopping,
//! stopping once a metric reaches a target, and learning-rate schedules. Progress
//! display is a callback too (the CLI's), fed by cheap [`BatchProgress`] values.

use super::history::EpochLog;
use crate::model::Model;

/// Whether training goes on after an epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    Stop,
}

/// Where training is within an epoch; `loss` is the running mean so far.
#[derive(Clone, Copy, Debug)]
pub struct BatchProgress {
    pub epoch: usize,
    pub epochs: usize,
    pub step: usize,
    pub steps: usize,
    pub samples: usize,
    pub loss: f64,
}

pub trait Callback {
    fn on_epoch_begin(&mut self, _epoch: usize, _model: &mut Model) {}
    /// Called after every training step; must be cheap.
    fn on_batch_end(&mut self, _progress: &BatchProgress) {}
    fn on_epoch_end(&mut self, _log: &EpochLog, _model: &mut Model) -> Control {
        Control::Continue
    }
    fn on_train_end(&mut self, _model: &mut Model) {}
}

/// Whether larger values of `monitor` are better (Keras' `mode="auto"`).
fn higher_is_better(monitor: &str) -> bool {
    monitor.contains("acc") || monitor.ends_with("auc")
}

/// Keras' `EarlyStopping`: stop when `monitor` has not improved by `min_delta` for
/// `patience` epochs; optionally restore the best weights seen.
pub struct EarlyStopping {
    pub monitor: String,
    pub min_delta: f64,
    pub patience: usize,
    pub restore_best_weights: bool,
    best: Option<f64>,
    wait: usize,
    best_weights: Option<Vec<f32>>,
    /// The epoch at which training was stopped, if it was.
    pub stopped_epoch: Option<usize>,
}

impl EarlyStopping {
    pub fn new(monitor: &str, patience: usize) -> Self {
        EarlyStopping {
            monitor: monitor.into(),
            min_delta: 0.0,
            patience,
            restore_best_weights: false,
            best: None,
            wait: 0,
            best_weights: None,
            stopped_epoch: None,
        }
    }
    pub fn min_delta(mut self, d: f64) -> Self {
        self.min_delta = d.abs();
        self
    }
    pub fn restore_best_weights(mut self, yes: bool) -> Self {
        self.restore_best_weights = yes;
        self
    }
}

impl Callback for EarlyStopping {
    fn on_epoch_end(&mut self, log: &EpochLog, model: &mut Model) -> Control {
        let Some(v) = log.logs.get(&self.monitor) else { return Control::Continue };
        let improved = match self.best {
            None => true,
            Some(b) if higher_is_better(&self.monitor) => v - self.min_delta > b,
            Some(b) => v + self.min_delta < b,
        };
        if improved {
            self.best = Some(v);
            self.wait = 0;
            if self.restore_best_weights {
                self.best_weights = Some(model.params().to_vec());
            }
            return Control::Continue;
        }
        self.wait += 1;
        if self.wait >= self.patience {
            self.stopped_epoch = Some(log.epoch);
            if let Some(w) = &self.best_weights {
                model.set_params(w).expect("same model");
            }
            return Control::Stop;
        }
        Control::Continue
    }
}

/// Stops training once `monitor` reaches `target` (>= for accuracies, <= for losses).
pub struct StopAtTarget {
    pub monitor: String,
    pub target: f64,
    pub reached_at: Option<usize>,
}

impl StopAtTarget {
    pub fn new(monitor: &str, target: f64) -> Self {
        StopAtTarget { monitor: monitor.into(), target, reached_at: None }
    }
}

impl Callback for StopAtTarget {
    fn on_epoch_end(&mut self, log: &EpochLog, _model: &mut Model) -> Control {
        let Some(v) = log.logs.get(&self.monitor) else { return Control::Continue };
        let reached = if higher_is_better(&self.monitor) { v >= self.target } else { v <= self.target };
        if reached {
            self.reached_at = Some(log.epoch);
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

/// Keras' `LearningRateScheduler`: before each epoch, `lr = schedule(epoch, lr)`.
pub struct LearningRateScheduler {
    schedule: Box<dyn FnMut(usize, f32) -> f32>,
}

impl LearningRateScheduler {
    pub fn new(schedule: impl FnMut(usize, f32) -> f32 + 'static) -> Self {
        LearningRateScheduler { schedule: Box::new(schedule) }
    }
    /// Multiplies the rate by `factor` every `every` epochs.
    pub fn step_decay(factor: f32, every: usize) -> Self {
        Self::new(move |epoch, lr| if epoch > 0 && epoch % every.max(1) == 0 { lr * factor } else { lr })
    }
}

impl Callback for LearningRateScheduler {
    fn on_epoch_begin(&mut self, epoch: usize, model: &mut Model) {
        if let Some(opt) = model.optimizer_mut() {
            opt.learning_rate = (self.schedule)(epoch, opt.learning_rate);
        }
    }
}
