//! What a distributed run reports (`ALGORITHMS.md`, "What must be reported"): commits,
//! staleness, bytes, and each worker's history and fate.

use serde::Serialize;

/// One epoch of one worker: its running loss and metrics over the epoch.
#[derive(Clone, Debug, Serialize)]
pub struct EpochRecord {
    /// 1-based, as Keras prints it.
    pub epoch: u32,
    pub seconds: f64,
    pub samples: u64,
    pub logs: serde_json::Map<String, serde_json::Value>,
}

#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
}

/// A JSON number, or null for NaN/infinity (which JSON cannot hold).
pub(crate) fn num(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
}
