//! The one error type of tusk-dist. Every message names what failed: the worker, the
//! address, the field of the frame, the file.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A malformed, oversized or wrong-version frame or message.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A wrong or missing auth token.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// A network call or a wait that ran past its time limit.
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
    /// Bad job settings (unknown mode, window 0, incompatible options).
    #[error("configuration error: {0}")]
    Config(String),
    /// Training cannot go on because a worker died or left (synchronous modes).
    #[error("worker lost: {0}")]
    WorkerLost(String),
    /// A checkpoint the job asked for could not be written.
    #[error("checkpoint failed: {0}")]
    Checkpoint(String),
    /// The server answered a request with an error.
    #[error("server refused: {0}")]
    Server(String),
    #[error(transparent)]
    Core(#[from] tusk_core::Error),
    /// A shard that does not fit the job's model (shape, labels).
    #[error(transparent)]
    Data(#[from] tusk_data::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn protocol(m: impl Into<String>) -> Self {
        Error::Protocol(m.into())
    }
    pub fn config(m: impl Into<String>) -> Self {
        Error::Config(m.into())
    }
    /// An I/O error with what was being done; timeouts become [`Error::Timeout`].
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        let context = context.into();
        match source.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Error::Timeout(format!("{context}: no answer within the time limit")),
            _ => Error::Io { context, source },
        }
    }
}
