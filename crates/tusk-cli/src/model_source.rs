//! Resolving `--model`: a preset name, a Keras JSON file, or a saved-model directory.

use anyhow::{Context, Result};
use std::path::Path;
use crate::args::ModelArgs;
use serde_json::json;
use tusk_core::{keras, presets, Loss, Model, Optimizer};

/// The model of `m`, compiled with its optimizer, loss and metrics.
pub fn compiled(m: &ModelArgs) -> Result<Model> {
    let mut model = resolve(&m.model, m.seed)?;
    let mut optimizer = Optimizer::from_name(&m.optimizer)?;
    if let Some(lr) = m.lr {
        optimizer.learning_rate = lr;
    }
    let metrics: Vec<&str> = m.metrics.split(',').map(str::trim).filter(|m| !m.is_empty()).collect();
    model.compile(vec![Loss::from_config(&json!(m.loss))?], optimizer, &metrics)?;
    Ok(model)
}

/// Builds (preset, JSON) or loads (directory) the model named by `arg`.
pub fn resolve(arg: &str, seed: u64) -> Result<Model> {
    if presets::NAMES.contains(&arg) {
        return Ok(Model::from_spec(&presets::by_name(arg)?, seed)?);
    }
    let path = Path::new(arg);
    if path.is_dir() {
        return Model::load(path).with_context(|| format!("loading saved model {arg}"));
    }
    if !path.exists() {
        anyhow::bail!("--model '{arg}' is neither a preset ({}) nor an existing file or directory", presets::NAMES.join(", "));
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {arg}"))?;
    keras::model_from_json(&text, seed).with_context(|| format!("building the model in {arg}"))
}

/// Loads a saved model directory (for evaluate and predict).
pub fn load_saved(arg: &str) -> Result<Model> {
    let path = Path::new(arg);
    if !path.is_dir() {
        anyhow::bail!("--model '{arg}' must be a directory written by `tusk train --save`");
    }
    Model::load(path).with_context(|| format!("loading saved model {arg}"))
}
