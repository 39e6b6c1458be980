//! Optimizers from and to Keras config: a name (`"adam"`), a Keras 3 config object
//! (`{"class_name": "Adam", "config": {...}}`) or a flat config dict (`{"name": "adam", ...}`).
//! Unknown keys and options tusk does not implement (EMA, schedules) are errors.

use super::{Optimizer, Rule};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};


impl Optimizer {
    /// An optimizer with Keras' defaults, by name (`sgd`, `rmsprop`, `adagrad`, `adadelta`,
    /// `adam`, `adamw`, `nadam`; any case).
    pub fn from_name(name: &str) -> Result<Self> {
        Self::from_config(&Value::String(name.to_string()))
    }

    pub fn from_config(v: &Value) -> Result<Self> {
        let empty = Map::new();
        let (class, cfg) = match v {
            Value::String(s) => (s.clone(), &empty),
            Value::Object(o) if o.contains_key("class_name") => (
                o["class_name"].as_str().unwrap_or_default().to_string(),
                o.get("config").and_then(Value::as_object).unwrap_or(&empty),
            ),
            Value::Object(o) => (o.get("name").and_then(Value::as_str).unwrap_or_default().to_string(), o),
            _ => return Err(Error::config(format!("optimizer must be a name or a config object, got {v}"))),
        };
        let mut used = vec!["name", "learning_rate", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "loss_scale_factor", "gradient_accumulation_steps", "ema_momentum", "ema_overwrite_frequency", "use_ema", "is_legacy_optimizer", "decay"];
        let num = |k: &str, d: f32| -> Result<f32> {
            match cfg.get(k) {
                None | Some(Value::Null) => Ok(d),
                Some(Value::Number(n)) => Ok(n.as_f64().unwrap_or(d as f64) as f32),
                Some(other) => Err(Error::unsupported(format!("optimizer {class}: {k}={other} (only numbers are supported)"))),
            }
        };
        let flag = |k: &str| cfg.get(k).and_then(Value::as_bool).unwrap_or(false);
        // Keras 3 flat configs name the optimizer in snake case ("rm_sprop", "adam_w").
        let key = class.to_lowercase().replace('_', "");
        let (name, rule, lr, keys): (&'static str, Rule, f32, &[&str]) = match key.as_str() {
            "sgd" => ("SGD", Rule::Sgd { momentum: num("momentum", 0.0)?, nesterov: flag("nesterov") }, 0.01, &["momentum", "nesterov"]),
            "rmsprop" => (
                "RMSprop",
                Rule::RmsProp { rho: num("rho", 0.9)?, momentum: num("momentum", 0.0)?, epsilon: num("epsilon", 1e-7)?, centered: flag("centered") },
                0.001,
                &["rho", "momentum", "epsilon", "centered"],
            ),
            "adagrad" => (
                "Adagrad",
                Rule::Adagrad { initial_accumulator_value: num("initial_accumulator_value", 0.1)?, epsilon: num("epsilon", 1e-7)? },
                0.001,
                &["initial_accumulator_value", "epsilon"],
            ),
            "adadelta" => ("Adadelta", Rule::Adadelta { rho: num("rho", 0.95)?, epsilon: num("epsilon", 1e-7)? }, 0.001, &["rho", "epsilon"]),
            "adam" | "adamw" => (
                if key == "adam" { "Adam" } else { "AdamW" },
                Rule::Adam { beta_1: num("beta_1", 0.9)?, beta_2: num("beta_2", 0.999)?, epsilon: num("epsilon", 1e-7)?, amsgrad: flag("amsgrad") },
                0.001,
                &["beta_1", "beta_2", "epsilon", "amsgrad"],
            ),
            "nadam" => (
                "Nadam",
                Rule::Nadam { beta_1: num("beta_1", 0.9)?, beta_2: num("beta_2", 0.999)?, epsilon: num("epsilon", 1e-7)? },
                0.001,
                &["beta_1", "beta_2", "epsilon"],
            ),
            _ => {
                return Err(Error::unsupported(format!(
                    "optimizer '{class}' (supported: SGD, RMSprop, Adagrad, Adadelta, Adam, AdamW, Nadam)"
                )))
            }
        };
        used.extend_from_slice(keys);
        if let Some(k) = cfg.keys().find(|k| !used.contains(&k.as_str())) {
            return Err(Error::unsupported(format!("optimizer {name}: unknown option '{k}'")));
        }
        if flag("use_ema") {
            return Err(Error::unsupported(format!("optimizer {name}: use_ema=true")));
        }
        if let Some(n) = cfg.get("gradient_accumulation_steps").and_then(Value::as_u64).filter(|&n| n > 1) {
            return Err(Error::unsupported(format!("optimizer {name}: gradient_accumulation_steps={n}")));
        }
        let mut opt = Optimizer::new(name, rule, num("learning_rate", lr)?);
        let opt_num = |k: &str| num(k, f32::NAN).map(|v| (!v.is_nan()).then_some(v));
        opt.weight_decay = opt_num("weight_decay")?.or((name == "AdamW").then_some(0.004));
        opt.clipnorm = opt_num("clipnorm")?;
        opt.clipvalue = opt_num("clipvalue")?;
        opt.global_clipnorm = opt_num("global_clipnorm")?;
        opt.decay = num("decay", 0.0)?;
        opt.validate()?;
        Ok(opt)
    }

    /// Every hyper-parameter a finite number, and those that scale steps non-negative; the
    /// error names the optimizer and the setting. `compile` checks it again, as a front-end
    /// may have changed a field (`--lr`) after `from_config`.
    pub fn validate(&self) -> Result<()> {
        let name = self.class;
        let non_negative = [("learning_rate", Some(self.learning_rate)), ("decay", Some(self.decay)), ("weight_decay", self.weight_decay), ("clipnorm", self.clipnorm), ("clipvalue", self.clipvalue), ("global_clipnorm", self.global_clipnorm)];
        for (key, v) in non_negative.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))) {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::config(format!("optimizer {name}: {key} must be a finite non-negative number, got {v}")));
            }
        }
        let rule: Vec<(&str, f32)> = match self.rule {
            Rule::Sgd { momentum, .. } => vec![("momentum", momentum)],
            Rule::RmsProp { rho, momentum, epsilon, .. } => vec![("rho", rho), ("momentum", momentum), ("epsilon", epsilon)],
            Rule::Adagrad { initial_accumulator_value, epsilon } => vec![("initial_accumulator_value", initial_accumulator_value), ("epsilon", epsilon)],
            Rule::Adadelta { rho, epsilon } => vec![("rho", rho), ("epsilon", epsilon)],
            Rule::Adam { beta_1, beta_2, epsilon, .. } | Rule::Nadam { beta_1, beta_2, epsilon } => vec![("beta_1", beta_1), ("beta_2", beta_2), ("epsilon", epsilon)],
        };
        match rule.iter().find(|(_, v)| !v.is_finite()) {
            Some((key, v)) => Err(Error::config(format!("optimizer {name}: {key} must be a finite number, got {v}"))),
            None => Ok(()),
        }
    }

    /// Keras 3's `{"class_name", "config"}` for this optimizer.
    pub fn to_config(&self) -> Value {
        let mut c = json!({
            "name": self.class.to_lowercase(),
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
        });
        let extra = match self.rule {
            Rule::Sgd { momentum, nesterov } => json!({"momentum": momentum, "nesterov": nesterov}),
            Rule::RmsProp { rho, momentum, epsilon, centered } => json!({"rho": rho, "momentum": momentum, "epsilon": epsilon, "centered": centered}),
            Rule::Adagrad { initial_accumulator_value, epsilon } => json!({"initial_accumulator_value": initial_accumulator_value, "epsilon": epsilon}),
            Rule::Adadelta { rho, epsilon } => json!({"rho": rho, "epsilon": epsilon}),
            Rule::Adam { beta_1, beta_2, epsilon, amsgrad } => json!({"beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon, "amsgrad": amsgrad}),
            Rule::Nadam { beta_1, beta_2, epsilon } => json!({"beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon}),
        };
        if let (Some(c), Value::Object(e)) = (c.as_object_mut(), extra) {
            c.extend(e);
            if self.decay != 0.0 {
                // Keras 2's option; left out otherwise so that Keras 3 reads the config.
                c.insert("decay".into(), json!(self.decay));
            }
        }
        json!({"module": "keras.optimizers", "class_name": self.class, "config": c, "registered_name": null})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_defaults() {
        let sgd = Optimizer::from_name("sgd").unwrap();
        assert_eq!((sgd.class, sgd.learning_rate), ("SGD", 0.01));
        let adamw = Optimizer::from_name("AdamW").unwrap();
        assert_eq!(adamw.weight_decay, Some(0.004));
        let a = Optimizer::from_config(&json!({"class_name": "Adam", "config": {"learning_rate": 0.01, "clipnorm": 1.0}})).unwrap();
        assert_eq!((a.learning_rate, a.clipnorm), (0.01, Some(1.0)));
        let back = Optimizer::from_config(&a.to_config()).unwrap();
        assert_eq!((back.rule, back.learning_rate), (a.rule, a.learning_rate));
    }

    #[test]
    fn keras2_decay_scales_each_step_and_round_trips() {
        // Keras 2 (tf.keras 2.x legacy SGD): lr_t = lr / (1 + decay * t), t = steps taken before.
        let mut sgd = Optimizer::from_config(&json!({"class_name": "SGD", "config": {"learning_rate": 0.5, "decay": 1.0}})).unwrap();
        let vars = [crate::model::VarInfo { name: "l/w".into(), layer: 0, shape: vec![1], offset: 0, len: 1, trainable: true }];
        let mut p = [0.0f32];
        for expected in [-0.5f32, -0.75, -0.916_666_7] {
            sgd.step(&mut p, &mut [1.0], &vars);
            assert!((p[0] - expected).abs() < 1e-6, "{} vs {expected}", p[0]);
        }
        assert_eq!(Optimizer::from_config(&sgd.to_config()).unwrap().decay, 1.0);
        let e = Optimizer::from_config(&json!({"name": "sgd", "decay": -1.0})).unwrap_err().to_string();
        assert!(e.contains("decay"), "{e}");
    }

    #[test]
    fn unknown_names_and_options_are_errors() {
        assert!(Optimizer::from_name("lamb").unwrap_err().to_string().contains("'lamb'"));
        let e = Optimizer::from_config(&json!({"name": "adam", "bogus": 1})).unwrap_err().to_string();
        assert!(e.contains("bogus"), "{e}");
        let e = Optimizer::from_config(&json!({"name": "sgd", "learning_rate": {"class_name": "ExponentialDecay"}})).unwrap_err().to_string();
        assert!(e.contains("learning_rate"), "{e}");
    }
}
