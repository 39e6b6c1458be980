//! `tusk._tusk`: the Python extension module. Thin wrappers over tusk-core (`Model`) and
//! tusk-dist (`job_spec`, `ParameterServer`, `run_worker`, `train_local`); numpy arrays in
//! and out; every error kind its own exception class under `TuskError` (`errors.rs`).
//! The contract is `python/tusk/_tusk.pyi`.

mod arrays;
mod dist;
mod errors;
mod model;

use numpy::{PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::prelude::*;

/// Class indices (any shape `[n]` or `[n, 1]`) as float32 one-hot rows.
#[pyfunction]
#[pyo3(signature = (labels, num_classes = None))]
fn to_categorical<'py>(py: Python<'py>, labels: PyReadonlyArrayDyn<'py, f32>, num_classes: Option<usize>) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
    let t = arrays::tensor(&labels, "labels")?;
    arrays::to_numpy(py, tusk_data::to_categorical(&t, num_classes).map_err(errors::data_err)?)
}

#[pymodule]
fn _tusk(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<model::PyModel>()?;
    m.add_class::<dist::PyParameterServer>()?;
    m.add_function(wrap_pyfunction!(to_categorical, m)?)?;
    m.add_function(wrap_pyfunction!(dist::job_spec, m)?)?;
    m.add_function(wrap_pyfunction!(dist::train_local, m)?)?;
    m.add_function(wrap_pyfunction!(dist::run_worker, m)?)?;
    m.add_function(wrap_pyfunction!(dist::merge_reports, m)?)?;
    // The one list of each kind of name: Python reads them here.
    m.add("MODES", tusk_dist::Algorithm::modes())?;
    m.add("TRAINERS", tusk_dist::Algorithm::trainers())?;
    m.add("FREQUENCIES", tusk_dist::Frequency::ALL.map(tusk_dist::Frequency::name).to_vec())?;
    m.add("JOB_SETTINGS", tusk_dist::JobSettings::names())?;
    m.add("SERVER_SETTINGS", tusk_dist::ServerSettings::names())?;
    Ok(())
}
