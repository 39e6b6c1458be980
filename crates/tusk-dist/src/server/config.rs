//! How a parameter server is set up: the job, the number of workers, the auth token, the
//! time limits, checkpoints and the starting point (fresh weights or a checkpoint).

use crate::job::JobSpec;
use std::path::PathBuf;
use std::time::Duration;

/// Time limits. Nothing waits without one.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// One frame: once its first byte has come, the whole frame must be read (or written)
    /// within this time, however the peer trickles it.
    pub io: Duration,
    /// How long a waiting request (a pull before its synchronous round is complete) is held
    /// before the server answers `Wait` and the worker asks again.
    pub poll: Duration,
    /// All workers must have said hello within this time of the server's start.
    pub registration: Duration,
    /// A synchronous round, or the whole job in asynchronous modes, fails when nothing
    /// reaches the server for this long (a worker died without its socket closing).
    pub idle: Duration,
    /// A new connection must have sent its first frame, with the job's token, within this
    /// time; until then it is an unauthenticated peer and is closed when this runs out.
    pub auth: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { io: Duration::from_secs(30), poll: Duration::from_millis(500), registration: Duration::from_secs(120), idle: Duration::from_secs(600), auth: Duration::from_secs(5) }
    }
}

#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub job: JobSpec,
    pub workers: usize,
    /// Every frame must carry it (empty: no token, for in-process servers).
    pub token: Vec<u8>,
    pub timeouts: Timeouts,
    /// Write a checkpoint to this directory every `checkpoint_every` applied updates.
    pub checkpoint_dir: Option<PathBuf>,
    pub checkpoint_every: u64,
}

impl ServerConfig {
    pub fn new(job: JobSpec, workers: usize) -> ServerConfig {
        ServerConfig { job, workers, token: Vec::new(), timeouts: Timeouts::default(), checkpoint_dir: None, checkpoint_every: 0 }
    }
}
