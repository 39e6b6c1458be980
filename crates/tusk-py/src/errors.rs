//! Rust errors as Python exceptions: one class per error kind, all under `TuskError`, the
//! message being the Rust error's own text (it names the layer, shape, field or file). The
//! classes are those of the Python module `tusk.errors`; `_tusk` re-exports them.

use pyo3::import_exception;
use pyo3::prelude::*;

/// Imports each class of `tusk.errors` (defined once, in Python) for Rust to raise as those
/// very classes, and `register` re-exports them from `_tusk`: one list for both.
macro_rules! tusk_exceptions {
    ($($name:ident),+ $(,)?) => {
        $(import_exception!(tusk.errors, $name);)+

        pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            let py = m.py();
            $(m.add(stringify!($name), py.get_type::<$name>())?;)+
            Ok(())
        }
    };
}

tusk_exceptions!(
    TuskError, ShapeError, ConfigError, UnsupportedError, DataError, StateError, TuskIOError, FormatError, ProtocolError, AuthError,
    TuskTimeoutError, WorkerLostError, ServerError,
);

pub fn core_err(e: tusk_core::Error) -> PyErr {
    use tusk_core::Error as E;
    let msg = e.to_string();
    match e {
        E::Shape(_) => ShapeError::new_err(msg),
        E::Config(_) => ConfigError::new_err(msg),
        E::Unsupported(_) => UnsupportedError::new_err(msg),
        E::Data(_) => DataError::new_err(msg),
        E::State(_) => StateError::new_err(msg),
        E::Io { .. } => TuskIOError::new_err(msg),
        E::Format { .. } => FormatError::new_err(msg),
    }
}

pub fn dist_err(e: tusk_dist::Error) -> PyErr {
    use tusk_dist::Error as E;
    let msg = e.to_string();
    match e {
        E::Core(c) => core_err(c),
        E::Data(d) => data_err(d),
        E::Protocol(_) => ProtocolError::new_err(msg),
        E::Auth(_) => AuthError::new_err(msg),
        E::Timeout(_) => TuskTimeoutError::new_err(msg),
        E::Io { .. } | E::Checkpoint(_) => TuskIOError::new_err(msg),
        E::Config(_) => ConfigError::new_err(msg),
        E::WorkerLost(_) => WorkerLostError::new_err(msg),
        E::Server(_) => ServerError::new_err(msg),
    }
}

pub fn data_err(e: tusk_data::Error) -> PyErr {
    use tusk_data::Error as E;
    let msg = e.to_string();
    match e {
        E::Io { .. } => TuskIOError::new_err(msg),
        E::Format { .. } => FormatError::new_err(msg),
        E::Shape(_) => ShapeError::new_err(msg),
        E::Config(_) => ConfigError::new_err(msg),
        E::Data(_) => DataError::new_err(msg),
    }
}
