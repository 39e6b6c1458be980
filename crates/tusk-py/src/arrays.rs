//! numpy arrays in and out: float32 arrays become `Tensor`s (one copy), `Tensor`s become
//! new numpy arrays. The Python layer makes inputs C-contiguous float32 first; anything
//! else is a `ShapeError` naming the argument.

use crate::errors::{core_err, ShapeError};
use numpy::{IntoPyArray, PyArrayDyn, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use tusk_core::Tensor;

/// A C-contiguous float32 array as a tensor (its first axis is the sample axis).
pub fn tensor(a: &PyReadonlyArrayDyn<'_, f32>, what: &str) -> PyResult<Tensor> {
    let data = a.as_slice().map_err(|_| ShapeError::new_err(format!("{what}: the array must be C-contiguous float32")))?;
    let shape = if a.ndim() == 0 { vec![1] } else { a.shape().to_vec() };
    Tensor::new(data.to_vec(), shape).map_err(core_err)
}

/// A list of arrays as tensors (`x` or `y` of a model with several inputs or outputs).
pub fn tensors(list: &[PyReadonlyArrayDyn<'_, f32>], what: &str) -> PyResult<Vec<Tensor>> {
    list.iter().enumerate().map(|(i, a)| tensor(a, &format!("{what}[{i}]"))).collect()
}

/// A flat float32 buffer from a numpy array of any shape.
pub fn flat(a: &PyReadonlyArrayDyn<'_, f32>, what: &str) -> PyResult<Vec<f32>> {
    Ok(a.as_slice().map_err(|_| ShapeError::new_err(format!("{what}: the array must be C-contiguous float32")))?.to_vec())
}

pub fn to_numpy<'py>(py: Python<'py>, t: Tensor) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
    let shape = t.shape().to_vec();
    numpy::ndarray::ArrayD::from_shape_vec(shape, t.into_data())
        .map(|a| a.into_pyarray(py))
        .map_err(|e| ShapeError::new_err(e.to_string()))
}

pub fn vec_to_numpy(py: Python<'_>, v: Vec<f32>) -> Bound<'_, PyArrayDyn<f32>> {
    let n = v.len();
    numpy::ndarray::ArrayD::from_shape_vec(vec![n], v).expect("a flat shape fits").into_pyarray(py)
}
