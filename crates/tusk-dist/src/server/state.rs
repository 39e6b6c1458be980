//! [`ServerState`]: the parameter server without its transport. [`ServerState::handle`]
//! answers one [`Request`] (TCP connections and in-process workers call it alike);
//! [`ServerState::wait`] blocks until the job ends, fails, or runs past a time limit.
//!
//! Asynchronous rules apply each commit as it comes (scaled by the rule, through the
//! driver optimizer if there is one). Synchronous rules collect one commit per live worker
//! per round, then apply the round's mean; a pull for the next round is answered `Wait`
//! until then. A worker lost in a synchronous job fails the job at once.

use super::config::ServerConfig;
use super::registry::{Entry, Registry, Status};
use crate::center::Center;
use crate::checkpoint::{Checkpoint, Counters};
use crate::error::{Error, Result};
use crate::protocol::{Commit, Delta, Request, Response};
use crate::report::EpochRecord;
use crate::rules::{staleness_scale, RoundSum};
use std::sync::atomic::AtomicU64;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;
use tusk_core::keras::model_from_json;
use tusk_core::Optimizer;

/// How far past the newest attempt seen a worker's `Hello` may count (Spark numbers a task's
/// retries 0, 1, 2, …; a speculative copy takes the next number). A larger jump is refused, so
/// that a stray `Hello` with an inflated attempt cannot take the worker's place for good.
pub const MAX_ATTEMPT_STEP: u32 = 16;

/// Why a job failed: the message every waiting worker gets, and the error `wait` returns.
pub(super) struct Failure {
    pub message: String,
    pub kind: fn(String) -> Error,
}

impl Failure {
    pub fn new(kind: fn(String) -> Error, message: impl Into<String>) -> Option<Failure> {
        Some(Failure { message: message.into(), kind })
    }
}

pub(super) struct Inner {
    pub(super) registry: Registry,
    /// Updates applied to the center.
    pub(super) t: u64,
    pub(super) commits: u64,
    /// Commits applied by this server process (not counting those before a resume).
    pub(super) run_commits: u64,
    pub(super) duplicates: u64,
    pub(super) staleness_sum: u64,
    pub(super) staleness_max: u64,
    pub(super) round: u64,
    pub(super) round_sum: RoundSum,
    pub(super) round_done: Vec<u32>,
    pub(super) stop: bool,
    pub(super) stopped_early: bool,
    pub(super) failure: Option<Failure>,
    pub(super) last_activity: Instant,
    pub(super) checkpoint_at: u64,
    pub(super) checkpoints: u64,
}

pub struct ServerState {
    pub config: ServerConfig,
    pub(super) job_json: String,
    pub(super) start_epoch: u32,
    pub(super) resumed_from: Option<u64>,
    pub(super) center: Center,
    pub(super) inner: Mutex<Inner>,
    pub(super) changed: Condvar,
    pub(super) started: Instant,
    pub(crate) bytes_sent: AtomicU64,
    pub(crate) bytes_received: AtomicU64,
    pub(crate) refused: AtomicU64,
}

impl ServerState {
    /// A server starting from `weights`, or from `resume` (a checkpoint) when given.
    pub fn new(config: ServerConfig, weights: Vec<f32>, resume: Option<Checkpoint>) -> Result<ServerState> {
        if config.job.algorithm.is_serverless() {
            return Err(Error::config(format!("the {} trainer trains without a parameter server", config.job.algorithm.name())));
        }
        crate::algorithm::check_workers(config.workers)?;
        let model = model_from_json(&config.job.model_json, 0)?;
        let driver = match &config.job.settings.driver_optimizer {
            Some(cfg) => Some((Optimizer::from_config(cfg)?, model.vars().to_vec())),
            None => None,
        };
        if let Some(cp) = resume.as_ref().filter(|cp| cp.counters.algorithm != config.job.algorithm.name()) {
            return Err(Error::config(format!("the checkpoint was written by a {} job; this job is {}", cp.counters.algorithm, config.job.algorithm.name())));
        }
        let (weights, counters) = match &resume {
            Some(cp) => (cp.weights.clone(), cp.counters.clone()),
            None => (weights, Counters { algorithm: config.job.algorithm.name().into(), t: 0, commits: 0, epochs_done: 0 }),
        };
        if weights.len() != model.n_params() {
            return Err(Error::config(format!("the starting weights have {} values but the model has {} parameters", weights.len(), model.n_params())));
        }
        let center = Center::new(weights, config.job.algorithm == crate::Algorithm::Hogwild, driver);
        if let Some(state) = resume.as_ref().and_then(|cp| cp.driver_state.as_ref()) {
            center.set_driver_state(state)?;
        }
        let n = center.len();
        Ok(ServerState {
            job_json: config.job.to_json(),
            start_epoch: counters.epochs_done,
            resumed_from: resume.as_ref().map(|cp| cp.counters.commits),
            center,
            inner: Mutex::new(Inner {
                registry: Registry::default(),
                t: counters.t,
                commits: counters.commits,
                run_commits: 0,
                duplicates: 0,
                staleness_sum: 0,
                staleness_max: 0,
                round: 0,
                round_sum: RoundSum::new(n),
                round_done: Vec::new(),
                stop: false,
                stopped_early: false,
                failure: None,
                last_activity: Instant::now(),
                checkpoint_at: counters.commits,
                checkpoints: 0,
            }),
            changed: Condvar::new(),
            started: Instant::now(),
            bytes_sent: AtomicU64::new(0),
            bytes_received: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            config,
        })
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The number of weights in the center.
    pub fn weights_len(&self) -> usize {
        self.center.len()
    }

    /// The center weights now.
    pub fn weights(&self) -> Vec<f32> {
        self.center.snapshot()
    }

    /// Answers one request. Never panics on a well-formed request with bad values: those
    /// get an `Error` response naming the problem.
    pub fn handle(&self, req: Request) -> Response {
        let mut inner = self.lock();
        inner.last_activity = Instant::now();
        if let Some(f) = &inner.failure {
            return Response::Error { message: f.message.clone() };
        }
        match req {
            Request::Hello { worker, attempt, samples } => self.hello(inner, worker, attempt, samples),
            Request::Pull { worker, round } => match self.check_worker(&inner, worker) {
                Err(message) => Response::Error { message },
                Ok(()) => self.pull(inner, round),
            },
            Request::Commit(c) => self.commit(inner, c),
            Request::EpochEnd { worker, epoch, seconds, samples, logs } => {
                let record = EpochRecord { epoch, seconds, samples, logs: logs.into_iter().map(|(k, v)| (k, crate::report::num(v))).collect() };
                if let Some((loss, acc)) = inner.registry.epoch_end(worker, record) {
                    let job = &self.config.job;
                    if job.settings.stop_at_loss.is_some_and(|l| loss <= l) || job.settings.stop_at_accuracy.is_some_and(|a| acc.is_some_and(|acc| acc >= a)) {
                        inner.stop = true;
                        inner.stopped_early = true;
                    }
                }
                Response::Ack { applied: true, stop: inner.stop }
            }
            Request::Done { worker } => {
                if let Some(e) = inner.registry.workers.get_mut(&worker) {
                    e.status = Status::Done;
                }
                self.maybe_finish_round(&mut inner);
                self.changed.notify_all();
                Response::Ack { applied: true, stop: inner.stop }
            }
            Request::Failed { worker, message } => {
                if let Err(message) = self.check_worker(&inner, worker) {
                    return Response::Error { message };
                }
                drop(inner);
                self.worker_lost(worker, &format!("it failed: {message}"));
                Response::Ack { applied: true, stop: true }
            }
        }
    }

    fn check_worker(&self, inner: &Inner, worker: u32) -> std::result::Result<(), String> {
        match inner.registry.workers.get(&worker) {
            None => Err(format!("worker {worker} has not said hello")),
            Some(e) if e.status == Status::Active => Ok(()),
            Some(e) => Err(format!("worker {worker} has already ended ({:?})", e.status)),
        }
    }

    fn hello(&self, mut inner: MutexGuard<'_, Inner>, worker: u32, attempt: u32, samples: u64) -> Response {
        let sync = self.config.job.algorithm.is_synchronous();
        if worker as usize >= self.config.workers {
            return Response::Error { message: format!("worker id {worker} is out of range: this job has {} workers (ids 0..{})", self.config.workers, self.config.workers) };
        }
        let newest = inner.registry.workers.get(&worker).map_or(0, |e| e.attempt);
        if attempt > newest.saturating_add(MAX_ATTEMPT_STEP) {
            return Response::Error { message: format!("worker {worker}: attempt {attempt} is more than {MAX_ATTEMPT_STEP} past attempt {newest}; task retries count up one at a time") };
        }
        match inner.registry.workers.get_mut(&worker) {
            Some(e) if e.attempt == attempt && e.status == Status::Active => {}
            Some(e) if sync && e.status != Status::Active => {
                return Response::Error { message: format!("worker {worker} has already ended ({:?}); a synchronous job cannot take it back", e.status) }
            }
            Some(e) if attempt < e.attempt => return Response::Error { message: format!("worker {worker}: attempt {attempt} is older than attempt {} already seen", e.attempt) },
            Some(e) => {
                // A retried task (new attempt) takes the worker's place.
                e.attempt = attempt;
                e.samples = samples;
                e.status = Status::Active;
                e.next_seq = 0;
            }
            None => {
                inner.registry.workers.insert(worker, Entry { attempt, samples, status: Status::Active, next_seq: 0, commits: 0, history: Vec::new() });
                self.changed.notify_all();
            }
        }
        if sync && inner.registry.workers.len() < self.config.workers {
            // Rounds need every worker: hold the hello until all have come.
            let (guard, _) = self.changed.wait_timeout(inner, self.config.timeouts.poll).unwrap_or_else(|p| p.into_inner());
            inner = guard;
            if inner.registry.workers.len() < self.config.workers {
                return Response::Wait;
            }
        }
        let max_samples = inner.registry.workers.values().map(|e| e.samples).max().unwrap_or(0);
        Response::Welcome { job: self.job_json.clone(), max_samples, start_epoch: self.start_epoch }
    }

    fn pull(&self, mut inner: MutexGuard<'_, Inner>, round: u64) -> Response {
        if self.config.job.algorithm.is_synchronous() {
            if round > inner.round {
                let (guard, _) = self.changed.wait_timeout(inner, self.config.timeouts.poll).unwrap_or_else(|p| p.into_inner());
                inner = guard;
                if let Some(f) = &inner.failure {
                    return Response::Error { message: f.message.clone() };
                }
                if round > inner.round {
                    return Response::Wait;
                }
            } else if round < inner.round {
                return Response::Error { message: format!("pull for round {round}, but the job is at round {}", inner.round) };
            }
        }
        let (t, round, stop) = (inner.t, inner.round, inner.stop);
        drop(inner);
        Response::Weights { t, round, stop, weights: self.center.snapshot() }
    }

    fn commit<'a>(&'a self, mut inner: MutexGuard<'a, Inner>, c: Commit) -> Response {
        let algorithm = self.config.job.algorithm;
        if c.delta.len() != self.center.len() {
            return Response::Error { message: format!("worker {}: commit of {} values for a model of {} parameters", c.worker, c.delta.len(), self.center.len()) };
        }
        if !c.delta.is_finite() {
            return Response::Error { message: format!("worker {}: its commit holds NaN or infinite values (its training diverged); not applied", c.worker) };
        }
        let (round, in_round) = (inner.round, inner.round_done.contains(&c.worker));
        let Some(entry) = inner.registry.workers.get_mut(&c.worker) else {
            return Response::Error { message: format!("worker {} committed without saying hello", c.worker) };
        };
        if c.attempt != entry.attempt {
            return Response::Error { message: format!("worker {}: commit from attempt {}, but attempt {} has taken over", c.worker, c.attempt, entry.attempt) };
        }
        if c.seq < entry.next_seq || (algorithm.is_synchronous() && in_round && c.round == round) {
            inner.duplicates += 1;
            return Response::Ack { applied: false, stop: inner.stop };
        }
        if entry.status != Status::Active {
            return Response::Error { message: format!("worker {} committed after it ended", c.worker) };
        }
        if algorithm.is_synchronous() && c.round != round {
            return Response::Error { message: format!("worker {}: commit for round {} while the job is at round {round}", c.worker, c.round) };
        }
        entry.next_seq = c.seq + 1;
        entry.commits += 1;
        inner.commits += 1;
        inner.run_commits += 1;
        let tau = inner.t.saturating_sub(c.t_pull);
        inner.staleness_sum += tau;
        inner.staleness_max = inner.staleness_max.max(tau);
        if algorithm.is_synchronous() {
            inner.round_sum.add(algorithm, &c.delta, c.samples);
            inner.round_done.push(c.worker);
            self.maybe_finish_round(&mut inner);
        } else {
            inner.t += 1;
            let scale = staleness_scale(algorithm, inner.t - 1, c.t_pull);
            drop(inner);
            self.center.apply(&c.delta, scale);
            inner = self.lock();
        }
        let stop = inner.stop;
        self.maybe_checkpoint(inner);
        Response::Ack { applied: true, stop }
    }

    /// Applies the round once every live worker has committed to it.
    fn maybe_finish_round(&self, inner: &mut Inner) {
        if !self.config.job.algorithm.is_synchronous() || inner.registry.workers.len() < self.config.workers {
            return;
        }
        let waiting = inner.registry.live().filter(|(w, _)| !inner.round_done.contains(w)).count();
        if waiting > 0 || inner.round_done.is_empty() {
            return;
        }
        if let Some(mean) = inner.round_sum.take_mean() {
            self.center.apply(&Delta::Dense(mean), 1.0);
        }
        inner.round_done.clear();
        inner.round += 1;
        inner.t += 1;
        self.changed.notify_all();
    }

    /// A worker that stopped without `Done` (its connection closed, it failed, its thread
    /// panicked, or it never got to say hello). Synchronous jobs fail; asynchronous ones go on with the others.
    pub fn worker_lost(&self, worker: u32, reason: &str) {
        self.lose(worker, None, reason);
    }

    /// [`Self::worker_lost`] for the connection of one attempt: nothing once a newer attempt has
    /// taken the worker's place (a retried worker is not lost when its old connection closes).
    pub(crate) fn attempt_lost(&self, worker: u32, attempt: u32, reason: &str) {
        self.lose(worker, Some(attempt), reason);
    }

    fn lose(&self, worker: u32, attempt: Option<u32>, reason: &str) {
        if worker as usize >= self.config.workers {
            tracing::warn!(worker, reason, "a worker id outside this job was reported lost; ignored");
            return;
        }
        let mut inner = self.lock();
        let e = inner.registry.workers.entry(worker).or_insert_with(|| Entry { attempt: 0, samples: 0, status: Status::Active, next_seq: 0, commits: 0, history: Vec::new() });
        if e.status != Status::Active || attempt.is_some_and(|a| a != e.attempt) {
            return;
        }
        e.status = Status::Lost(reason.to_string());
        if self.config.job.algorithm.is_synchronous() {
            inner.failure = Failure::new(Error::WorkerLost, format!("worker {worker} was lost ({reason}); synchronous training cannot go on without its shard"));
            inner.stop = true;
        }
        self.changed.notify_all();
    }
}
