//! `tusk._tusk.Model`: a tusk-core model behind a Python class. Architecture in and out as
//! Keras JSON, training config as JSON, data and weights as float32 numpy arrays. Training,
//! evaluation and prediction run without the GIL.

use crate::arrays::{flat, tensor, tensors, to_numpy, vec_to_numpy};
use crate::errors::{core_err, ConfigError};
use numpy::{PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use std::sync::{Mutex, MutexGuard};
use serde_json::json;
use tusk_core::train::{Callback, Control, EpochLog};
use tusk_core::{keras, FitOptions, Model};

#[pyclass(name = "Model", module = "tusk._tusk")]
pub struct PyModel {
    /// A mutex makes the class `Sync` (Python may call it from any thread); `&mut self`
    /// methods reach the model without locking.
    inner: Mutex<Model>,
}

impl PyModel {
    pub fn new(model: Model) -> Self {
        PyModel { inner: Mutex::new(model) }
    }

    /// The model, for reading (a poisoned lock still holds a usable model).
    pub fn model(&self) -> MutexGuard<'_, Model> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn model_mut(&mut self) -> &mut Model {
        self.inner.get_mut().unwrap_or_else(|p| p.into_inner())
    }
}

/// Prints one line per epoch, as Keras' `verbose=2` does.
struct EpochLines;

impl Callback for EpochLines {
    fn on_epoch_end(&mut self, log: &EpochLog, _model: &mut Model) -> Control {
        let logs: Vec<String> = log.logs.iter().map(|(k, v)| format!("{k}: {v:.4}")).collect();
        println!("Epoch {} - {:.1}s - {}", log.epoch + 1, log.seconds, logs.join(" - "));
        Control::Continue
    }
}

type Logs = Vec<(String, f64)>;

#[pymethods]
impl PyModel {
    /// A model from Keras JSON (`model.to_json()` of Keras 3 or tf.keras 2).
    #[staticmethod]
    #[pyo3(signature = (text, seed = 0))]
    fn from_json(text: &str, seed: u64) -> PyResult<PyModel> {
        Ok(PyModel::new(keras::model_from_json(text, seed).map_err(core_err)?))
    }

    #[staticmethod]
    fn load(path: &str) -> PyResult<PyModel> {
        Ok(PyModel::new(Model::load(path).map_err(core_err)?))
    }

    fn save(&self, path: &str) -> PyResult<()> {
        self.model().save(path).map_err(core_err)
    }

    /// Writes the weights alone (safetensors, named `layer/weight`).
    fn save_weights(&self, path: &str) -> PyResult<()> {
        self.model().save_weights(path).map_err(core_err)
    }

    fn load_weights(&mut self, path: &str) -> PyResult<()> {
        self.model_mut().load_weights(path).map_err(core_err)
    }

    /// The optimizer's learning rate (None before compile).
    #[getter]
    fn learning_rate(&mut self) -> Option<f32> {
        self.model_mut().optimizer_mut().map(|o| o.learning_rate)
    }

    /// Sets the learning rate, keeping the optimizer's state (schedules, ReduceLROnPlateau).
    #[setter]
    fn set_learning_rate(&mut self, lr: f32) -> PyResult<()> {
        let opt = self.model_mut().optimizer_mut().ok_or_else(|| crate::errors::StateError::new_err("the model must be compiled first"))?;
        opt.learning_rate = lr;
        Ok(())
    }

    fn to_json(&self) -> String {
        keras::model_to_json(&self.model())
    }

    /// Compiles from JSON `{"loss": [...], "metrics": [...], "optimizer": {...}, "loss_weights"?: [...]}`.
    fn compile(&mut self, training_config: &str) -> PyResult<()> {
        let v: serde_json::Value = serde_json::from_str(training_config).map_err(|e| ConfigError::new_err(format!("training config: {e}")))?;
        self.model_mut().compile_from_config(&v).map_err(core_err)
    }

    /// Replaces the metrics of a compiled model, keeping its optimizer state.
    fn set_metrics(&mut self, metrics: Vec<String>) -> PyResult<()> {
        let refs: Vec<&str> = metrics.iter().map(String::as_str).collect();
        self.model_mut().set_metrics(&refs).map_err(core_err)
    }

    fn training_config(&self) -> Option<String> {
        self.model().training_config().map(|v| v.to_string())
    }

    #[pyo3(signature = (x, y, epochs = 1, batch_size = 32, validation_split = 0.0, validation_data = None, shuffle = true, seed = 0, initial_epoch = 0, verbose = 0))]
    fn fit(
        &mut self,
        py: Python<'_>,
        x: Vec<PyReadonlyArrayDyn<'_, f32>>,
        y: Vec<PyReadonlyArrayDyn<'_, f32>>,
        epochs: usize,
        batch_size: usize,
        validation_split: f32,
        validation_data: Option<(Vec<PyReadonlyArrayDyn<'_, f32>>, Vec<PyReadonlyArrayDyn<'_, f32>>)>,
        shuffle: bool,
        seed: u64,
        initial_epoch: usize,
        verbose: u8,
    ) -> PyResult<String> {
        let (x, y) = (tensors(&x, "x")?, tensors(&y, "y")?);
        let validation_data = match validation_data {
            Some((vx, vy)) => Some((tensors(&vx, "validation x")?, tensors(&vy, "validation y")?)),
            None => None,
        };
        let opts = FitOptions { epochs, batch_size, validation_split, validation_data, shuffle, seed, initial_epoch };
        let model = self.model_mut();
        let history = py
            .allow_threads(|| {
                let mut lines = EpochLines;
                let mut callbacks: Vec<&mut dyn Callback> = Vec::new();
                if verbose > 0 {
                    callbacks.push(&mut lines);
                }
                model.fit(&x, &y, &opts, &mut callbacks)
            })
            .map_err(core_err)?;
        let epochs: Vec<usize> = history.epochs.iter().map(|e| e.epoch).collect();
        let values: serde_json::Map<String, serde_json::Value> = history.history().into_iter().map(|(k, v)| (k, json!(v))).collect();
        Ok(json!({"epoch": epochs, "history": values}).to_string())
    }

    #[pyo3(signature = (x, y, batch_size = 32))]
    fn evaluate(&mut self, py: Python<'_>, x: Vec<PyReadonlyArrayDyn<'_, f32>>, y: Vec<PyReadonlyArrayDyn<'_, f32>>, batch_size: usize) -> PyResult<Logs> {
        let (x, y) = (tensors(&x, "x")?, tensors(&y, "y")?);
        let model = self.model_mut();
        let logs = py.allow_threads(|| model.evaluate(&x, &y, batch_size)).map_err(core_err)?;
        Ok(logs.0)
    }

    #[pyo3(signature = (x, batch_size = 32))]
    fn predict<'py>(&mut self, py: Python<'py>, x: Vec<PyReadonlyArrayDyn<'py, f32>>, batch_size: usize) -> PyResult<Vec<Bound<'py, PyArrayDyn<f32>>>> {
        let x = tensors(&x, "x")?;
        let model = self.model_mut();
        let outs = py.allow_threads(|| model.predict(&x, batch_size)).map_err(core_err)?;
        outs.into_iter().map(|t| to_numpy(py, t)).collect()
    }

    fn train_on_batch(&mut self, py: Python<'_>, x: Vec<PyReadonlyArrayDyn<'_, f32>>, y: Vec<PyReadonlyArrayDyn<'_, f32>>) -> PyResult<Logs> {
        let (x, y) = (tensors(&x, "x")?, tensors(&y, "y")?);
        let model = self.model_mut();
        Ok(py.allow_threads(|| model.train_on_batch(&x, &y)).map_err(core_err)?.0)
    }

    /// Targets per output as the outputs' losses want them: class indices one-hot encoded for
    /// `categorical_crossentropy`, `[n]` made `[n, 1]` for element-wise losses (as `run_worker`
    /// and `train_local` do). Before `compile`, returned as they are.
    /// One feature table as the model's inputs (reshaped, or split by columns for several
    /// inputs, as `run_worker` does); several arrays are returned as they are.
    fn conform_inputs<'py>(&self, py: Python<'py>, x: Vec<PyReadonlyArrayDyn<'py, f32>>) -> PyResult<Vec<Bound<'py, PyArrayDyn<f32>>>> {
        let mut xs = tensors(&x, "x")?;
        if xs.len() == 1 {
            xs = tusk_data::inputs_for(&self.model(), xs.remove(0)).map_err(crate::errors::data_err)?;
        }
        xs.into_iter().map(|t| to_numpy(py, t)).collect()
    }

    fn conform_targets<'py>(&self, py: Python<'py>, y: Vec<PyReadonlyArrayDyn<'py, f32>>) -> PyResult<Vec<Bound<'py, PyArrayDyn<f32>>>> {
        let ys = tensors(&y, "y")?;
        let model = self.model();
        if model.compiled().is_none() {
            // Nothing to conform to yet; the call these targets are for raises StateError.
            return ys.into_iter().map(|t| to_numpy(py, t)).collect();
        }
        ys.into_iter()
            .enumerate()
            .map(|(i, t)| tusk_data::target_for_output(&model, i, t).map_err(crate::errors::data_err).and_then(|t| to_numpy(py, t)))
            .collect()
    }

    fn get_weights<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyArrayDyn<f32>>>> {
        self.model().get_weights().into_iter().map(|t| to_numpy(py, t)).collect()
    }

    fn set_weights(&mut self, weights: Vec<PyReadonlyArrayDyn<'_, f32>>) -> PyResult<()> {
        let w: Vec<_> = weights.iter().enumerate().map(|(i, a)| tensor(a, &format!("weights[{i}]"))).collect::<PyResult<_>>()?;
        self.model_mut().set_weights(&w).map_err(core_err)
    }

    fn weight_names(&self) -> Vec<String> {
        self.model().vars().iter().map(|v| v.name.clone()).collect()
    }

    fn params<'py>(&self, py: Python<'py>) -> Bound<'py, PyArrayDyn<f32>> {
        vec_to_numpy(py, self.model().params().to_vec())
    }

    fn set_params(&mut self, values: PyReadonlyArrayDyn<'_, f32>) -> PyResult<()> {
        self.model_mut().set_params(&flat(&values, "params")?).map_err(core_err)
    }

    fn summary(&self) -> String {
        self.model().summary()
    }

    #[getter]
    fn n_params(&self) -> usize {
        self.model().n_params()
    }

    #[getter]
    fn input_shapes(&self) -> Vec<Vec<usize>> {
        self.model().input_shapes()
    }

    #[getter]
    fn output_shapes(&self) -> Vec<Vec<usize>> {
        self.model().output_shapes()
    }
}
