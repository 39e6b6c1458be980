//! From command-line options to a distributed job: the [`JobSpec`] (`--mode`/`--trainer` and
//! their settings), the server's checkpoint settings, and the report JSON of a run.

use crate::args::{DistArgs, ModelArgs};
use crate::report;
use anyhow::{Context, Result};
use serde_json::{json, Value};
use tusk_core::keras::model_to_json;
use tusk_core::Model;
use tusk_dist::protocol::Compression;
use std::sync::Arc;
use tusk_dist::{Algorithm, JobSettings, JobSpec, ServerConfig, ServerReport, ServerSettings, ServerState, TcpServer};

impl DistArgs {
    /// Whether any option asks for data-parallel training.
    pub fn is_distributed(&self) -> bool {
        self.workers.is_some() || self.mode.is_some() || self.trainer.is_some()
    }

    pub fn workers(&self) -> usize {
        self.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
    }
}

/// The job `m` and `d` describe for the compiled `model` (Elephas `asynchronous` by
/// default): the flags mapped onto [`JobSettings`], which checks them.
pub fn spec(m: &ModelArgs, d: &DistArgs, validation_split: f32, model: &Model) -> Result<JobSpec> {
    let algorithm = match (&d.mode, &d.trainer) {
        (Some(mode), _) => Algorithm::mode(mode)?,
        (None, Some(t)) => Algorithm::trainer(t)?,
        (None, None) => Algorithm::Asynchronous,
    };
    let settings = JobSettings {
        frequency: d.frequency.parse()?,
        epochs: m.epochs,
        batch_size: m.batch_size,
        window: d.window,
        rho: d.rho,
        elastic_lr: d.elastic_lr,
        momentum: d.momentum,
        driver_optimizer: d.driver_optimizer.as_ref().map(|name| json!(name)),
        compression: Compression::parse(&d.compression)?,
        seed: m.seed,
        shuffle: true,
        validation_split,
        stop_at_accuracy: m.stop_at_accuracy,
        stop_at_loss: m.stop_at_loss,
    };
    let training = model.training_config().expect("compiled");
    Ok(JobSpec::new(algorithm, settings, model_to_json(model), training)?)
}

/// The server's settings from `d` (checkpoints, resume, time limits), checked by tusk-dist.
pub fn server_settings(d: &DistArgs) -> Result<ServerSettings> {
    let s = ServerSettings {
        checkpoint_dir: d.checkpoint_dir.clone(),
        checkpoint_every: d.checkpoint_every.unwrap_or(0),
        resume: d.resume.clone(),
        registration_timeout: d.registration_timeout as f64,
        idle_timeout: d.idle_timeout as f64,
    };
    s.validate().context("--checkpoint-every, --checkpoint-dir, --registration-timeout, --idle-timeout")?;
    Ok(s)
}

/// A parameter server for `job` with `workers`, the settings of `d` and `token`, starting
/// from `weights` (or from `--resume`'s checkpoint), listening on `listen`.
pub fn start_server(job: &JobSpec, workers: usize, d: &DistArgs, token: Vec<u8>, weights: &[f32], listen: &str) -> Result<(Arc<ServerState>, TcpServer)> {
    let mut config = ServerConfig::new(job.clone(), workers);
    config.token = token;
    let resume = server_settings(d)?.configure(&mut config)?;
    if let Some(cp) = &resume {
        eprintln!("tusk: resuming from {} commits, epoch {}", cp.counters.commits, cp.counters.epochs_done);
    }
    let state = Arc::new(ServerState::new(config, weights.to_vec(), resume)?);
    let server = TcpServer::start(state.clone(), listen)?;
    Ok((state, server))
}

/// Per epoch, the workers' sample-weighted mean loss and metrics (for plots and reports).
pub fn epochs(report: &ServerReport) -> Vec<Value> {
    let n = report.per_worker.iter().map(|w| w.history.len()).max().unwrap_or(0);
    (0..n)
        .map(|i| {
            let recs: Vec<_> = report.per_worker.iter().filter_map(|w| w.history.get(i)).collect();
            let total: u64 = recs.iter().map(|r| r.samples).sum();
            let mut m = serde_json::Map::new();
            m.insert("epoch".into(), json!(recs.first().map_or(i as u32 + 1, |r| r.epoch)));
            for key in recs.first().map(|r| r.logs.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
                let sum: f64 = recs.iter().map(|r| r.samples as f64 * r.logs.get(&key).and_then(Value::as_f64).unwrap_or(f64::NAN)).sum();
                m.insert(key, report::num(sum / total.max(1) as f64));
            }
            m.insert("seconds".into(), json!(recs.iter().map(|r| r.seconds).fold(0.0, f64::max)));
            Value::Object(m)
        })
        .collect()
}

/// The report fields of a distributed run, added to `doc`.
pub fn report_fields(doc: &mut Value, job: &JobSpec, report: &ServerReport) {
    let key = if job.algorithm.is_mode() { "mode" } else { "trainer" };
    let extra = json!({
        "workers": report.workers,
        key: job.algorithm.name(),
        "frequency": if job.algorithm.is_mode() { json!(job.settings.frequency.to_string()) } else { Value::Null },
        "window": job.window(),
        "compression": job.settings.compression.to_string(),
        "commits": report.commits,
        "updates": report.updates,
        "duplicate_commits": report.duplicate_commits,
        "staleness_mean": report.staleness_mean,
        "staleness_max": report.staleness_max,
        "bytes_sent": report.bytes_sent,
        "bytes_received": report.bytes_received,
        "refused": report.refused,
        "stopped_early": report.stopped_early,
        "resumed_from_commits": report.resumed_from_commits,
        "checkpoints_written": report.checkpoints_written,
        "lost_workers": report.lost_workers,
        "per_worker": report.per_worker,
        "epochs": epochs(report),
    });
    if let (Value::Object(d), Value::Object(e)) = (doc, extra) {
        d.extend(e);
    }
}

/// Prints a one-paragraph summary of the server's report.
pub fn print_summary(report: &ServerReport) {
    eprintln!(
        "{}: {} workers, {} commits ({} updates), staleness mean {:.2} max {}, {:.1} MB sent, {:.1} MB received{}",
        report.algorithm,
        report.workers,
        report.commits,
        report.updates,
        report.staleness_mean,
        report.staleness_max,
        report.bytes_sent as f64 / 1e6,
        report.bytes_received as f64 / 1e6,
        if report.lost_workers.is_empty() { String::new() } else { format!("; lost workers: {:?}", report.lost_workers) }
    );
}
