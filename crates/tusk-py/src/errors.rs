//! Rust errors as Python exceptions: one class per error kind, all under `TuskError`, the
//! message being the Rust error's own text (it names the layer, shape, field or file).

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(tusk, TuskError, PyException, "Base class of every tusk error.");
create_exception!(tusk, ShapeError, TuskError, "Shapes that do not fit (layer inputs, labels, weights).");
create_exception!(tusk, ConfigError, TuskError, "A malformed model, layer, loss, optimizer or job configuration.");
create_exception!(tusk, UnsupportedError, TuskError, "A Keras feature tusk does not implement.");
create_exception!(tusk, DataError, TuskError, "Data that cannot be trained on (NaN, labels out of range, empty).");
create_exception!(tusk, StateError, TuskError, "A call in the wrong order (fit before compile).");
create_exception!(tusk, TuskIOError, TuskError, "A file or socket that failed.");
create_exception!(tusk, FormatError, TuskError, "A file whose content is not what its format promises.");
create_exception!(tusk, ProtocolError, TuskError, "A malformed frame or message between server and worker.");
create_exception!(tusk, AuthError, TuskError, "A wrong or missing job token.");
create_exception!(tusk, TuskTimeoutError, TuskError, "A network call or wait that ran past its limit.");
create_exception!(tusk, WorkerLostError, TuskError, "A worker died or left and the job cannot go on.");
create_exception!(tusk, ServerError, TuskError, "The parameter server refused a request.");

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
        E::Protocol(_) => ProtocolError::new_err(msg),
        E::Auth(_) => AuthError::new_err(msg),
        E::Timeout(_) => TuskTimeoutError::new_err(msg),
        E::Io { .. } => TuskIOError::new_err(msg),
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
