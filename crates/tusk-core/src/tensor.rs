//! `Tensor`: an owned, row-major, `f32` array with a shape; the unit of data exchange.
//!
//! Shapes put the batch (sample) axis first and channels last, as Keras does:
//! Dense inputs `[n, features]`, images `[n, height, width, channels]`, sequences `[n, steps, features]`.
//! Integer data (class labels, token ids) is carried as exact `f32` values.

use crate::error::{Error, Result};

/// An owned `f32` array with a shape; `data.len() == shape.iter().product()`.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    data: Vec<f32>,
    shape: Vec<usize>,
}

impl Tensor {
    /// Wraps `data` with `shape`, checking that the sizes agree.
    pub fn new(data: Vec<f32>, shape: Vec<usize>) -> Result<Self> {
        let want: usize = shape.iter().product();
        if want != data.len() {
            return Err(Error::shape(format!(
                "tensor of shape {shape:?} needs {want} values, got {}",
                data.len()
            )));
        }
        Ok(Tensor { data, shape })
    }

    /// A tensor of zeros.
    pub fn zeros(shape: Vec<usize>) -> Self {
        Tensor { data: vec![0.0; shape.iter().product()], shape }
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    pub fn data(&self) -> &[f32] {
        &self.data
    }
    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }
    pub fn into_data(self) -> Vec<f32> {
        self.data
    }

    /// Number of samples: the size of the first axis (0 for a scalar).
    pub fn rows(&self) -> usize {
        self.shape.first().copied().unwrap_or(0)
    }

    /// Values per sample: the product of all axes but the first.
    pub fn row_len(&self) -> usize {
        self.shape.iter().skip(1).product()
    }

    /// The values of sample `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        let n = self.row_len();
        &self.data[i * n..(i + 1) * n]
    }

    /// The per-sample shape (all axes but the first).
    pub fn sample_shape(&self) -> &[usize] {
        &self.shape[1.min(self.shape.len())..]
    }

    /// Same data, new shape with the same number of values.
    pub fn reshape(self, shape: Vec<usize>) -> Result<Self> {
        Tensor::new(self.data, shape)
    }

    /// Samples `start..end` as a new tensor.
    pub fn slice_rows(&self, start: usize, end: usize) -> Tensor {
        let n = self.row_len();
        let mut shape = self.shape.clone();
        shape[0] = end - start;
        Tensor { data: self.data[start * n..end * n].to_vec(), shape }
    }

    /// The samples at `indices`, in that order.
    pub fn gather_rows(&self, indices: &[usize]) -> Tensor {
        let n = self.row_len();
        let mut data = Vec::with_capacity(indices.len() * n);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        let mut shape = self.shape.clone();
        shape[0] = indices.len();
        Tensor { data, shape }
    }

    /// Fails with a message naming `what` if any value is NaN or infinite.
    pub fn check_finite(&self, what: &str) -> Result<()> {
        if let Some(pos) = self.data.iter().position(|v| !v.is_finite()) {
            let row = pos / self.row_len().max(1);
            return Err(Error::data(format!(
                "{what} contains a non-finite value ({}) in sample {row}",
                self.data[pos]
            )));
        }
        Ok(())
    }

    /// Index of the largest value in each row (the predicted class).
    pub fn argmax_rows(&self) -> Vec<usize> {
        (0..self.rows()).map(|i| argmax(self.row(i))).collect()
    }
}

/// Index of the largest value (first one on ties); 0 for an empty slice.
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_checks_size() {
        assert!(Tensor::new(vec![0.0; 5], vec![2, 3]).is_err());
        let t = Tensor::new(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], vec![2, 3]).unwrap();
        assert_eq!(t.rows(), 2);
        assert_eq!(t.row(1), &[3.0, 4.0, 5.0]);
        assert_eq!(t.gather_rows(&[1, 0]).data(), &[3.0, 4.0, 5.0, 0.0, 1.0, 2.0]);
        assert_eq!(t.argmax_rows(), vec![2, 2]);
    }

    #[test]
    fn check_finite_names_the_sample() {
        let t = Tensor::new(vec![0.0, 1.0, f32::NAN, 3.0], vec![2, 2]).unwrap();
        let msg = t.check_finite("x").unwrap_err().to_string();
        assert!(msg.contains("sample 1"), "{msg}");
    }
}
