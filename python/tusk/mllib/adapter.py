"""Elephas' `elephas.mllib.adapter`: MLlib vectors and matrices to and from numpy.

- `from_vector(v)` → 1-D array; `to_vector(a)` → `DenseVector` (1-D arrays only);
- `from_matrix(m)` → 2-D array (rows × columns); `to_matrix(a)` → `DenseMatrix` of a 2-D array.
MLlib matrices are column-major: `to_matrix` passes the values in that order (Elephas passed
them row-major, which transposed every non-square matrix).
"""
import numpy as np


def from_vector(vector) -> np.ndarray:
    return vector.toArray()


def to_vector(array):
    from pyspark.mllib.linalg import Vectors

    array = np.asarray(array)
    if array.ndim != 1:
        raise ValueError(f"an MLlib Vector can only be created from a one-dimensional numpy array, got {array.ndim} dimensions")
    return Vectors.dense(array)


def from_matrix(matrix) -> np.ndarray:
    return matrix.toArray()


def to_matrix(array):
    from pyspark.mllib.linalg import Matrices

    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"an MLlib Matrix can only be created from a two-dimensional numpy array, got {array.ndim} dimensions")
    return Matrices.dense(array.shape[0], array.shape[1], array.ravel(order="F").tolist())
