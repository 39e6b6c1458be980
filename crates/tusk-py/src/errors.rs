//! Rust errors as Python exceptions: one class per error kind, all under `TuskError`, the
//! message being the Rust error's own text (it names the layer, shape, field or file). The
//! classes are those of the Python module `tusk.errors`; `_tusk` re-exports them.

use pyo3::import_exception;
use pyo3::prelude::*;

// Defined once, in Python (`tusk.errors`); raised from Rust as those very classes.
import_exception!(tusk.errors, TuskError);
import_exception!(tusk.errors, ShapeError);
import_exception!(tusk.errors, ConfigError);
import_exception!(tusk.errors, UnsupportedError);
import_exception!(tusk.errors, DataError);
import_exception!(tusk.errors, StateError);
import_exception!(tusk.errors, TuskIOError);
import_exception!(tusk.errors, FormatError);
import_exception!(tusk.errors, ProtocolError);
import_exception!(tusk.errors, AuthError);
import_exception!(tusk.errors, TuskTimeoutError);
import_exception!(tusk.errors, WorkerLostError);
import_exception!(tusk.errors, ServerError);

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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("TuskError", py.get_type::<TuskError>())?;
    m.add("ShapeError", py.get_type::<ShapeError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("UnsupportedError", py.get_type::<UnsupportedError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    m.add("StateError", py.get_type::<StateError>())?;
    m.add("TuskIOError", py.get_type::<TuskIOError>())?;
    m.add("FormatError", py.get_type::<FormatError>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    m.add("AuthError", py.get_type::<AuthError>())?;
    m.add("TuskTimeoutError", py.get_type::<TuskTimeoutError>())?;
    m.add("WorkerLostError", py.get_type::<WorkerLostError>())?;
    m.add("ServerError", py.get_type::<ServerError>())?;
    Ok(())
}
