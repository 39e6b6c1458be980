//! The parameter server and workers from Python: `job_spec` builds a job, `ParameterServer`
//! runs a server on a background thread of this process, `run_worker` trains one shard
//! against an address (a Spark task calls it), `train_local` runs a whole job with threads.

use crate::arrays::{flat, tensors, vec_to_numpy};
use crate::errors::{core_err, data_err, dist_err, ConfigError};
use crate::model::PyModel;
use numpy::{PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;
use std::time::Duration;
use tusk_core::keras::model_to_json;
use tusk_core::Optimizer;
use tusk_dist::client::TcpClient;
use tusk_dist::protocol::Compression;
use tusk_dist::{checkpoint, local, worker, Algorithm, Frequency, JobSpec, LocalOptions, ServerConfig, ServerState, TcpServer, WorkerId};

fn setting_err(key: &str, e: PyErr) -> PyErr {
    ConfigError::new_err(format!("job setting '{key}': {e}"))
}

/// The job JSON for `algorithm` (an Elephas mode or a dist-keras trainer) on a compiled model.
#[pyfunction]
#[pyo3(signature = (algorithm, model, **settings))]
pub fn job_spec(algorithm: &str, model: &PyModel, settings: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
    let algorithm = Algorithm::mode(algorithm).or_else(|_| Algorithm::trainer(algorithm)).map_err(|_| {
        ConfigError::new_err(format!("unknown mode or trainer '{algorithm}' (modes: {}; trainers: {})", Algorithm::MODES.join(", "), Algorithm::TRAINERS.join(", ")))
    })?;
    let inner = model.model();
    let training = inner.training_config().ok_or_else(|| ConfigError::new_err("the model must be compiled before it is trained"))?;
    let mut job = JobSpec::new(algorithm, model_to_json(&inner), training);
    for (k, v) in settings.into_iter().flatten() {
        let key: String = k.extract()?;
        let e = |err| setting_err(&key, err);
        if v.is_none() {
            continue;
        }
        match key.as_str() {
            "frequency" => {
                job.frequency = match v.extract::<String>().map_err(e)?.to_ascii_lowercase().as_str() {
                    "epoch" => Frequency::Epoch,
                    "batch" => Frequency::Batch,
                    other => return Err(ConfigError::new_err(format!("frequency must be 'epoch' or 'batch', got '{other}'"))),
                }
            }
            "epochs" => job.epochs = v.extract().map_err(e)?,
            "batch_size" => job.batch_size = v.extract().map_err(e)?,
            "window" => job.window = v.extract().map_err(e)?,
            "rho" => job.rho = v.extract().map_err(e)?,
            "elastic_lr" => job.elastic_lr = v.extract().map_err(e)?,
            "momentum" => job.momentum = v.extract().map_err(e)?,
            "seed" => job.seed = v.extract().map_err(e)?,
            "validation_split" => job.validation_split = v.extract().map_err(e)?,
            "shuffle" => job.shuffle = v.extract().map_err(e)?,
            "stop_at_accuracy" => job.stop_at_accuracy = Some(v.extract().map_err(e)?),
            "stop_at_loss" => job.stop_at_loss = Some(v.extract().map_err(e)?),
            "compression" => job.compression = Compression::parse(&v.extract::<String>().map_err(e)?).map_err(dist_err)?,
            "driver_optimizer" => {
                let text: String = v.extract().map_err(e)?;
                let cfg = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
                job.driver_optimizer = Some(Optimizer::from_config(&cfg).map_err(core_err)?.to_config());
            }
            other => return Err(ConfigError::new_err(format!("unknown job setting '{other}'"))),
        }
    }
    job.validate().map_err(dist_err)?;
    Ok(job.to_json())
}

fn parse_job(job: &str) -> PyResult<JobSpec> {
    JobSpec::from_json(job).map_err(|e| ConfigError::new_err(e.to_string()))
}

/// Runs the whole job with worker threads here; returns (weights of each trained model, report JSON).
#[pyfunction]
pub fn train_local<'py>(
    py: Python<'py>,
    job: &str,
    weights: PyReadonlyArrayDyn<'py, f32>,
    x: Vec<PyReadonlyArrayDyn<'py, f32>>,
    y: Vec<PyReadonlyArrayDyn<'py, f32>>,
    workers: usize,
) -> PyResult<(Vec<Bound<'py, PyArrayDyn<f32>>>, String)> {
    let job = parse_job(job)?;
    let (weights, x, y) = (flat(&weights, "weights")?, tensors(&x, "x")?, tensors(&y, "y")?);
    let (x, y) = conform(&local::compiled_model(&job, &weights).map_err(dist_err)?, x, y)?;
    let out = py.allow_threads(|| local::train(&job, &weights, &x, &y, &LocalOptions::new(workers))).map_err(dist_err)?;
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
    #[new]
    #[pyo3(signature = (job, workers, weights, token, listen = "127.0.0.1:0", checkpoint_dir = None, checkpoint_every = 0, resume = None, registration_timeout = 120.0, idle_timeout = 600.0))]
    fn new(
        job: &str,
        workers: usize,
        weights: PyReadonlyArrayDyn<'_, f32>,
        token: Vec<u8>,
        listen: &str,
        checkpoint_dir: Option<String>,
        checkpoint_every: u64,
        resume: Option<String>,
        registration_timeout: f64,
        idle_timeout: f64,
    ) -> PyResult<Self> {
        let mut config = ServerConfig::new(parse_job(job)?, workers);
        config.token = token;
        config.checkpoint_dir = checkpoint_dir.map(Into::into);
        config.checkpoint_every = checkpoint_every;
        config.timeouts.registration = Duration::from_secs_f64(registration_timeout.max(0.001));
        config.timeouts.idle = Duration::from_secs_f64(idle_timeout.max(0.001));
        let resume = resume.map(|d| checkpoint::read(d.as_ref())).transpose().map_err(dist_err)?;
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
        let (x, y) = conform(&welcome.model, x, y)?;
        let out = worker::train(&mut conn, id, welcome, &x, &y).map_err(dist_err)?;
        Ok(outcome_json(&out))
    })
}

/// One feature table shaped (or split by columns) into the model's inputs and labels encoded
/// for its loss; several arrays are taken as they are.
fn conform(model: &tusk_core::Model, mut x: Vec<tusk_core::Tensor>, mut y: Vec<tusk_core::Tensor>) -> PyResult<(Vec<tusk_core::Tensor>, Vec<tusk_core::Tensor>)> {
    if x.len() == 1 && y.len() == 1 {
        x = tusk_data::inputs_for(model, x.remove(0)).map_err(data_err)?;
        y = vec![tusk_data::targets_for(model, y.remove(0)).map_err(data_err)?];
    }
    Ok((x, y))
}

fn outcome_json(o: &worker::WorkerOutcome) -> String {
    serde_json::json!({
        "worker": o.worker, "history": o.history, "commits": o.commits, "samples_trained": o.samples_trained,
        "bytes_sent": o.bytes_sent, "bytes_received": o.bytes_received, "seconds": o.seconds,
    })
    .to_string()
}
