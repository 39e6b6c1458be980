//! tusk-dist: data-parallel training with a parameter server.
//!
//! One server ([`server::ServerState`], over TCP with [`server::TcpServer`]) with pluggable
//! update rules, and one worker loop ([`worker::run_worker`]): "train λ steps locally, then
//! commit and pull". Elephas' modes (synchronous, asynchronous, hogwild; per epoch or per
//! batch; driver optimizers) and dist-keras' trainers (single, averaging, ensemble, DOWNPOUR,
//! ADAG, DynSGD, AEASGD, EAMSGD) are [`JobSpec`]s of it; the rules are in [`rules`] and
//! `ALGORITHMS.md`. [`local::train`] runs a whole job with worker threads in this process.
//!
//! The wire ([`protocol`]) is a versioned binary format: every frame carries the job's
//! token, sizes are checked before allocating, and every call has a time limit.

pub mod algorithm;
pub mod center;
pub mod checkpoint;
pub mod client;
pub mod error;
pub mod job;
pub mod local;
pub mod protocol;
pub mod report;
pub mod rules;
pub mod server;
pub mod settings;
pub mod worker;

pub use error::{Error, Result};
pub use algorithm::{check_workers, Algorithm, Frequency, MAX_WORKERS};
pub use job::JobSpec;
pub use settings::JobSettings;
pub use local::{LocalOptions, Outcome, Transport};
pub use report::ServerReport;
pub use server::{ServerConfig, ServerSettings, ServerState, TcpServer, Timeouts};
pub use worker::{hello, run_worker, Welcome, WorkerId, WorkerOutcome};
