//! What a distributed job is: the [`Algorithm`], its [`JobSettings`], and the model to train
//! (Keras JSON and training config). The server sends the [`JobSpec`] (JSON) to every worker
//! in its `Welcome`, so a worker needs nothing but the address and its data.

use crate::algorithm::{Algorithm, Frequency};
use crate::error::{Error, Result};
use crate::settings::JobSettings;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Everything a worker needs besides its data, and the server's rule settings. Built by
/// [`JobSpec::new`], which validates it; its fields are then read, not changed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobSpec {
    pub algorithm: Algorithm,
    pub settings: JobSettings,
    /// Keras JSON of the model.
    pub model_json: String,
    /// `Model::training_config` (loss, metrics, the workers' optimizer).
    pub training: Value,
}

impl JobSpec {
    /// A job for `algorithm` with `settings`, checked ([`JobSettings::validate`]).
    pub fn new(algorithm: Algorithm, mut settings: JobSettings, model_json: String, training: Value) -> Result<JobSpec> {
        settings.validate(algorithm)?;
        Ok(JobSpec { algorithm, settings, model_json, training })
    }

    /// λ: local batches between commits.
    pub fn window(&self) -> usize {
        self.settings.window_for(self.algorithm)
    }

    /// When the worker commits: `None` for once per epoch, else every `Some(λ)` batches.
    pub fn commit_every(&self) -> Option<usize> {
        match self.algorithm {
            Algorithm::Averaging => None,
            a if a.is_mode() && self.settings.frequency == Frequency::Epoch => None,
            _ => Some(self.window()),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a JobSpec serialises")
    }

    /// A job from its JSON (a `Welcome`, or a front-end's [`JobSpec::to_json`]), checked again.
    pub fn from_json(text: &str) -> Result<JobSpec> {
        let job: JobSpec = serde_json::from_str(text).map_err(|e| Error::protocol(format!("Welcome.job: not a valid job description: {e}")))?;
        JobSpec::new(job.algorithm, job.settings, job.model_json, job.training)
    }
}
