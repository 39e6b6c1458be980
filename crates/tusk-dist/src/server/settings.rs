//! [`ServerSettings`]: how the parameter server of a run keeps and guards it — checkpoints,
//! resuming, and the time limits a user sets — the server half of the run contract (the job
//! half is [`JobSettings`](crate::JobSettings)). The CLI maps its flags onto it, `tusk-py`
//! deserialises keyword arguments into it; [`ServerSettings::configure`] checks it once and
//! applies it to a [`ServerConfig`].

use super::config::ServerConfig;
use crate::checkpoint::{self, Checkpoint};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Write a checkpoint here every `checkpoint_every` applied commits (both or neither).
    pub checkpoint_dir: Option<PathBuf>,
    pub checkpoint_every: u64,
    /// Continue from the newest checkpoint in this directory.
    pub resume: Option<PathBuf>,
    /// Seconds for every worker to say hello before the job fails.
    pub registration_timeout: f64,
    /// Seconds without any message from the workers before the job fails.
    pub idle_timeout: f64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings { checkpoint_dir: None, checkpoint_every: 0, resume: None, registration_timeout: 120.0, idle_timeout: 600.0 }
    }
}

impl ServerSettings {
    /// The settings' names, as keyword arguments and JSON keys.
    pub fn names() -> Vec<String> {
        crate::settings::field_names::<ServerSettings>()
    }

    /// Settings from a JSON object of some of them; an unknown key is an error naming it.
    pub fn from_value(v: Value) -> Result<ServerSettings> {
        crate::settings::from_object("server setting", v)
    }

    /// Checks the settings; errors name the field.
    pub fn validate(&self) -> Result<()> {
        match (&self.checkpoint_dir, self.checkpoint_every) {
            (Some(_), 0) | (None, 1..) => return Err(Error::config("checkpoint_every (at least 1) and checkpoint_dir go together")),
            _ => {}
        }
        for (key, secs) in [("registration_timeout", self.registration_timeout), ("idle_timeout", self.idle_timeout)] {
            if !(secs.is_finite() && secs > 0.0) {
                return Err(Error::config(format!("{key} must be a positive number of seconds, got {secs}")));
            }
        }
        Ok(())
    }

    /// Applies the settings to `config`; returns the checkpoint to resume from, read from
    /// `resume`, if any.
    pub fn configure(&self, config: &mut ServerConfig) -> Result<Option<Checkpoint>> {
        self.validate()?;
        config.checkpoint_dir = self.checkpoint_dir.clone();
        config.checkpoint_every = self.checkpoint_every;
        config.timeouts.registration = Duration::from_secs_f64(self.registration_timeout);
        config.timeouts.idle = Duration::from_secs_f64(self.idle_timeout);
        self.resume.as_deref().map(checkpoint::read).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_are_checked_and_named() {
        let e = ServerSettings::from_value(json!({"checkpoint_evry": 3})).unwrap_err().to_string();
        assert!(e.contains("checkpoint_evry"), "{e}");
        for bad in [json!({"checkpoint_every": 5}), json!({"checkpoint_dir": "/tmp/x"}), json!({"idle_timeout": 0.0}), json!({"registration_timeout": -1.0})] {
            let s = ServerSettings::from_value(bad.clone()).unwrap();
            assert!(s.validate().is_err(), "{bad}");
        }
        let s = ServerSettings::from_value(json!({"checkpoint_dir": "/tmp/x", "checkpoint_every": 5, "idle_timeout": 2.5})).unwrap();
        s.validate().unwrap();
        assert_eq!(s.idle_timeout, 2.5);
        assert!(ServerSettings::names().contains(&"resume".to_string()));
    }
}
