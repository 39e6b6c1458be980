//! Reading one layer's Keras config dict with strict checking: every key must be either
//! read by the layer, a generic key every layer has, or absent — anything else is an
//! "unsupported option" error that names the layer class, the layer name and the key.

use crate::activations::Activation;
use crate::error::{Error, Result};
use crate::init::Initializer;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Keys any Keras layer may carry that do not change what it computes.
const GENERIC_KEYS: &[&str] =
    &["name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape", "input_dim", "autocast"];

/// A layer config being read: `class` and `name` are used in every error message.
pub struct LayerConfig<'a> {
    pub class: &'a str,
    pub name: String,
    map: &'a Map<String, Value>,
    read: RefCell<BTreeSet<&'a str>>,
}

impl<'a> LayerConfig<'a> {
    pub fn new(class: &'a str, map: &'a Map<String, Value>, default_name: &str) -> Self {
        let name = map.get("name").and_then(Value::as_str).unwrap_or(default_name).to_string();
        LayerConfig { class, name, map, read: RefCell::new(BTreeSet::new()) }
    }

    /// "Dense 'dense_1'" — how errors refer to this layer.
    pub fn who(&self) -> String {
        format!("{} '{}'", self.class, self.name)
    }

    fn get(&self, key: &'a str) -> Option<&'a Value> {
        self.read.borrow_mut().insert(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn bad(&self, key: &str, want: &str, got: &Value) -> Error {
        Error::config(format!("{}: option {key} must be {want}, got {got}", self.who()))
    }

    /// A key's raw value (null counts as absent), marked as read.
    pub fn raw(&self, key: &'a str) -> Option<&'a Value> {
        self.get(key)
    }

    pub fn trainable(&self) -> bool {
        self.map.get("trainable").and_then(Value::as_bool).unwrap_or(true)
    }

    pub fn usize(&self, key: &'a str) -> Result<usize> {
        self.opt_usize(key)?.ok_or_else(|| Error::config(format!("{}: option {key} is required", self.who())))
    }

    pub fn opt_usize(&self, key: &'a str) -> Result<Option<usize>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_u64().map(|x| Some(x as usize)).ok_or_else(|| self.bad(key, "a non-negative integer", v)),
        }
    }

    pub fn f32(&self, key: &'a str, default: f32) -> Result<f32> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.as_f64().map(|x| x as f32).ok_or_else(|| self.bad(key, "a number", v)),
        }
    }

    pub fn bool(&self, key: &'a str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| self.bad(key, "true or false", v)),
        }
    }

    pub fn str(&self, key: &'a str, default: &'a str) -> Result<&'a str> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.as_str().ok_or_else(|| self.bad(key, "a string", v)),
        }
    }

    /// One of `allowed` (the first is the default); anything else is unsupported.
    pub fn choice(&self, key: &'a str, allowed: &[&'a str]) -> Result<&'a str> {
        let v = self.str(key, allowed[0])?;
        if allowed.contains(&v) {
            Ok(v)
        } else {
            Err(Error::unsupported(format!("{}: option {key}='{v}' (supported: {})", self.who(), allowed.join(", "))))
        }
    }

    /// An int or a list of `n` ints (Keras' `kernel_size`, `strides`, `pool_size`).
    pub fn ints(&self, key: &'a str, n: usize, default: Option<usize>) -> Result<Vec<usize>> {
        match self.get(key) {
            None => default
                .map(|d| vec![d; n])
                .ok_or_else(|| Error::config(format!("{}: option {key} is required", self.who()))),
            Some(Value::Number(x)) => x.as_u64().map(|x| vec![x as usize; n]).ok_or_else(|| self.bad(key, "positive", &Value::Number(x.clone()))),
            Some(v @ Value::Array(a)) if a.len() == n => a
                .iter()
                .map(|x| x.as_u64().map(|x| x as usize))
                .collect::<Option<Vec<_>>>()
                .filter(|x| x.iter().all(|&v| v > 0))
                .ok_or_else(|| self.bad(key, &format!("{n} positive integers"), v)),
            Some(v) => Err(self.bad(key, &format!("an integer or a list of {n}"), v)),
        }
    }

    /// A list of ints of any length (Reshape's `target_shape`).
    pub fn int_list(&self, key: &'a str) -> Result<Vec<i64>> {
        match self.get(key) {
            Some(Value::Array(a)) => a.iter().map(|x| x.as_i64().ok_or_else(|| self.bad(key, "a list of integers", x))).collect(),
            Some(v) => Err(self.bad(key, "a list of integers", v)),
            None => Err(Error::config(format!("{}: option {key} is required", self.who()))),
        }
    }

    pub fn activation(&self, key: &'a str) -> Result<Activation> {
        match self.get(key) {
            None => Ok(Activation::Linear),
            Some(Value::String(s)) => Activation::parse(s).map_err(|e| Error::unsupported(format!("{}: {e}", self.who()))),
            Some(v) if v.get("class_name").and_then(Value::as_str) == Some("TracedActivation") => {
                crate::traced::from_config(v).map(Activation::Traced).map_err(|e| Error::unsupported(format!("{}: {e}", self.who())))
            }
            Some(v) => Err(Error::unsupported(format!("{}: option {key}={v} (only activation names are supported)", self.who()))),
        }
    }

    pub fn initializer(&self, key: &'a str, default: Initializer) -> Result<Initializer> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => Initializer::from_config(v).map_err(|e| Error::unsupported(format!("{}: option {key}: {e}", self.who()))),
        }
    }

    /// Options tusk does not implement: accepted only when absent or null.
    pub fn unsupported_unless_null(&self, keys: &[&'a str]) -> Result<()> {
        for &key in keys {
            if let Some(v) = self.get(key) {
                return Err(Error::unsupported(format!("{}: option {key}={v} is not supported", self.who())));
            }
        }
        Ok(())
    }

    /// Options tusk supports only at one value (e.g. `data_format: channels_last`).
    pub fn require(&self, key: &'a str, allowed: &[Value]) -> Result<()> {
        match self.get(key) {
            Some(v) if !allowed.contains(v) => {
                Err(Error::unsupported(format!("{}: option {key}={v} is not supported (only {})", self.who(), allowed[0])))
            }
            _ => Ok(()),
        }
    }

    /// Marks keys as known without reading them (they do not affect computation).
    pub fn ignore(&self, keys: &[&'a str]) {
        self.read.borrow_mut().extend(keys.iter().copied());
    }

    /// Fails on any key that no one read and that is not generic.
    pub fn finish(&self) -> Result<()> {
        let read = self.read.borrow();
        for key in self.map.keys() {
            if !read.contains(key.as_str()) && !GENERIC_KEYS.contains(&key.as_str()) {
                return Err(Error::unsupported(format!("{}: unknown option '{key}'", self.who())));
            }
        }
        Ok(())
    }
}

/// The config keys every layer writes: name, trainable and Keras 3's dtype policy.
pub fn base_config(name: &str, trainable: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    m.insert("trainable".into(), trainable.into());
    m.insert(
        "dtype".into(),
        serde_json::json!({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}),
    );
    m
}
