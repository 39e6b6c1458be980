//! The error type of tusk-core: one enum, one variant per kind of failure.
//!
//! Every message names what is at fault: the layer (class and name), the shape, the config
//! field or the file. The Python layer maps each variant to its own exception class.

use std::path::PathBuf;

/// Everything that can go wrong in tusk-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Tensor shapes that do not fit together (layer inputs, labels, weights).
    #[error("shape error: {0}")]
    Shape(String),
    /// A model, layer, loss or optimizer configuration that is malformed.
    #[error("config error: {0}")]
    Config(String),
    /// A Keras feature (layer class, option, value) that tusk does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Values that cannot be trained on: NaN/inf, labels out of range, empty data.
    #[error("data error: {0}")]
    Data(String),
    /// Calling things in the wrong order (fit before compile, ...).
    #[error("state error: {0}")]
    State(String),
    /// A file that cannot be read or written.
    #[error("io error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file whose content is not what its format promises (truncated, corrupt).
    #[error("format error in {path}: {message}")]
    Format { path: PathBuf, message: String },
}

/// Result alias used throughout tusk-core.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn shape(msg: impl Into<String>) -> Self {
        Error::Shape(msg.into())
    }
    pub fn config(msg: impl Into<String>) -> Self {
        Error::Config(msg.into())
    }
    pub fn unsupported(msg: impl Into<String>) -> Self {
        Error::Unsupported(msg.into())
    }
    pub fn data(msg: impl Into<String>) -> Self {
        Error::Data(msg.into())
    }
    pub fn state(msg: impl Into<String>) -> Self {
        Error::State(msg.into())
    }
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Format { path: path.into(), message: message.into() }
    }
}
