//! Class-index labels to one-hot rows, as `keras.utils.to_categorical` does.
//!
//! Contract: labels are a tensor of shape `[n]` or `[n, 1]` holding class indices as exact,
//! non-negative integer `f32`s. [`to_categorical`] returns `[n, num_classes]` with a single 1.0
//! per row; [`class_indices`] returns the validated indices. Errors name the offending sample
//! and value. Indices above 2^24 are refused (f32 cannot hold them exactly).

use tusk_core::Tensor;

use crate::error::{Error, Result};
use crate::fileio::try_zeros;

/// Largest class index accepted: every integer up to 2^24 is exact in `f32`.
pub const MAX_CLASS_INDEX: usize = 1 << 24;

/// The number of classes implied by `labels`: the largest finite, non-negative value (floored)
/// plus one; 0 when there is none. Use [`class_indices`] to validate the values themselves.
pub fn num_classes(labels: &Tensor) -> usize {
    labels
        .data()
        .iter()
        .filter(|v| v.is_finite() && **v >= 0.0)
        .map(|&v| (v as usize).min(MAX_CLASS_INDEX) + 1)
        .max()
        .unwrap_or(0)
}

fn check_label_shape(labels: &Tensor) -> Result<()> {
    match labels.shape() {
        [_] | [_, 1] => Ok(()),
        s => Err(Error::shape(format!(
            "labels must have shape [n] or [n, 1] of class indices, got {s:?}"
        ))),
    }
}

/// The labels as class indices, checked to be integers in `0..num_classes` (when given).
pub fn class_indices(labels: &Tensor, num_classes: Option<usize>) -> Result<Vec<usize>> {
    check_label_shape(labels)?;
    labels
        .data()
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0) {
                return Err(Error::data(format!(
                    "label {v} of sample {i} is not a class index (a non-negative integer)"
                )));
            }
            let c = v as usize;
            match num_classes {
                Some(k) if c >= k => Err(Error::data(format!(
                    "label {v} of sample {i} is out of range for {k} classes (0..{k})"
                ))),
                _ if c > MAX_CLASS_INDEX => Err(Error::data(format!(
                    "label {v} of sample {i} is too large for a class index (max {MAX_CLASS_INDEX})"
                ))),
                _ => Ok(c),
            }
        })
        .collect()
}

/// One-hot encodes class-index labels into `[n, num_classes]`; `None` uses the largest label + 1.
pub fn to_categorical(labels: &Tensor, num_classes: Option<usize>) -> Result<Tensor> {
    let idx = class_indices(labels, num_classes)?;
    let k = num_classes.unwrap_or_else(|| idx.iter().max().map_or(0, |m| m + 1));
    let n = idx.len();
    let Some(mut out) = try_zeros(n.checked_mul(k)) else {
        return Err(Error::data(format!("one-hot matrix of {n} x {k} is too large to allocate")));
    };
    for (i, &c) in idx.iter().enumerate() {
        out[i * k + c] = 1.0;
    }
    Ok(Tensor::new(out, vec![n, k])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], shape: &[usize]) -> Tensor {
        Tensor::new(v.to_vec(), shape.to_vec()).unwrap()
    }

    #[test]
    fn one_hot_like_keras() {
        // keras.utils.to_categorical([0, 2, 1, 2]) ->
        // [[1,0,0],[0,0,1],[0,1,0],[0,0,1]]
        let y = to_categorical(&t(&[0.0, 2.0, 1.0, 2.0], &[4]), None).unwrap();
        assert_eq!(y.shape(), &[4, 3]);
        assert_eq!(y.data(), &[1., 0., 0., 0., 0., 1., 0., 1., 0., 0., 0., 1.]);
        let y = to_categorical(&t(&[1.0, 0.0], &[2, 1]), Some(4)).unwrap();
        assert_eq!(y.data(), &[0., 1., 0., 0., 1., 0., 0., 0.]);
        assert_eq!(num_classes(&t(&[3.0, 9.0, 1.0], &[3])), 10);
        assert_eq!(num_classes(&t(&[], &[0])), 0);
        assert_eq!(to_categorical(&t(&[], &[0]), None).unwrap().shape(), &[0, 0]);
    }

    #[test]
    fn bad_labels_name_the_sample() {
        for (v, want) in [
            (-1.0, "label -1 of sample 1 is not a class index"),
            (1.5, "label 1.5 of sample 1 is not a class index"),
            (f32::NAN, "label NaN of sample 1"),
            (5.0, "label 5 of sample 1 is out of range for 3 classes"),
        ] {
            let msg = to_categorical(&t(&[0.0, v], &[2]), Some(3)).unwrap_err().to_string();
            assert!(msg.contains(want), "{msg}");
        }
        let msg = to_categorical(&t(&[0.0, 1e30], &[2]), None).unwrap_err().to_string();
        assert!(msg.contains("too large"), "{msg}");
        let msg = to_categorical(&t(&[0.0; 4], &[2, 2]), None).unwrap_err().to_string();
        assert!(msg.contains("[n] or [n, 1]") && msg.contains("[2, 2]"), "{msg}");
    }
}
