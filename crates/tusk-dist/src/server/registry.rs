//! The server's book of workers: who said hello with which attempt, who finished, who was
//! lost, their commit ids (for de-duplication) and their per-epoch history; plus the
//! per-epoch aggregate that decides a stop target.

use crate::report::{EpochRecord, WorkerStats};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Active,
    Done,
    Lost(String),
}

#[derive(Debug)]
pub struct Entry {
    pub attempt: u32,
    pub samples: u64,
    pub status: Status,
    /// The next commit sequence number this (worker, attempt) may apply.
    pub next_seq: u64,
    pub commits: u64,
    pub history: Vec<EpochRecord>,
}

/// Sums of one epoch over the workers that reported it.
#[derive(Default, Debug)]
struct EpochSum {
    reports: usize,
    samples: f64,
    loss: f64,
    accuracy: f64,
}

#[derive(Default, Debug)]
pub struct Registry {
    pub workers: BTreeMap<u32, Entry>,
    epochs: BTreeMap<u32, EpochSum>,
}

impl Registry {
    pub fn live(&self) -> impl Iterator<Item = (&u32, &Entry)> {
        self.workers.iter().filter(|(_, e)| e.status == Status::Active)
    }

    pub fn not_lost(&self) -> usize {
        self.workers.values().filter(|e| !matches!(e.status, Status::Lost(_))).count()
    }

    /// Every expected worker registered and then finished or was lost.
    pub fn all_ended(&self, expected: usize) -> bool {
        self.workers.len() == expected && self.workers.values().all(|e| e.status != Status::Active)
    }

    pub fn lost(&self) -> Vec<u32> {
        self.workers.iter().filter(|(_, e)| matches!(e.status, Status::Lost(_))).map(|(w, _)| *w).collect()
    }

    /// Records a worker's epoch; returns the epoch's sample-weighted mean (loss, accuracy)
    /// once every worker that is not lost has reported it.
    pub fn epoch_end(&mut self, worker: u32, record: EpochRecord) -> Option<(f64, Option<f64>)> {
        let get = |k: &str| record.logs.get(k).and_then(|v| v.as_f64());
        let w = record.samples as f64;
        let s = self.epochs.entry(record.epoch).or_default();
        s.reports += 1;
        s.samples += w;
        s.loss += w * get("loss").unwrap_or(f64::NAN);
        s.accuracy += w * get("accuracy").unwrap_or(f64::NAN);
        let (reports, samples, loss, acc) = (s.reports, s.samples, s.loss, s.accuracy);
        if let Some(e) = self.workers.get_mut(&worker) {
            e.history.push(record);
        }
        (reports >= self.not_lost() && samples > 0.0).then(|| (loss / samples, acc.is_finite().then_some(acc / samples)))
    }

    /// Epochs every worker has finished (the minimum over workers that are not lost).
    pub fn epochs_done(&self) -> u32 {
        self.workers.values().filter(|e| !matches!(e.status, Status::Lost(_))).map(|e| e.history.last().map_or(0, |h| h.epoch)).min().unwrap_or(0)
    }

    pub fn stats(&self) -> Vec<WorkerStats> {
        self.workers
            .iter()
            .map(|(&worker, e)| WorkerStats {
                worker,
                status: match &e.status {
                    Status::Active => "active",
                    Status::Done => "done",
                    Status::Lost(_) => "lost",
                }
                .into(),
                lost_reason: match &e.status {
                    Status::Lost(r) => Some(r.clone()),
                    _ => None,
                },
                samples: e.samples,
                commits: e.commits,
                history: e.history.clone(),
            })
            .collect()
    }
}
