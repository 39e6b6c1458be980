//! Saving and loading models as a directory:
//!
//! - `model.json`: the architecture in Keras' JSON format;
//! - `model.safetensors`: every weight as `f32`, named `"{layer}/{weight}"` with Keras' shapes;
//! - `training.json` and `optimizer.safetensors` (when compiled): loss, metrics, optimizer
//!   config and optimizer state, so that training resumes where it stopped.

use crate::error::{Error, Result};
use crate::keras::{model_from_json, model_to_json};
use crate::losses::Loss;
use crate::model::Model;
use crate::optimizers::Optimizer;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde_json::{json, Value};
use std::path::Path;

pub const MODEL_JSON: &str = "model.json";
pub const WEIGHTS: &str = "model.safetensors";
pub const TRAINING_JSON: &str = "training.json";
pub const OPTIMIZER_STATE: &str = "optimizer.safetensors";

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// Writes named `f32` arrays (name, shape, values) as a safetensors file.
pub fn write_safetensors(path: &Path, arrays: &[(String, Vec<usize>, &[f32])]) -> Result<()> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> =
        arrays.iter().map(|(n, s, v)| (n.clone(), s.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect())).collect();
    let views = bytes
        .iter()
        .map(|(n, s, b)| TensorView::new(Dtype::F32, s.clone(), b).map(|v| (n.clone(), v)))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::format(path, e.to_string()))?;
    let data = safetensors::serialize(views, None).map_err(|e| Error::format(path, e.to_string()))?;
    write(path, &data)
}

/// Reads every `f32` array of a safetensors file as (name, shape, values).
pub fn read_safetensors(path: &Path) -> Result<Vec<(String, Vec<usize>, Vec<f32>)>> {
    let bytes = read(path)?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| Error::format(path, format!("not a valid safetensors file: {e}")))?;
    let mut out = Vec::new();
    for (name, view) in st.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(Error::format(path, format!("tensor '{name}' has dtype {:?}, expected F32", view.dtype())));
        }
        let values = view.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        out.push((name, view.shape().to_vec(), values));
    }
    Ok(out)
}

impl Model {
    /// Saves architecture, weights and (if compiled) training state into directory `dir`.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        crate::atomic_dir::write_dir(dir.as_ref(), &[MODEL_JSON, WEIGHTS, TRAINING_JSON, OPTIMIZER_STATE], |tmp| self.write_files(tmp))
    }

    /// Writes the files of [`Model::save`] into `dir`, which must exist, as they go (a caller
    /// that wants them atomic writes into a directory of [`crate::atomic_dir::write_dir`]).
    pub fn write_files(&self, dir: &Path) -> Result<()> {
        write(&dir.join(MODEL_JSON), model_to_json(self).as_bytes())?;
        self.save_weights(dir.join(WEIGHTS))?;
        if let Some(c) = &self.compiled {
            let training = self.training_config().expect("compiled");
            write(&dir.join(TRAINING_JSON), serde_json::to_string_pretty(&training).expect("JSON").as_bytes())?;
            let state = c.optimizer.state();
            let arrays: Vec<_> = state.iter().map(|(n, v)| (n.clone(), vec![v.len()], v.as_slice())).collect();
            write_safetensors(&dir.join(OPTIMIZER_STATE), &arrays)?;
        }
        Ok(())
    }

    /// Loads a model saved by [`Model::save`] (compiled again if it was compiled).
    pub fn load(dir: impl AsRef<Path>) -> Result<Model> {
        let dir = dir.as_ref();
        let json_path = dir.join(MODEL_JSON);
        let text = String::from_utf8(read(&json_path)?).map_err(|_| Error::format(&json_path, "not UTF-8 text"))?;
        let mut model = model_from_json(&text, 0).map_err(|e| match e {
            Error::Config(m) => Error::format(&json_path, m),
            other => other,
        })?;
        model.load_weights(dir.join(WEIGHTS))?;
        let tpath = dir.join(TRAINING_JSON);
        if tpath.exists() {
            let t: Value = serde_json::from_slice(&read(&tpath)?).map_err(|e| Error::format(&tpath, e.to_string()))?;
            model.compile_from_config(&t).map_err(|e| match e {
                Error::Config(m) => Error::format(&tpath, m),
                other => other,
            })?;
            let spath = dir.join(OPTIMIZER_STATE);
            if spath.exists() {
                let state: Vec<(String, Vec<f32>)> = read_safetensors(&spath)?.into_iter().map(|(n, _, v)| (n, v)).collect();
                let n = model.n_params();
                model.optimizer_mut().expect("compiled").set_state(&state, n).map_err(|e| Error::format(&spath, e.to_string()))?;
            }
        }
        Ok(model)
    }

    /// What `compile` was given, as JSON (`loss`, `metrics`, `loss_weights`, `optimizer` in
    /// Keras' config form); `None` before `compile`. Read back by [`Model::compile_from_config`].
    pub fn training_config(&self) -> Option<Value> {
        let c = self.compiled.as_ref()?;
        Some(json!({
            "loss": c.losses.iter().map(Loss::to_config).collect::<Vec<_>>(),
            "metrics": c.metric_names,
            "loss_weights": c.loss_weights,
            "optimizer": c.optimizer.to_config(),
        }))
    }

    /// Compiles the model from a [`Model::training_config`] document (fresh optimizer state).
    pub fn compile_from_config(&mut self, t: &Value) -> Result<()> {
        let losses = t["loss"].as_array().ok_or_else(|| Error::config("training config: no 'loss' list"))?.iter().map(Loss::from_config).collect::<Result<Vec<_>>>()?;
        let metrics: Vec<String> = t["metrics"].as_array().map(|a| a.iter().filter_map(|m| m.as_str().map(String::from)).collect()).unwrap_or_default();
        let optimizer = Optimizer::from_config(&t["optimizer"])?;
        let refs: Vec<&str> = metrics.iter().map(String::as_str).collect();
        self.compile(losses, optimizer, &refs)?;
        if let Some(w) = t.get("loss_weights").and_then(Value::as_array) {
            let w: Vec<f32> = w.iter().filter_map(Value::as_f64).map(|x| x as f32).collect();
            self.set_loss_weights(&w)?;
        }
        Ok(())
    }

    /// Writes the weights alone as safetensors, named `"{layer}/{weight}"`.
    pub fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        let arrays: Vec<_> = self.vars().iter().map(|v| (v.name.clone(), v.shape.clone(), &self.params()[v.offset..v.offset + v.len])).collect();
        write_safetensors(path.as_ref(), &arrays)
    }

    /// Reads weights written by [`Model::save_weights`]; every weight must be present with its shape.
    pub fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let arrays = read_safetensors(path)?;
        for v in self.vars().to_vec() {
            let (_, shape, values) = arrays
                .iter()
                .find(|(n, _, _)| *n == v.name)
                .ok_or_else(|| Error::format(path, format!("weight '{}' is missing", v.name)))?;
            if *shape != v.shape {
                return Err(Error::format(path, format!("weight '{}' has shape {shape:?}, the model expects {:?}", v.name, v.shape)));
            }
            self.params[v.offset..v.offset + v.len].copy_from_slice(values);
        }
        Ok(())
    }
}
