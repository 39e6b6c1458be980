//! [`JobSettings`]: how a distributed job trains, apart from the model and the algorithm —
//! the typed run contract every front-end adapts. The CLI maps its flags onto it, `tusk-py`
//! deserialises Python keyword arguments into it (an unknown key is an error naming it), and
//! the server sends it to every worker inside the [`JobSpec`](crate::JobSpec). It is checked
//! once, by [`JobSettings::validate`], whose errors name the field.

use crate::algorithm::{Algorithm, Frequency};
use crate::error::{Error, Result};
use crate::protocol::Compression;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tusk_core::Optimizer;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    /// For Elephas modes; dist-keras trainers commit every `window` batches (averaging: per epoch).
    pub frequency: Frequency,
    pub epochs: usize,
    pub batch_size: usize,
    /// λ: local batches between commits; `None`: the algorithm's default.
    pub window: Option<usize>,
    /// AEASGD/EAMSGD: ρ and η, with `α = η ρ`.
    pub rho: f32,
    pub elastic_lr: f32,
    /// EAMSGD's Nesterov momentum μ in the local step.
    pub momentum: f32,
    /// A Keras optimizer (a name or a config) applying deltas on the server (`−Δ` as gradient);
    /// `None`: `C ← C + Δ`. Any optimizer tusk-core has; stored as its full Keras config.
    pub driver_optimizer: Option<Value>,
    pub compression: Compression,
    pub seed: u64,
    pub shuffle: bool,
    /// Fraction of each worker's shard, taken from its end, held out and evaluated after
    /// every epoch (`val_*` in the histories), as Keras' `validation_split`.
    pub validation_split: f32,
    /// Stop once the workers' sample-weighted epoch accuracy reaches this.
    pub stop_at_accuracy: Option<f64>,
    /// Stop once the workers' sample-weighted epoch loss falls to this.
    pub stop_at_loss: Option<f64>,
}

impl Default for JobSettings {
    /// One epoch of batches of 32, the algorithm's λ, ρ 5, η 0.1, μ 0.9, no compression.
    fn default() -> Self {
        JobSettings {
            frequency: Frequency::Epoch,
            epochs: 1,
            batch_size: 32,
            window: None,
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
        }
    }
}

impl JobSettings {
    /// The settings' names, as keyword arguments and JSON keys (taken from the struct itself).
    pub fn names() -> Vec<String> {
        field_names::<JobSettings>()
    }

    /// Settings from a JSON object of some of them (the rest default); an unknown key or a
    /// value of the wrong type is a [`Error::Config`] naming it.
    pub fn from_value(v: Value) -> Result<JobSettings> {
        from_object("job setting", v)
    }

    /// λ for `algorithm`.
    pub fn window_for(&self, algorithm: Algorithm) -> usize {
        self.window.unwrap_or_else(|| algorithm.default_window())
    }

    /// Checks the settings fit `algorithm` and each other, and writes the driver optimizer
    /// as its full Keras config; errors name the field.
    pub fn validate(&mut self, algorithm: Algorithm) -> Result<()> {
        let numbers = [("rho", Some(self.rho as f64)), ("elastic_lr", Some(self.elastic_lr as f64)), ("momentum", Some(self.momentum as f64)), ("validation_split", Some(self.validation_split as f64)), ("stop_at_accuracy", self.stop_at_accuracy), ("stop_at_loss", self.stop_at_loss)];
        if let Some((key, v)) = numbers.iter().find_map(|(k, v)| v.filter(|v| !v.is_finite()).map(|v| (k, v))) {
            return Err(Error::config(format!("{key} must be a finite number, got {v}")));
        }
        for (key, v) in [("epochs", Some(self.epochs)), ("batch_size", Some(self.batch_size)), ("window", self.window)] {
            if v == Some(0) {
                return Err(Error::config(format!("{key} must be at least 1, got 0")));
            }
        }
        if algorithm.is_elastic() && !(self.elastic_lr * self.rho > 0.0 && self.elastic_lr * self.rho <= 1.0) {
            return Err(Error::config(format!("{algorithm}: α = elastic_lr × rho must be in (0, 1], got {} × {}", self.elastic_lr, self.rho)));
        }
        if !(0.0..1.0).contains(&self.validation_split) {
            return Err(Error::config(format!("validation_split must be in [0, 1), got {}", self.validation_split)));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(Error::config(format!("momentum must be in [0, 1), got {}", self.momentum)));
        }
        if let Some(cfg) = self.driver_optimizer.take() {
            if !algorithm.is_mode() {
                return Err(Error::config(format!("driver_optimizer applies to Elephas modes, not to the {algorithm} trainer")));
            }
            // JSON text of a config (as Python front-ends hand it over) is read as that config.
            let cfg = match cfg {
                Value::String(text) if text.trim_start().starts_with('{') => serde_json::from_str(&text).map_err(|e| Error::config(format!("driver_optimizer: not a valid optimizer config: {e}")))?,
                other => other,
            };
            let optimizer = Optimizer::from_config(&cfg).map_err(|e| Error::config(format!("driver_optimizer: {e}")))?;
            self.driver_optimizer = Some(optimizer.to_config());
        }
        Ok(())
    }
}

/// The field names of a settings struct, read from its default's JSON.
pub(crate) fn field_names<T: Serialize + Default>() -> Vec<String> {
    match serde_json::to_value(T::default()) {
        Ok(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// A settings struct from a JSON object of some of its fields; an error names the field at
/// fault (serde names an unknown one, but not one of the wrong type).
pub(crate) fn from_object<T: serde::de::DeserializeOwned>(what: &str, v: Value) -> Result<T> {
    serde_json::from_value(v.clone()).map_err(|e| {
        let culprit = v.as_object().and_then(|m| m.iter().find(|(k, x)| serde_json::from_value::<T>(serde_json::json!({k.as_str(): x})).is_err()));
        match culprit {
            Some((key, value)) if !e.to_string().starts_with("unknown field") => Error::config(format!("{what} '{key}' = {value}: {e}")),
            _ => Error::config(format!("{what}: {e}")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_or_mistyped_settings_are_named() {
        let e = JobSettings::from_value(json!({"windw": 3})).unwrap_err().to_string();
        assert!(e.contains("windw") && e.contains("window"), "{e}");
        let e = JobSettings::from_value(json!({"seed": 1, "epochs": "ten"})).unwrap_err().to_string();
        assert!(e.contains("job setting 'epochs' = \"ten\""), "{e}");
        let s = JobSettings::from_value(json!({"epochs": 3, "compression": "topk:0.1", "frequency": "batch"})).unwrap();
        assert_eq!((s.epochs, s.compression, s.frequency), (3, Compression::TopK(0.1), Frequency::Batch));
        assert!(JobSettings::names().iter().any(|n| n == "stop_at_loss"));
    }

    #[test]
    fn every_optimizer_tusk_has_drives_the_server_and_nothing_else_does() {
        for name in ["sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamw", "nadam"] {
            let mut s = JobSettings { driver_optimizer: Some(json!(name)), ..JobSettings::default() };
            s.validate(Algorithm::Asynchronous).unwrap();
            assert!(s.driver_optimizer.unwrap()["class_name"].is_string(), "{name}");
        }
        let mut s = JobSettings { driver_optimizer: Some(json!("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0.5}}")), ..JobSettings::default() };
        s.validate(Algorithm::Hogwild).unwrap();
        assert_eq!(s.driver_optimizer.as_ref().unwrap()["config"]["learning_rate"], json!(0.5));
        let mut s = JobSettings { driver_optimizer: Some(json!("lamb")), ..JobSettings::default() };
        assert!(s.validate(Algorithm::Synchronous).unwrap_err().to_string().contains("driver_optimizer"));
        let mut s = JobSettings { driver_optimizer: Some(json!("sgd")), ..JobSettings::default() };
        assert!(s.validate(Algorithm::Downpour).unwrap_err().to_string().contains("not to the downpour trainer"));
    }

    #[test]
    fn bad_numbers_name_their_field() {
        for (s, field) in [
            (JobSettings { rho: f32::NAN, ..JobSettings::default() }, "rho"),
            (JobSettings { stop_at_loss: Some(f64::INFINITY), ..JobSettings::default() }, "stop_at_loss"),
            (JobSettings { window: Some(0), ..JobSettings::default() }, "window"),
            (JobSettings { epochs: 0, ..JobSettings::default() }, "epochs"),
            (JobSettings { validation_split: 1.0, ..JobSettings::default() }, "validation_split"),
        ] {
            let e = s.clone().validate(Algorithm::Aeasgd).unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
    }
}
