//! The messages of the parameter-server protocol. A worker sends [`Request`]s and gets one
//! [`Response`] for each. Encoding is little-endian binary with a one-byte tag per message,
//! every length checked against the bytes left before anything is allocated.

use super::compression::Delta;

/// A worker's update, identified by (worker, attempt, seq) so that a resent commit is
/// applied once.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    pub worker: u32,
    /// Which try of this worker's task (a retried Spark task has a new attempt).
    pub attempt: u32,
    /// Increases by one per commit of this (worker, attempt), from 0.
    pub seq: u64,
    /// The server's update counter when the worker pulled the weights this delta starts from.
    pub t_pull: u64,
    /// The synchronous round this commit belongs to (0 in asynchronous modes).
    pub round: u64,
    /// Samples trained on since the last commit (the weight in synchronous averaging).
    pub samples: u64,
    pub delta: Delta,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// First message of a worker: who it is and how many samples its shard has.
    Hello { worker: u32, attempt: u32, samples: u64 },
    /// Asks for the center weights (in synchronous modes, those of `round`).
    Pull { worker: u32, round: u64 },
    Commit(Commit),
    /// A worker finished an epoch with these running loss and metrics.
    EpochEnd { worker: u32, epoch: u32, seconds: f64, samples: u64, logs: Vec<(String, f64)> },
    /// The worker finished all its epochs.
    Done { worker: u32 },
    /// The worker failed and stops.
    Failed { worker: u32, message: String },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// Answer to `Hello`: the job (JSON [`JobSpec`](crate::JobSpec)), the largest shard's
    /// sample count (synchronous batch rounds need it) and the epoch to start at (resume).
    Welcome { job: String, max_samples: u64, start_epoch: u32 },
    /// Center weights after `t` updates; `stop`: a stop target was reached, finish up.
    Weights { t: u64, round: u64, stop: bool, weights: Vec<f32> },
    /// Not ready yet (a synchronous round still waits for workers): ask again.
    Wait,
    /// Answer to `Commit`, `EpochEnd`, `Done`, `Failed`. `applied`: false for a duplicate.
    Ack { applied: bool, stop: bool },
    Error { message: String },
}
