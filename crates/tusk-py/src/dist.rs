//! The parameter server and workers from Python: `job_spec` builds a job (keyword arguments
//! deserialised into tusk-dist's `JobSettings`), `ParameterServer` runs a server on a
//! background thread of this process, `run_worker` trains one shard against an address (a
//! Spark task calls it; the shard is conformed to the job's model by the worker),
//! `train_local` runs a whole job with threads, `merge_reports` joins an ensemble's reports.

use crate::arrays::{flat, tensors, vec_to_numpy};
use crate::errors::{dist_err, ConfigError, StateError};
use crate::model::PyModel;
use numpy::{PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tusk_core::keras::model_to_json;
use tusk_dist::client::TcpClient;
use tusk_dist::{local, worker, Algorithm, JobSettings, JobSpec, LocalOptions, ServerConfig, ServerReport, ServerSettings, ServerState, TcpServer, WorkerId};

/// A Python value of a job or server setting as JSON (numbers, strings, booleans, None,
/// lists, dicts); `key` names the setting in the error.
fn setting_json(key: &str, v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = v.downcast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if let Ok(i) = v.extract::<u64>() {
        Ok(json!(i))
    } else if let Ok(i) = v.extract::<i64>() {
        Ok(json!(i))
    } else if let Ok(f) = v.extract::<f64>() {
        serde_json::Number::from_f64(f).map(Value::Number).ok_or_else(|| ConfigError::new_err(format!("{key} must be a finite number, got {f}")))
    } else if let Ok(text) = v.extract::<String>() {
        Ok(Value::String(text))
    } else if let Ok(d) = v.downcast::<PyDict>() {
        d.iter().map(|(k, v)| Ok((k.str()?.to_string(), setting_json(key, &v)?))).collect::<PyResult<serde_json::Map<_, _>>>().map(Value::Object)
    } else if let Ok(items) = v.extract::<Vec<Bound<'_, PyAny>>>() {
        items.iter().map(|v| setting_json(key, v)).collect::<PyResult<Vec<_>>>().map(Value::Array)
    } else {
        Err(ConfigError::new_err(format!("setting '{key}': a {} is not a setting value", v.get_type().name()?)))
    }
}

/// Keyword arguments as a JSON object (those given as None left out: they take the default).
fn settings_json(settings: Option<&Bound<'_, PyDict>>) -> PyResult<Value> {
    let mut given = serde_json::Map::new();
    for (k, v) in settings.into_iter().flatten() {
        let key: String = k.extract()?;
        if !v.is_none() {
            let value = setting_json(&key, &v)?;
            given.insert(key, value);
        }
    }
    Ok(Value::Object(given))
}

/// The job JSON for `algorithm` (an Elephas mode or a dist-keras trainer) on a compiled
/// model; the keyword arguments are [`JobSettings`] fields (None: the default), and an
/// unknown one is a `ConfigError` naming it.
#[pyfunction]
#[pyo3(signature = (algorithm, model, **settings))]
pub fn job_spec(algorithm: &str, model: &PyModel, settings: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
    let algorithm: Algorithm = algorithm.parse().map_err(dist_err)?;
    let settings = JobSettings::from_value(settings_json(settings)?).map_err(dist_err)?;
    let inner = model.model();
    let training = inner.training_config().ok_or_else(|| StateError::new_err("the model must be compiled before it is trained"))?;
    Ok(JobSpec::new(algorithm, settings, model_to_json(&inner), training).map_err(dist_err)?.to_json())
}

/// The reports of a job run in parts (ensemble members trained on different executors), as one.
#[pyfunction]
pub fn merge_reports(reports: Vec<String>) -> PyResult<String> {
    let parts = reports.iter().map(|r| serde_json::from_str::<ServerReport>(r).map_err(|e| ConfigError::new_err(format!("not a tusk report: {e}")))).collect::<PyResult<Vec<_>>>()?;
    Ok(serde_json::to_string(&ServerReport::merge(parts)).expect("report serialises"))
}

fn parse_job(job: &str) -> PyResult<JobSpec> {
    JobSpec::from_json(job).map_err(|e| ConfigError::new_err(e.to_string()))
}

/// Runs the whole job with worker threads here; returns (weights of each trained model, report JSON).
/// `first_member`: see `LocalOptions::first_member`.
#[pyfunction]
#[pyo3(signature = (job, weights, x, y, workers, first_member = 0))]
pub fn train_local<'py>(
    py: Python<'py>,
    job: &str,
    weights: PyReadonlyArrayDyn<'py, f32>,
    x: Vec<PyReadonlyArrayDyn<'py, f32>>,
    y: Vec<PyReadonlyArrayDyn<'py, f32>>,
    workers: usize,
    first_member: usize,
) -> PyResult<(Vec<Bound<'py, PyArrayDyn<f32>>>, String)> {
    let job = parse_job(job)?;
    let (weights, x, y) = (flat(&weights, "weights")?, tensors(&x, "x")?, tensors(&y, "y")?);
    let opts = LocalOptions { first_member, ..LocalOptions::new(workers) };
    let out = py.allow_threads(|| local::train(&job, &weights, x, y, &opts)).map_err(dist_err)?;
    let report = serde_json::to_string(&out.report).expect("report serialises");
    let models = std::iter::once(&out.model).chain(&out.members).map(|m| vec_to_numpy(py, m.params().to_vec())).collect();
    Ok((models, report))
}

/// A parameter server listening on TCP, on background threads of this process.
#[pyclass(name = "ParameterServer", module = "tusk._tusk")]
pub struct PyParameterServer {
    state: Arc<ServerState>,
    server: Option<TcpServer>,
}

#[pymethods]
impl PyParameterServer {
    /// `settings`: `tusk_dist::ServerSettings` fields (checkpoint_dir, checkpoint_every, resume,
    /// registration_timeout, idle_timeout); an unknown one is a `ConfigError` naming it.
    #[new]
    #[pyo3(signature = (job, workers, weights, token, listen = "127.0.0.1:0", **settings))]
    fn new(job: &str, workers: usize, weights: PyReadonlyArrayDyn<'_, f32>, token: Vec<u8>, listen: &str, settings: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let mut config = ServerConfig::new(parse_job(job)?, workers);
        config.token = token;
        let resume = ServerSettings::from_value(settings_json(settings)?).and_then(|s| s.configure(&mut config)).map_err(dist_err)?;
        let state = Arc::new(ServerState::new(config, flat(&weights, "weights")?, resume).map_err(dist_err)?);
        let server = TcpServer::start(state.clone(), listen).map_err(dist_err)?;
        Ok(PyParameterServer { state, server: Some(server) })
    }

    #[getter]
    fn address(&self) -> PyResult<String> {
        self.server.as_ref().map(|s| s.addr().to_string()).ok_or_else(|| ConfigError::new_err("the server has been shut down"))
    }

    /// Blocks (without the GIL) until the job ends; returns the report JSON.
    fn wait(&self, py: Python<'_>) -> PyResult<String> {
        let state = self.state.clone();
        let report = py.allow_threads(move || state.wait()).map_err(dist_err)?;
        Ok(serde_json::to_string(&report).expect("report serialises"))
    }

    fn weights<'py>(&self, py: Python<'py>) -> Bound<'py, PyArrayDyn<f32>> {
        vec_to_numpy(py, self.state.weights())
    }

    fn fail(&self, reason: &str) {
        self.state.fail(reason);
    }

    /// Closes the port and every connection (idempotent).
    fn shutdown(&mut self, py: Python<'_>) {
        if let Some(mut s) = self.server.take() {
            py.allow_threads(move || s.shutdown());
        }
    }
}

/// Trains one shard against the server at `address`; returns the worker's outcome JSON.
#[pyfunction]
#[pyo3(signature = (address, token, worker, attempt, x, y, timeout = 30.0, threads = 0))]
pub fn run_worker(
    py: Python<'_>,
    address: &str,
    token: Vec<u8>,
    worker: u32,
    attempt: u32,
    x: Vec<PyReadonlyArrayDyn<'_, f32>>,
    y: Vec<PyReadonlyArrayDyn<'_, f32>>,
    timeout: f64,
    threads: usize,
) -> PyResult<String> {
    if threads > 0 {
        tusk_core::kernels::set_num_threads(threads);
    }
    let (x, y) = (tensors(&x, "x")?, tensors(&y, "y")?);
    let address = address.to_string();
    py.allow_threads(move || {
        let mut conn = TcpClient::connect(&address, token, Duration::from_secs_f64(timeout.max(0.001))).map_err(dist_err)?;
        let id = WorkerId { worker, attempt };
        let welcome = worker::hello(&mut conn, id, x.first().map_or(0, |t| t.rows()) as u64).map_err(dist_err)?;
        let out = worker::train(&mut conn, id, welcome, x, y).map_err(dist_err)?;
        Ok(serde_json::to_string(&out).expect("outcome serialises"))
    })
}
