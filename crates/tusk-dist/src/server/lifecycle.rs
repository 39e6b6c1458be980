//! The ends of a job on the [`ServerState`]: periodic checkpoints, waiting for the job to
//! finish (or fail, or run past a time limit), failing it from outside, and its report.

use super::state::{Failure, Inner, ServerState};
use crate::checkpoint::{self, Checkpoint, Counters};
use crate::error::{Error, Result};
use crate::report::ServerReport;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::MutexGuard;

impl ServerState {
    pub(super) fn maybe_checkpoint(&self, mut inner: MutexGuard<'_, Inner>) {
        let (Some(dir), every) = (&self.config.checkpoint_dir, self.config.checkpoint_every) else { return };
        if every == 0 || inner.commits < inner.checkpoint_at + every {
            return;
        }
        inner.checkpoint_at = inner.commits;
        let counters = Counters { algorithm: self.config.job.algorithm.name().into(), t: inner.t, commits: inner.commits, epochs_done: inner.registry.epochs_done().max(self.start_epoch) };
        // The center is read under the registry lock so that counters and weights agree.
        let cp = Checkpoint { counters, weights: self.center.snapshot(), driver_state: self.center.driver_state() };
        match checkpoint::write(dir, &self.config.job.model_json, &self.config.job.training, &cp) {
            Ok(_) => inner.checkpoints += 1,
            Err(e) => {
                // A checkpoint that cannot be written fails the job: it was asked for so that a
                // failure later can resume, and a run without it would only pretend to be safe.
                inner.failure = Failure::new(Error::Checkpoint, format!("writing a checkpoint to {} failed: {e}", dir.display()));
                inner.stop = true;
                self.changed.notify_all();
            }
        }
    }

    /// Blocks until every worker has ended (`Ok`), or the job failed or ran past a limit.
    pub fn wait(&self) -> Result<ServerReport> {
        let mut inner = self.lock();
        loop {
            if let Some(f) = &inner.failure {
                return Err((f.kind)(f.message.clone()));
            }
            if inner.registry.all_ended(self.config.workers) {
                let lost = inner.registry.lost();
                if lost.len() == self.config.workers {
                    let reasons = inner.registry.stats().into_iter().filter_map(|w| w.lost_reason.map(|r| format!("worker {}: {r}", w.worker)));
                    return Err(Error::WorkerLost(format!("every worker was lost, none finished its shard ({})", reasons.collect::<Vec<_>>().join("; "))));
                }
                drop(inner);
                return Ok(self.report());
            }
            let t = &self.config.timeouts;
            let registered = inner.registry.workers.len();
            if registered < self.config.workers && self.started.elapsed() > t.registration {
                inner.failure = Failure::new(Error::Timeout, format!("only {registered} of {} workers connected within {} s", self.config.workers, t.registration.as_secs()));
                inner.stop = true;
                self.changed.notify_all();
                continue;
            }
            if inner.last_activity.elapsed() > t.idle {
                inner.failure = Failure::new(Error::Timeout, format!("no worker has sent anything for {} s", t.idle.as_secs()));
                inner.stop = true;
                self.changed.notify_all();
                continue;
            }
            inner = self.changed.wait_timeout(inner, t.poll).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// Marks the job failed (the runner's own error) so that waiting workers are released.
    pub fn fail(&self, reason: &str) {
        let mut inner = self.lock();
        if inner.failure.is_none() {
            inner.failure = Failure::new(Error::WorkerLost, reason);
        }
        inner.stop = true;
        self.changed.notify_all();
    }

    pub fn report(&self) -> ServerReport {
        let inner = self.lock();
        ServerReport {
            algorithm: self.config.job.algorithm.name().into(),
            workers: self.config.workers,
            updates: inner.t,
            commits: inner.commits,
            duplicate_commits: inner.duplicates,
            staleness_mean: if inner.run_commits > 0 { inner.staleness_sum as f64 / inner.run_commits as f64 } else { 0.0 },
            staleness_max: inner.staleness_max,
            bytes_sent: self.bytes_sent.load(Relaxed),
            bytes_received: self.bytes_received.load(Relaxed),
            refused: self.refused.load(Relaxed),
            stopped_early: inner.stopped_early,
            resumed_from_commits: self.resumed_from,
            checkpoints_written: inner.checkpoints,
            lost_workers: inner.registry.lost(),
            per_worker: inner.registry.stats(),
            members: 0,
        }
    }
}
