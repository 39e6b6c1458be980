//! Data moved into a model's layout: features reshaped to the model's (single) input when only
//! the layout differs (28x28 images into a 784-wide Dense input), class-index labels one-hot
//! encoded for `categorical_crossentropy`, 1-D targets made `[n, 1]` for element-wise losses.

use crate::error::{Error, Result};
use crate::{to_categorical, Dataset};
use tusk_core::{Loss, Model, Tensor};

/// Features shaped as the model's (single) input.
pub fn features_for(model: &Model, x: Tensor) -> Result<Tensor> {
    let shapes = model.input_shapes();
    if shapes.len() != 1 {
        return Err(Error::shape(format!("single-input data for a model with {} inputs", shapes.len())));
    }
    let want = &shapes[0];
    if x.sample_shape() == want.as_slice() {
        return Ok(x);
    }
    let size: usize = want.iter().product();
    if x.row_len() != size {
        return Err(Error::shape(format!("the model expects samples of shape {want:?} ({size} values), the data has samples of shape {:?}", x.sample_shape())));
    }
    let n = x.rows();
    Ok(x.reshape([vec![n], want.clone()].concat())?)
}

/// Labels as the loss of the model's first output wants them.
pub fn targets_for(model: &Model, y: Tensor) -> Result<Tensor> {
    target_for_output(model, 0, y)
}

/// Labels as the loss of output `output` wants them.
pub fn target_for_output(model: &Model, output: usize, y: Tensor) -> Result<Tensor> {
    let shapes = model.output_shapes();
    let out = shapes.get(output).ok_or_else(|| Error::shape(format!("targets for output {output}, but the model has {} output(s)", shapes.len())))?;
    let k = *out.last().unwrap_or(&1);
    let loss = &model.compiled().ok_or_else(|| Error::config("the model is not compiled"))?.losses[output];
    let is_index = y.sample_shape().is_empty() || (y.sample_shape() == [1] && k > 1);
    if matches!(loss, Loss::CategoricalCrossentropy { .. }) && is_index && k > 1 {
        return to_categorical(&y, Some(k));
    }
    if y.sample_shape().is_empty() && !loss.is_sparse() {
        let n = y.rows();
        return Ok(y.reshape(vec![n, 1])?);
    }
    Ok(y)
}

/// Features and targets of a labelled dataset in the model's layout; `what` names the data
/// in the error when it has no labels.
pub fn fit_to_model(model: &Model, ds: Dataset, what: &str) -> Result<(Tensor, Tensor)> {
    let y = ds.y.ok_or_else(|| Error::data(format!("{what} has no labels")))?;
    Ok((features_for(model, ds.x)?, targets_for(model, y)?))
}
