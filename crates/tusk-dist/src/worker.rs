//! The worker loop, one for every rule: say hello, get the job, pull the center, then
//! "train λ steps locally, commit, pull" (or once per epoch, or per synchronous round)
//! until the epochs are done or the server says stop. Contract: `x`/`y` are this worker's
//! shard, one tensor per model input/output, all with the same number of rows (0 is allowed:
//! an empty shard commits nothing in asynchronous rules and weight 0 in synchronous ones).

use crate::client::Connection;
use crate::error::{Error, Result};
use crate::algorithm::Algorithm;
use crate::job::JobSpec;
use crate::protocol::{Commit, Compression, Compressor, Delta, Request, Response};
use crate::report::EpochRecord;
use crate::rules;
use std::time::Instant;
use tusk_core::keras::model_from_json;
use tusk_core::optimizers::Rule;
use tusk_core::train::Steps;
use tusk_core::{Logs, Model, Tensor};

/// Who a worker is: its index (its shard) and which try of it this is.
#[derive(Clone, Copy, Debug)]
pub struct WorkerId {
    pub worker: u32,
    pub attempt: u32,
}

/// What a worker did (as JSON: what `run_worker` returns to Python).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct WorkerOutcome {
    pub worker: u32,
    pub history: Vec<EpochRecord>,
    pub commits: u64,
    pub samples_trained: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub seconds: f64,
}

struct Session<'a> {
    conn: &'a mut dyn Connection,
    id: WorkerId,
    job: JobSpec,
    model: Model,
    compressor: Compressor,
    /// The weights at the last pull (`W0`), and the server's counter then.
    w0: Vec<f32>,
    t_pull: u64,
    round: u64,
    seq: u64,
    /// Samples trained since the last commit.
    pending: u64,
    scratch: Vec<f32>,
    stop: bool,
}

/// What the server gives a worker that says hello: the job, the model compiled for it, the
/// largest shard's size (synchronous rounds need it) and the epoch to start at.
pub struct Welcome {
    pub job: JobSpec,
    pub model: Model,
    pub max_samples: u64,
    pub start_epoch: u32,
}

/// Says hello (waiting while a synchronous server gathers its workers) and builds the model.
pub fn hello(conn: &mut dyn Connection, id: WorkerId, samples: u64) -> Result<Welcome> {
    let (job, max_samples, start_epoch) = loop {
        match call(conn, Request::Hello { worker: id.worker, attempt: id.attempt, samples })? {
            Response::Welcome { job, max_samples, start_epoch } => break (JobSpec::from_json(&job)?, max_samples, start_epoch),
            Response::Wait => continue,
            other => return Err(unexpected("Hello", &other)),
        }
    };
    let mut model = model_from_json(&job.model_json, job.settings.seed.wrapping_add(id.worker as u64))?;
    model.compile_from_config(&job.training)?;
    if job.algorithm == Algorithm::Eamsgd {
        let opt = model.optimizer_mut().expect("compiled");
        // EAMSGD's local step: Nesterov momentum μ with the elastic learning rate η.
        opt.class = "SGD";
        opt.rule = Rule::Sgd { momentum: job.settings.momentum, nesterov: true };
        opt.learning_rate = job.settings.elastic_lr;
    }
    conn.expect_model(model.n_params());
    Ok(Welcome { job, model, max_samples, start_epoch })
}

/// Says hello and trains on the shard `(x, y)` against the server behind `conn`.
pub fn run_worker(conn: &mut dyn Connection, id: WorkerId, x: Vec<Tensor>, y: Vec<Tensor>) -> Result<WorkerOutcome> {
    let rows = x.first().map_or(0, Tensor::rows) as u64;
    let welcome = hello(conn, id, rows)?;
    train(conn, id, welcome, x, y)
}

/// A shard in the model's layout: one feature table shaped (or split by columns) into the
/// model's inputs, and labels encoded for its loss (`tusk_data::conform`); several arrays are
/// taken as they are. Front-ends hand the worker their data as it is.
pub fn conform(model: &Model, mut x: Vec<Tensor>, mut y: Vec<Tensor>) -> Result<(Vec<Tensor>, Vec<Tensor>)> {
    if x.len() == 1 && y.len() == 1 {
        x = tusk_data::inputs_for(model, x.remove(0))?;
        y = vec![tusk_data::targets_for(model, y.remove(0))?];
    }
    Ok((x, y))
}

/// Trains after [`hello`] on the shard, conformed to the job's model ([`conform`]); on an
/// error, tells the server it failed (when it still can).
pub fn train(conn: &mut dyn Connection, id: WorkerId, welcome: Welcome, x: Vec<Tensor>, y: Vec<Tensor>) -> Result<WorkerOutcome> {
    let started = Instant::now();
    let result = conform(&welcome.model, x, y).and_then(|(x, y)| train_loop(conn, id, welcome, &x, &y));
    if let Err(e) = &result {
        if !matches!(e, Error::Io { .. } | Error::Timeout(_)) {
            let _ = conn.call(Request::Failed { worker: id.worker, message: e.to_string() });
        }
    }
    let (history, commits, samples_trained) = result?;
    let (bytes_sent, bytes_received) = conn.bytes();
    Ok(WorkerOutcome { worker: id.worker, history, commits, samples_trained, bytes_sent, bytes_received, seconds: started.elapsed().as_secs_f64() })
}

fn train_loop(conn: &mut dyn Connection, id: WorkerId, welcome: Welcome, x: &[Tensor], y: &[Tensor]) -> Result<(Vec<EpochRecord>, u64, u64)> {
    let Welcome { job, mut model, max_samples, start_epoch } = welcome;
    let seed = job.settings.seed ^ 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(id.worker as u64 + 1);
    let rows = x.first().map_or(0, Tensor::rows);
    let n_val = (rows as f64 * job.settings.validation_split as f64).floor() as usize;
    let val: Option<(Vec<Tensor>, Vec<Tensor>)> = (n_val > 0).then(|| (x.iter().map(|t| t.slice_rows(rows - n_val, rows)).collect(), y.iter().map(|t| t.slice_rows(rows - n_val, rows)).collect()));
    let mut steps = Steps::new(&mut model, x, y, Some(rows - n_val), job.settings.batch_size, job.settings.shuffle, seed)?;
    let mut s = Session { conn, id, compressor: Compressor::new(job.settings.compression), w0: Vec::new(), t_pull: 0, round: 0, seq: 0, pending: 0, scratch: Vec::new(), stop: false, model, job };
    s.pull()?;
    s.model.set_params(&s.w0)?;
    let every = s.job.commit_every();
    let sync_batches = s.job.algorithm.is_synchronous() && every.is_some();
    let n_steps = steps.steps();
    // Synchronous per-batch rounds: as many per epoch as the largest shard has batches.
    let rounds = if sync_batches { (max_samples as usize).div_ceil(s.job.settings.batch_size) } else { n_steps };
    let (mut history, mut trained, mut since) = (Vec::new(), 0u64, 0usize);
    for epoch in start_epoch as usize..s.job.settings.epochs {
        if s.stop {
            break;
        }
        let started = Instant::now();
        steps.begin_epoch();
        let mut epoch_samples = 0u64;
        for r in 0..rounds {
            if r < n_steps {
                let n = steps.step(&mut s.model, x, y, r)? as u64;
                (epoch_samples, s.pending, since) = (epoch_samples + n, s.pending + n, since + 1);
            }
            if r + 1 == rounds {
                let logs = s.epoch_logs(&steps, val.as_ref())?;
                s.epoch_end(epoch, started, epoch_samples, logs.clone())?;
                history.push(EpochRecord { epoch: epoch as u32 + 1, seconds: started.elapsed().as_secs_f64(), samples: epoch_samples, logs: logs_json(&logs) });
            }
            if sync_batches || every.is_some_and(|l| since >= l) {
                s.communicate()?;
                since = 0;
                if s.stop {
                    break;
                }
            }
        }
        if rounds == 0 {
            s.epoch_end(epoch, started, 0, steps.logs())?;
        }
        if every.is_none() {
            // Also after a stop: the epoch's work is committed (a synchronous round needs it).
            s.communicate()?;
        }
        trained += epoch_samples;
    }
    if s.pending > 0 {
        s.communicate()?;
    }
    let commits = s.seq;
    call(s.conn, Request::Done { worker: id.worker })?;
    Ok((history, commits, trained))
}

fn logs_json(logs: &Logs) -> serde_json::Map<String, serde_json::Value> {
    logs.iter().map(|(k, v)| (k.clone(), crate::report::num(*v))).collect()
}

fn call(conn: &mut dyn Connection, req: Request) -> Result<Response> {
    match conn.call(req)? {
        Response::Error { message } => Err(Error::Server(message)),
        other => Ok(other),
    }
}

fn unexpected(what: &str, resp: &Response) -> Error {
    let kind = format!("{resp:?}");
    Error::protocol(format!("unexpected answer to {what}: {}", kind.split([' ', '{', '(']).next().unwrap_or("?")))
}

impl Session<'_> {
    /// Pulls the center (for the current round), waiting while the server says `Wait`.
    fn pull(&mut self) -> Result<()> {
        loop {
            match call(self.conn, Request::Pull { worker: self.id.worker, round: self.round })? {
                Response::Weights { t, round, stop, weights } => {
                    self.t_pull = t;
                    self.round = round;
                    self.stop |= stop;
                    self.w0 = weights;
                    return Ok(());
                }
                Response::Wait => continue,
                other => return Err(unexpected("Pull", &other)),
            }
        }
    }

    /// The epoch's running loss and metrics, and those of the held-out data (`val_*`).
    fn epoch_logs(&mut self, steps: &Steps, val: Option<&(Vec<Tensor>, Vec<Tensor>)>) -> Result<Logs> {
        let mut logs = steps.logs();
        if let Some((vx, vy)) = val {
            let v = self.model.evaluate(vx, vy, self.job.settings.batch_size)?;
            logs.0.extend(v.0.into_iter().map(|(k, v)| (format!("val_{k}"), v)));
        }
        Ok(logs)
    }

    fn epoch_end(&mut self, epoch: usize, started: Instant, samples: u64, logs: Logs) -> Result<()> {
        let logs = logs.0;
        let req = Request::EpochEnd { worker: self.id.worker, epoch: epoch as u32 + 1, seconds: started.elapsed().as_secs_f64(), samples, logs };
        if let Response::Ack { stop, .. } = call(self.conn, req)? {
            self.stop |= stop;
        }
        Ok(())
    }

    /// One exchange with the server after local training.
    fn communicate(&mut self) -> Result<()> {
        let alg = self.job.algorithm;
        if alg.is_elastic() {
            // E = α (W − C) with a fresh C; the worker keeps W − E and is never reset to C.
            self.pull()?;
            let mut w = self.model.params().to_vec();
            rules::elastic_difference(&mut w, &self.w0, self.job.settings.elastic_lr * self.job.settings.rho, &mut self.scratch);
            self.model.set_params(&w)?;
            let delta = self.compressor.compress(&self.scratch);
            self.commit(delta)?;
        } else {
            let delta = if self.pending == 0 {
                Delta::TopK { len: self.w0.len() as u32, indices: Vec::new(), values: Vec::new() }
            } else {
                rules::delta(alg, self.model.params(), &self.w0, self.job.window(), &mut self.scratch);
                match self.job.settings.compression {
                    // Uncompressed, the computed delta itself is sent (no copy).
                    Compression::None => Delta::Dense(std::mem::take(&mut self.scratch)),
                    _ => self.compressor.compress(&self.scratch),
                }
            };
            self.commit(delta)?;
            if alg.is_synchronous() {
                self.round += 1;
            }
            self.pull()?;
            let w0 = std::mem::take(&mut self.w0);
            self.model.set_params(&w0)?;
            self.w0 = w0;
        }
        Ok(())
    }

    fn commit(&mut self, delta: Delta) -> Result<()> {
        let c = Commit { worker: self.id.worker, attempt: self.id.attempt, seq: self.seq, t_pull: self.t_pull, round: self.round, samples: self.pending, delta };
        self.seq += 1;
        self.pending = 0;
        match call(self.conn, Request::Commit(c))? {
            Response::Ack { stop, .. } => self.stop |= stop,
            other => return Err(unexpected("Commit", &other)),
        }
        Ok(())
    }
}
