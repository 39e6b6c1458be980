//! What `fit` returns: one [`EpochLog`] per epoch, and the Keras `history.history` view
//! (metric name -> list of per-epoch values).

use crate::model::Logs;

/// One epoch's results: loss, metrics and `val_*` values, plus timing.
#[derive(Clone, Debug)]
pub struct EpochLog {
    /// 0-based epoch index.
    pub epoch: usize,
    pub logs: Logs,
    /// Wall time of the whole epoch (training and validation).
    pub seconds: f64,
    /// Training samples per second (training steps only).
    pub samples_per_sec: f64,
}

#[derive(Clone, Debug, Default)]
pub struct History {
    pub epochs: Vec<EpochLog>,
}

impl History {
    /// Keras' `history.history`: every logged name with its per-epoch values, in log order.
    pub fn history(&self) -> Vec<(String, Vec<f64>)> {
        let mut out: Vec<(String, Vec<f64>)> = Vec::new();
        for e in &self.epochs {
            for (name, v) in e.logs.iter() {
                match out.iter_mut().find(|(n, _)| n == name) {
                    Some((_, vals)) => vals.push(*v),
                    None => out.push((name.clone(), vec![*v])),
                }
            }
        }
        out
    }

    /// The per-epoch values of one logged name.
    pub fn values(&self, name: &str) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.logs.get(name)).collect()
    }

    pub fn last(&self) -> Option<&EpochLog> {
        self.epochs.last()
    }
}
