//! What `compile` attaches to a model: a loss per output, loss weights, the optimizer and
//! the metrics, plus [`Logs`], the named values (loss, metrics) a step or epoch reports.

use crate::losses::Loss;
use crate::metrics::Metric;
use crate::optimizers::Optimizer;

pub struct Compiled {
    /// One loss per model output.
    pub losses: Vec<Loss>,
    pub loss_weights: Vec<f32>,
    pub optimizer: Optimizer,
    /// Per output, the metrics computed on it.
    pub metrics: Vec<Vec<Metric>>,
    /// The metric names as the user gave them (for saving).
    pub metric_names: Vec<String>,
    /// Per output: whether the loss took the output's activation over (computing the
    /// gradient w.r.t. the logits behind a softmax/sigmoid, as Keras 3 does).
    pub fused: Vec<bool>,
}

/// Named scalar results in Keras' order: `loss` first, then metrics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logs(pub Vec<(String, f64)>);

impl Logs {
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
    pub fn push(&mut self, name: impl Into<String>, value: f64) {
        self.0.push((name.into(), value));
    }
    pub fn iter(&self) -> impl Iterator<Item = &(String, f64)> {
        self.0.iter()
    }
}

/// Running (sum, count) pairs for the loss and every metric over one pass of batches.
pub(crate) struct Accumulator {
    pub names: Vec<String>,
    pub sums: Vec<(f64, f64)>,
}

impl Accumulator {
    pub fn new(names: Vec<String>) -> Self {
        let sums = vec![(0.0, 0.0); names.len()];
        Accumulator { names, sums }
    }
    pub fn reset(&mut self) {
        self.sums.iter_mut().for_each(|s| *s = (0.0, 0.0));
    }
    pub fn logs(&self, prefix: &str) -> Logs {
        Logs(self.names.iter().zip(&self.sums).map(|(n, (s, c))| (format!("{prefix}{n}"), if *c > 0.0 { s / c } else { f64::NAN })).collect())
    }
}
