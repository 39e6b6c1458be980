//! Running a whole job on this machine: [`train`] starts a parameter server in this process
//! (called directly, or on a loopback TCP port), runs `workers` worker threads on contiguous
//! shards of the data, waits for the job to end and shuts the server down — on success and
//! on failure alike, so nothing is left listening. The serverless trainers (`single`,
//! `ensemble`) train without a server.

use crate::client::{Connection, InProcess, TcpClient};
use crate::algorithm::Algorithm;
use crate::error::{Error, Result};
use crate::job::JobSpec;
use crate::report::{EpochRecord, ServerReport, WorkerStats};
use crate::server::{ServerConfig, ServerSettings, ServerState, TcpServer};
use crate::worker::{run_worker, WorkerId, WorkerOutcome};
use std::sync::Arc;
use std::time::Instant;
use tusk_core::keras::model_from_json;
use tusk_core::train::{Callback, StopAtTarget};
use tusk_core::{FitOptions, Model, Tensor};
use tusk_data::dataset::shard_range;

/// How worker threads reach the in-process server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Direct calls (no sockets).
    InProcess,
    /// The TCP protocol on a loopback port, exactly as separate processes would use it.
    Tcp,
}

#[derive(Clone, Debug)]
pub struct LocalOptions {
    pub workers: usize,
    pub transport: Transport,
    /// Checkpoints, resuming and time limits of the run's server.
    pub server: ServerSettings,
    /// `ensemble`: the index of the first member trained here (each member starts from its
    /// own initialisation, seeded by the job's seed plus its index), when one ensemble trains
    /// in several parts (a Spark partition each).
    pub first_member: usize,
}

impl LocalOptions {
    pub fn new(workers: usize) -> Self {
        LocalOptions { workers, transport: Transport::InProcess, server: ServerSettings::default(), first_member: 0 }
    }
}

/// A finished job: the trained model (the center; for `ensemble`, the first member), the
/// ensemble's members, what the server and the workers report, and the wall time.
pub struct Outcome {
    pub model: Model,
    pub members: Vec<Model>,
    pub report: ServerReport,
    pub workers: Vec<WorkerOutcome>,
    pub seconds: f64,
}

fn shard(t: &[Tensor], index: usize, count: usize) -> Vec<Tensor> {
    t.iter().map(|t| {
        let (a, b) = shard_range(t.rows(), index, count);
        t.slice_rows(a, b)
    }).collect()
}

/// Trains `job` starting from `initial` weights on `(x, y)` (conformed to the model as a
/// worker does) with `opts.workers` threads.
pub fn train(job: &JobSpec, initial: &[f32], x: Vec<Tensor>, y: Vec<Tensor>, opts: &LocalOptions) -> Result<Outcome> {
    crate::algorithm::check_workers(opts.workers)?;
    let started = Instant::now();
    let workers = if job.algorithm == Algorithm::Single { 1 } else { opts.workers };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let kernel_threads = tusk_core::kernels::num_threads();
    tusk_core::kernels::set_num_threads((cores / workers).max(1));
    let (x, y) = crate::worker::conform(&compiled_model(job, initial)?, x, y)?;
    let result = if job.algorithm.is_serverless() { serverless(job, initial, &x, &y, workers, opts.first_member) } else { with_server(job, initial, &x, &y, workers, opts) };
    tusk_core::kernels::set_num_threads(kernel_threads);
    let (model, members, report, outcomes) = result?;
    Ok(Outcome { model, members, report, workers: outcomes, seconds: started.elapsed().as_secs_f64() })
}

type Trained = (Model, Vec<Model>, ServerReport, Vec<WorkerOutcome>);

/// The job's model, compiled as the job says, with `weights`.
pub fn compiled_model(job: &JobSpec, weights: &[f32]) -> Result<Model> {
    let mut model = model_from_json(&job.model_json, job.settings.seed)?;
    model.compile_from_config(&job.training)?;
    model.set_params(weights)?;
    Ok(model)
}

fn with_server(job: &JobSpec, initial: &[f32], x: &[Tensor], y: &[Tensor], workers: usize, opts: &LocalOptions) -> Result<Trained> {
    let mut config = ServerConfig::new(job.clone(), workers);
    let resume = opts.server.configure(&mut config)?;
    let io = config.timeouts.io;
    let state = Arc::new(ServerState::new(config, initial.to_vec(), resume)?);
    let mut server = match opts.transport {
        Transport::Tcp => Some(TcpServer::start(state.clone(), "127.0.0.1:0")?),
        Transport::InProcess => None,
    };
    let addr = server.as_ref().map(|s| s.addr().to_string());
    let (waited, outcomes) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|i| {
                let (state, addr) = (state.clone(), addr.clone());
                let (sx, sy) = (shard(x, i, workers), shard(y, i, workers));
                scope.spawn(move || {
                    let run = || -> Result<WorkerOutcome> {
                        let id = WorkerId { worker: i as u32, attempt: 0 };
                        let mut conn: Box<dyn Connection> = match &addr {
                            Some(a) => Box::new(TcpClient::connect(a, Vec::new(), io)?),
                            None => Box::new(InProcess::new(state.clone())),
                        };
                        run_worker(conn.as_mut(), id, sx, sy)
                    };
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|_| Err(Error::WorkerLost(format!("worker {i}: its thread panicked"))));
                    if let Err(e) = &result {
                        state.worker_lost(i as u32, &e.to_string());
                    }
                    result
                })
            })
            .collect();
        let waited = state.wait();
        if let Err(e) = &waited {
            state.fail(&e.to_string());
        }
        let outcomes: Vec<Result<WorkerOutcome>> = handles.into_iter().map(|h| h.join().expect("worker panics are caught")).collect();
        (waited, outcomes)
    });
    if let Some(s) = server.as_mut() {
        s.shutdown();
    }
    let report = waited?;
    let mut ok = Vec::new();
    for (i, o) in outcomes.into_iter().enumerate() {
        match o {
            Ok(o) => ok.push(o),
            Err(e) => tracing::warn!(worker = i, error = %e, "a worker was lost"),
        }
    }
    if ok.is_empty() {
        return Err(Error::WorkerLost("every worker failed".into()));
    }
    Ok((compiled_model(job, &state.weights())?, Vec::new(), report, ok))
}

/// `single`: one model on all data. `ensemble`: one independent model per shard, in parallel.
fn serverless(job: &JobSpec, initial: &[f32], x: &[Tensor], y: &[Tensor], workers: usize, first_member: usize) -> Result<Trained> {
    let fitted: Vec<Result<(Model, WorkerOutcome)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|i| {
                let (sx, sy) = (shard(x, i, workers), shard(y, i, workers));
                scope.spawn(move || fit_member(job, initial, &sx, &sy, first_member + i))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::WorkerLost("a training thread panicked".into())))).collect()
    });
    let (mut members, outcomes): (Vec<Model>, Vec<WorkerOutcome>) = fitted.into_iter().collect::<Result<Vec<_>>>()?.into_iter().unzip();
    let report = ServerReport {
        algorithm: job.algorithm.name().into(),
        workers,
        members: if job.algorithm == Algorithm::Ensemble { members.len() } else { 0 },
        per_worker: outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let (a, b) = shard_range(x[0].rows(), i, workers);
                WorkerStats { worker: o.worker, status: "done".into(), lost_reason: None, samples: (b - a) as u64, commits: 0, history: o.history.clone() }
            })
            .collect(),
        ..ServerReport::default()
    };
    let model = members.remove(0);
    Ok((model, members, report, outcomes))
}

fn fit_member(job: &JobSpec, initial: &[f32], x: &[Tensor], y: &[Tensor], index: usize) -> Result<(Model, WorkerOutcome)> {
    let started = Instant::now();
    let mut model = compiled_model(job, initial)?;
    if job.algorithm == Algorithm::Ensemble {
        // Independent members: each starts from its own initialisation.
        model.initialize(job.settings.seed.wrapping_add(index as u64));
    }
    let opts = FitOptions { epochs: job.settings.epochs, batch_size: job.settings.batch_size, shuffle: job.settings.shuffle, seed: job.settings.seed.wrapping_add(index as u64), ..FitOptions::default() };
    let mut acc = job.settings.stop_at_accuracy.map(|t| StopAtTarget::new("accuracy", t));
    let mut loss = job.settings.stop_at_loss.map(|t| StopAtTarget::new("loss", t));
    let mut callbacks: Vec<&mut dyn Callback> = Vec::new();
    callbacks.extend(acc.as_mut().map(|c| c as &mut dyn Callback));
    callbacks.extend(loss.as_mut().map(|c| c as &mut dyn Callback));
    let history = model.fit(x, y, &opts, &mut callbacks)?;
    let records: Vec<EpochRecord> = history
        .epochs
        .iter()
        .map(|e| EpochRecord { epoch: e.epoch as u32 + 1, seconds: e.seconds, samples: x[0].rows() as u64, logs: e.logs.iter().map(|(k, v)| (k.clone(), crate::report::num(*v))).collect() })
        .collect();
    let trained = records.len() as u64 * x[0].rows() as u64;
    let outcome = WorkerOutcome { worker: index as u32, history: records, commits: 0, samples_trained: trained, bytes_sent: 0, bytes_received: 0, seconds: started.elapsed().as_secs_f64() };
    Ok((model, outcome))
}
