//! What a distributed job is: the [`Algorithm`] (an Elephas mode or a dist-keras trainer),
//! its hyper-parameters, and the model to train. The server sends the [`JobSpec`] (JSON) to
//! every worker in its `Welcome`, so a worker needs nothing but the address and its data.

use crate::error::{Error, Result};
use crate::protocol::Compression;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most workers one job may have: each is a thread (and a connection) on the server's
/// side, and a number past this is a typo, not a cluster.
pub const MAX_WORKERS: usize = 1024;

/// `workers` is in `1..=MAX_WORKERS`.
pub fn check_workers(workers: usize) -> Result<()> {
    if (1..=MAX_WORKERS).contains(&workers) {
        Ok(())
    } else {
        Err(Error::config(format!("workers must be between 1 and {MAX_WORKERS}, got {workers}")))
    }
}

/// Elephas' modes and dist-keras' trainers (`ALGORITHMS.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Elephas `synchronous`: sample-weighted mean of the workers' deltas each round.
    Synchronous,
    /// Elephas `asynchronous`: deltas applied as they come, under a lock.
    Asynchronous,
    /// Elephas `hogwild`: deltas applied as they come, without a lock.
    Hogwild,
    /// dist-keras `SingleTrainer`: one model, all data, no server.
    Single,
    /// dist-keras `AveragingTrainer`: each epoch `C ← mean(W_i)`.
    Averaging,
    /// dist-keras `EnsembleTrainer`: independent models, no server.
    Ensemble,
    Downpour,
    Adag,
    DynSgd,
    Aeasgd,
    Eamsgd,
}

/// When Elephas' modes commit: after every epoch, or every λ batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Epoch,
    Batch,
}

impl Algorithm {
    pub const MODES: [&'static str; 3] = ["synchronous", "asynchronous", "hogwild"];
    pub const TRAINERS: [&'static str; 8] = ["single", "averaging", "ensemble", "downpour", "adag", "dynsgd", "aeasgd", "eamsgd"];

    /// An Elephas mode name (`--mode`).
    pub fn mode(name: &str) -> Result<Algorithm> {
        match name.to_ascii_lowercase().as_str() {
            "synchronous" => Ok(Algorithm::Synchronous),
            "asynchronous" => Ok(Algorithm::Asynchronous),
            "hogwild" => Ok(Algorithm::Hogwild),
            _ => Err(Error::config(format!("unknown mode '{name}' (expected one of {})", Self::MODES.join(", ")))),
        }
    }

    /// A dist-keras trainer name (`--trainer`), with or without the `Trainer` suffix.
    pub fn trainer(name: &str) -> Result<Algorithm> {
        let lower = name.to_ascii_lowercase();
        match lower.strip_suffix("trainer").unwrap_or(&lower) {
            "single" => Ok(Algorithm::Single),
            "averaging" => Ok(Algorithm::Averaging),
            "ensemble" => Ok(Algorithm::Ensemble),
            "downpour" => Ok(Algorithm::Downpour),
            "adag" => Ok(Algorithm::Adag),
            "dynsgd" => Ok(Algorithm::DynSgd),
            "aeasgd" => Ok(Algorithm::Aeasgd),
            "eamsgd" => Ok(Algorithm::Eamsgd),
            _ => Err(Error::config(format!("unknown trainer '{name}' (expected one of {})", Self::TRAINERS.join(", ")))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Synchronous => "synchronous",
            Algorithm::Asynchronous => "asynchronous",
            Algorithm::Hogwild => "hogwild",
            Algorithm::Single => "single",
            Algorithm::Averaging => "averaging",
            Algorithm::Ensemble => "ensemble",
            Algorithm::Downpour => "downpour",
            Algorithm::Adag => "adag",
            Algorithm::DynSgd => "dynsgd",
            Algorithm::Aeasgd => "aeasgd",
            Algorithm::Eamsgd => "eamsgd",
        }
    }

    /// Elephas modes (as opposed to dist-keras trainers).
    pub fn is_mode(self) -> bool {
        matches!(self, Algorithm::Synchronous | Algorithm::Asynchronous | Algorithm::Hogwild)
    }

    /// Rounds in lockstep: every worker commits once per round and waits for the others.
    pub fn is_synchronous(self) -> bool {
        matches!(self, Algorithm::Synchronous | Algorithm::Averaging)
    }

    /// Trains without a parameter server.
    pub fn is_serverless(self) -> bool {
        matches!(self, Algorithm::Single | Algorithm::Ensemble)
    }

    /// Elastic averaging: workers keep their own weights and exchange `α (W − C)`.
    pub fn is_elastic(self) -> bool {
        matches!(self, Algorithm::Aeasgd | Algorithm::Eamsgd)
    }

    /// λ when the user gives none (dist-keras' defaults; 1 for Elephas' per-batch mode).
    pub fn default_window(self) -> usize {
        match self {
            Algorithm::Adag => 12,
            Algorithm::Aeasgd | Algorithm::Eamsgd => 32,
            Algorithm::Downpour | Algorithm::DynSgd => 5,
            _ => 1,
        }
    }
}

/// Everything a worker needs besides its data, and the server's rule settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobSpec {
    pub algorithm: Algorithm,
    /// For Elephas modes; dist-keras trainers commit every `window` batches (averaging: per epoch).
    pub frequency: Frequency,
    pub epochs: usize,
    pub batch_size: usize,
    /// λ: local batches between commits.
    pub window: usize,
    /// AEASGD/EAMSGD: ρ and η, with `α = η ρ`.
    pub rho: f32,
    pub elastic_lr: f32,
    /// EAMSGD's Nesterov momentum μ in the local step.
    pub momentum: f32,
    /// Keras optimizer config applying deltas on the server (`−Δ` as gradient); `None`: `C ← C + Δ`.
    pub driver_optimizer: Option<Value>,
    pub compression: Compression,
    pub seed: u64,
    pub shuffle: bool,
    /// Fraction of each worker's shard, taken from its end, held out and evaluated after
    /// every epoch (`val_*` in the histories), as Keras' `validation_split`.
    #[serde(default)]
    pub validation_split: f32,
    /// Stop once the workers' sample-weighted epoch accuracy reaches this.
    pub stop_at_accuracy: Option<f64>,
    /// Stop once the workers' sample-weighted epoch loss falls to this.
    pub stop_at_loss: Option<f64>,
    /// Keras JSON of the model.
    pub model_json: String,
    /// `Model::training_config` (loss, metrics, the workers' optimizer).
    pub training: Value,
}

impl JobSpec {
    /// A job for `algorithm` with defaults (λ from the algorithm, ρ 5, η 0.1, μ 0.9).
    pub fn new(algorithm: Algorithm, model_json: String, training: Value) -> JobSpec {
        JobSpec {
            algorithm,
            frequency: Frequency::Epoch,
            epochs: 1,
            batch_size: 32,
            window: algorithm.default_window(),
            rho: 5.0,
            elastic_lr: 0.1,
            momentum: 0.9,
            driver_optimizer: None,
            compression: Compression::None,
            seed: 0,
            shuffle: true,
            validation_split: 0.0,
            stop_at_accuracy: None,
            stop_at_loss: None,
            model_json,
            training,
        }
    }

    /// Checks the settings fit together; errors name the field.
    pub fn validate(&self) -> Result<()> {
        let numbers = [("rho", Some(self.rho as f64)), ("elastic_lr", Some(self.elastic_lr as f64)), ("momentum", Some(self.momentum as f64)), ("validation_split", Some(self.validation_split as f64)), ("stop_at_accuracy", self.stop_at_accuracy), ("stop_at_loss", self.stop_at_loss)];
        if let Some((key, v)) = numbers.iter().find_map(|(k, v)| v.filter(|v| !v.is_finite()).map(|v| (k, v))) {
            return Err(Error::config(format!("{key} must be a finite number, got {v}")));
        }
        if self.epochs == 0 || self.batch_size == 0 || self.window == 0 {
            return Err(Error::config(format!("epochs ({}), batch_size ({}) and window ({}) must be at least 1", self.epochs, self.batch_size, self.window)));
        }
        if self.algorithm.is_elastic() && !(self.elastic_lr * self.rho > 0.0 && self.elastic_lr * self.rho <= 1.0) {
            return Err(Error::config(format!("{}: α = elastic_lr × rho must be in (0, 1], got {} × {}", self.algorithm.name(), self.elastic_lr, self.rho)));
        }
        if self.driver_optimizer.is_some() && !self.algorithm.is_mode() {
            return Err(Error::config(format!("a driver optimizer applies to Elephas modes, not to the {} trainer", self.algorithm.name())));
        }
        if !(0.0..1.0).contains(&self.validation_split) {
            return Err(Error::config(format!("validation_split must be in [0, 1), got {}", self.validation_split)));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(Error::config(format!("momentum must be in [0, 1), got {}", self.momentum)));
        }
        Ok(())
    }

    /// When the worker commits: `None` for once per epoch, else every `Some(λ)` batches.
    pub fn commit_every(&self) -> Option<usize> {
        match self.algorithm {
            Algorithm::Averaging => None,
            a if a.is_mode() && self.frequency == Frequency::Epoch => None,
            _ => Some(self.window),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a JobSpec serialises")
    }

    pub fn from_json(text: &str) -> Result<JobSpec> {
        serde_json::from_str(text).map_err(|e| Error::protocol(format!("Welcome.job: not a valid job description: {e}")))
    }
}
