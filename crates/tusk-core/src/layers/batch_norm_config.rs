//! [`BatchNormConfig`]: the settings of a `BatchNormalization` layer, read from and written
//! to Keras' config in one place (with one set of defaults), so that what is parsed and what
//! is written cannot disagree.

use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::keras::layer_config::LayerConfig;
use serde_json::{json, Map, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct BatchNormConfig {
    pub momentum: f32,
    pub epsilon: f32,
    pub center: bool,
    pub scale: bool,
    pub gamma_initializer: Initializer,
    pub beta_initializer: Initializer,
    pub moving_mean_initializer: Initializer,
    pub moving_variance_initializer: Initializer,
}

impl Default for BatchNormConfig {
    /// Keras' defaults.
    fn default() -> Self {
        BatchNormConfig {
            momentum: 0.99,
            epsilon: 1e-3,
            center: true,
            scale: true,
            gamma_initializer: Initializer::Ones,
            beta_initializer: Initializer::Zeros,
            moving_mean_initializer: Initializer::Zeros,
            moving_variance_initializer: Initializer::Ones,
        }
    }
}

impl BatchNormConfig {
    /// Reads `cfg` for an input of `rank` axes after the batch; refuses what tusk does not do
    /// (another axis, renorm, regularizers, constraints) by name.
    pub fn parse(cfg: &LayerConfig, rank: usize) -> Result<Self> {
        let rank = rank as i64; // positive index of the last axis, batch axis = 0
        let axis_ok = |v: &Value| v.as_i64().is_some_and(|a| a == -1 || a == rank);
        match cfg.raw("axis") {
            None => {}
            Some(v) if axis_ok(v) => {}
            Some(Value::Array(a)) if a.len() == 1 && axis_ok(&a[0]) => {}
            Some(v) => return Err(Error::unsupported(format!("{}: option axis={v} is not supported (only the last axis: -1 or {rank})", cfg.who()))),
        }
        let d = BatchNormConfig::default();
        let c = BatchNormConfig {
            momentum: cfg.f32("momentum", d.momentum)?,
            epsilon: cfg.f32("epsilon", d.epsilon)?,
            center: cfg.bool("center", d.center)?,
            scale: cfg.bool("scale", d.scale)?,
            gamma_initializer: cfg.initializer("gamma_initializer", d.gamma_initializer)?,
            beta_initializer: cfg.initializer("beta_initializer", d.beta_initializer)?,
            moving_mean_initializer: cfg.initializer("moving_mean_initializer", d.moving_mean_initializer)?,
            moving_variance_initializer: cfg.initializer("moving_variance_initializer", d.moving_variance_initializer)?,
        };
        if c.epsilon.is_nan() || c.epsilon <= 0.0 {
            return Err(Error::config(format!("{}: epsilon must be positive, got {}", cfg.who(), c.epsilon)));
        }
        cfg.require("renorm", &[json!(false)])?;
        cfg.require("synchronized", &[json!(false)])?;
        cfg.unsupported_unless_null(&["beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint", "activity_regularizer", "virtual_batch_size", "adjustment"])?;
        // Only meaningful with renorm (rejected above) or implementation details of tf.keras.
        cfg.ignore(&["renorm_clipping", "renorm_momentum", "fused"]);
        cfg.finish()?;
        Ok(c)
    }

    /// Adds these settings to a layer's Keras config `m`.
    pub fn write(&self, m: &mut Map<String, Value>) {
        m.insert("axis".into(), json!(-1));
        m.insert("momentum".into(), json!(self.momentum as f64));
        m.insert("epsilon".into(), json!(self.epsilon as f64));
        m.insert("center".into(), self.center.into());
        m.insert("scale".into(), self.scale.into());
        m.insert("beta_initializer".into(), self.beta_initializer.to_config());
        m.insert("gamma_initializer".into(), self.gamma_initializer.to_config());
        m.insert("moving_mean_initializer".into(), self.moving_mean_initializer.to_config());
        m.insert("moving_variance_initializer".into(), self.moving_variance_initializer.to_config());
        for k in ["beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"] {
            m.insert(k.into(), Value::Null);
        }
        m.insert("synchronized".into(), false.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_parses_back_to_the_same_settings() {
        let c = BatchNormConfig { momentum: 0.9, epsilon: 1e-5, center: false, scale: true, gamma_initializer: Initializer::Zeros, ..BatchNormConfig::default() };
        let mut m = Map::new();
        c.write(&mut m);
        let cfg = LayerConfig::new("BatchNormalization", &m, "bn");
        assert_eq!(BatchNormConfig::parse(&cfg, 2).unwrap(), c);
    }
}
