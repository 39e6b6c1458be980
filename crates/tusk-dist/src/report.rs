//! What a distributed run reports (`ALGORITHMS.md`, "What must be reported"): commits,
//! staleness, bytes, and each worker's history and fate.

use serde::{Deserialize, Serialize};

/// One epoch of one worker: its running loss and metrics over the epoch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based, as Keras prints it.
    pub epoch: u32,
    pub seconds: f64,
    pub samples: u64,
    pub logs: serde_json::Map<String, serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerStats {
    pub worker: u32,
    /// `done`, `lost` or `active`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_reason: Option<String>,
    /// Samples in the worker's shard.
    pub samples: u64,
    pub commits: u64,
    pub history: Vec<EpochRecord>,
}

/// The server's account of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerReport {
    /// The algorithm's name (`synchronous`, `downpour`, …).
    pub algorithm: String,
    pub workers: usize,
    /// Updates applied to the center: commits in asynchronous rules, rounds in synchronous ones.
    pub updates: u64,
    /// Commits received and applied (duplicates excluded).
    pub commits: u64,
    /// Commits received again with an id already applied, and ignored.
    pub duplicate_commits: u64,
    /// Staleness `τ = t_now − t_pull` of the applied commits, in updates.
    pub staleness_mean: f64,
    pub staleness_max: u64,
    /// Bytes the server sent to and received from workers (frames on the wire; in-process
    /// runs count the payloads that would be sent).
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Connections or frames refused (bad token, garbage, oversized, wrong version).
    pub refused: u64,
    /// A stop target (accuracy or loss) was reached.
    pub stopped_early: bool,
    /// The checkpoint's commit count when the run resumed from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_from_commits: Option<u64>,
    pub checkpoints_written: u64,
    pub lost_workers: Vec<u32>,
    pub per_worker: Vec<WorkerStats>,
    /// Independent models trained (`ensemble`: one per non-empty shard; 0 otherwise).
    #[serde(default)]
    pub members: usize,
}

impl ServerReport {
    /// The report of a job run in parts (an ensemble whose members trained on different
    /// executors): counts add up, maxima and flags combine, workers are listed in order.
    pub fn merge(parts: impl IntoIterator<Item = ServerReport>) -> ServerReport {
        let mut out = ServerReport::default();
        let mut staleness_weighted = 0.0;
        for p in parts {
            if out.algorithm.is_empty() {
                out.algorithm = p.algorithm.clone();
            }
            out.workers += p.workers;
            out.updates += p.updates;
            out.commits += p.commits;
            out.duplicate_commits += p.duplicate_commits;
            staleness_weighted += p.staleness_mean * p.commits as f64;
            out.staleness_max = out.staleness_max.max(p.staleness_max);
            out.bytes_sent += p.bytes_sent;
            out.bytes_received += p.bytes_received;
            out.refused += p.refused;
            out.stopped_early |= p.stopped_early;
            out.checkpoints_written += p.checkpoints_written;
            out.members += p.members;
            out.lost_workers.extend(p.lost_workers);
            out.per_worker.extend(p.per_worker);
        }
        out.staleness_mean = if out.commits > 0 { staleness_weighted / out.commits as f64 } else { 0.0 };
        out.per_worker.sort_by_key(|w| w.worker);
        out.lost_workers.sort_unstable();
        out
    }
}

/// A JSON number, or null for NaN/infinity (which JSON cannot hold).
pub(crate) fn num(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(worker: u32, commits: u64, staleness_mean: f64) -> ServerReport {
        let stats = WorkerStats { worker, status: "done".into(), commits, ..WorkerStats::default() };
        ServerReport { algorithm: "ensemble".into(), workers: 1, commits, staleness_mean, staleness_max: commits, members: 1, per_worker: vec![stats], ..ServerReport::default() }
    }

    #[test]
    fn merged_parts_add_up() {
        let m = ServerReport::merge([part(2, 3, 1.0), part(0, 1, 5.0)]);
        assert_eq!((m.algorithm.as_str(), m.workers, m.commits, m.members, m.staleness_max), ("ensemble", 2, 4, 2, 3));
        assert_eq!(m.staleness_mean, 2.0);
        assert_eq!(m.per_worker.iter().map(|w| w.worker).collect::<Vec<_>>(), [0, 2]);
        let back: ServerReport = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }
}
