//! The error type of tusk-data: one enum, one variant per kind of failure.
//!
//! Contract: every message names the file (or the dataset part: "features"/"labels") and what is
//! wrong with it. `Format` messages say *where*: a line number for text formats, a byte offset or
//! header field for binary ones. Readers never panic on bad input; a truncated file is a `Format`
//! error, never an index panic or an out-of-memory abort.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while reading, writing or preparing data.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file that cannot be opened, read or written.
    #[error("io error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file whose content is not what its format promises (corrupt, truncated, unparseable).
    #[error("format error in {}: {message}", path.display())]
    Format { path: PathBuf, message: String },
    /// Arrays whose shapes do not fit together (rows of features vs labels, label rank, ...).
    #[error("shape error: {0}")]
    Shape(String),
    /// A bad option: unknown label column, unknown format name, fraction out of range, ...
    #[error("config error: {0}")]
    Config(String),
    /// Values that cannot be used: NaN/inf, labels that are not class indices.
    #[error("data error: {0}")]
    Data(String),
}

/// Result alias used throughout tusk-data.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io { path: path.as_ref().to_path_buf(), source }
    }
    pub fn format(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error::Format { path: path.as_ref().to_path_buf(), message: message.into() }
    }
    pub fn shape(msg: impl Into<String>) -> Self {
        Error::Shape(msg.into())
    }
    pub fn config(msg: impl Into<String>) -> Self {
        Error::Config(msg.into())
    }
    pub fn data(msg: impl Into<String>) -> Self {
        Error::Data(msg.into())
    }
}

/// tusk-core errors (from `Tensor::new`, `check_finite`) keep their kind where tusk-data has it.
impl From<tusk_core::Error> for Error {
    fn from(e: tusk_core::Error) -> Self {
        match e {
            tusk_core::Error::Shape(m) => Error::Shape(m),
            tusk_core::Error::Config(m) => Error::Config(m),
            tusk_core::Error::Data(m) => Error::Data(m),
            tusk_core::Error::Io { path, source } => Error::Io { path, source },
            tusk_core::Error::Format { path, message } => Error::Format { path, message },
            other => Error::Data(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file() {
        let e = Error::format("/tmp/a.idx", "truncated at byte 12");
        assert_eq!(e.to_string(), "format error in /tmp/a.idx: truncated at byte 12");
        let e = Error::io("/nope/b.csv", std::io::Error::from(std::io::ErrorKind::NotFound));
        assert!(e.to_string().contains("/nope/b.csv"), "{e}");
    }

    #[test]
    fn core_errors_keep_their_kind() {
        let e: Error = tusk_core::Error::shape("bad").into();
        assert!(matches!(e, Error::Shape(ref m) if m == "bad"));
        let e: Error = tusk_core::Error::data("nan").into();
        assert!(matches!(e, Error::Data(_)));
    }
}
