//! Data moved into a model's layout: features reshaped to the model's (single) input when only
//! the layout differs (28x28 images into a 784-wide Dense input), one feature table split by
//! columns into a multi-input model's inputs (Elephas' `hsplit`: rows of `sum(input sizes)`
//! values), class-index labels one-hot encoded for `categorical_crossentropy`, 1-D targets made
//! `[n, 1]` for element-wise losses.

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

/// One feature table as the model's inputs: [`features_for`] for a single-input model; for
/// several inputs, each row's values split in order into the inputs' sizes and shapes.
pub fn inputs_for(model: &Model, x: Tensor) -> Result<Vec<Tensor>> {
    let shapes = model.input_shapes();
    if shapes.len() == 1 {
        return Ok(vec![features_for(model, x)?]);
    }
    let sizes: Vec<usize> = shapes.iter().map(|s| s.iter().product()).collect();
    let total: usize = sizes.iter().sum();
    if x.row_len() != total {
        return Err(Error::shape(format!(
            "one feature table for a model with {} inputs of shapes {shapes:?}: each row must hold their {total} values              side by side, the data has {} per row",
            shapes.len(),
            x.row_len()
        )));
    }
    let n = x.rows();
    let mut at = 0;
    let mut out = Vec::with_capacity(shapes.len());
    for (shape, &size) in shapes.iter().zip(&sizes) {
        let data = x.data().chunks_exact(total.max(1)).take(n).flat_map(|row| row[at..at + size].iter().copied()).collect();
        out.push(Tensor::new(data, [vec![n], shape.clone()].concat())?);
        at += size;
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn two_input_model() -> Model {
        // Elephas' recommender test: two (1,)-inputs.
        let spec = json!({"class_name": "Functional", "config": {"name": "m", "layers": [
            {"class_name": "InputLayer", "name": "a", "config": {"batch_shape": [null, 1], "name": "a"}, "inbound_nodes": []},
            {"class_name": "InputLayer", "name": "b", "config": {"batch_shape": [null, 2], "name": "b"}, "inbound_nodes": []},
            {"class_name": "Concatenate", "name": "c", "config": {"name": "c", "axis": -1},
             "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]]}],
            "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["c", 0, 0]]}});
        tusk_core::keras::model_from_json(&spec.to_string(), 0).unwrap()
    }

    #[test]
    fn one_table_is_split_by_columns_into_the_inputs() {
        let model = two_input_model();
        let x = Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![2, 3]).unwrap();
        let parts = inputs_for(&model, x).unwrap();
        assert_eq!(parts[0].shape(), &[2, 1]);
        assert_eq!(parts[0].data(), &[1.0, 4.0]);
        assert_eq!(parts[1].data(), &[2.0, 3.0, 5.0, 6.0]);
        let bad = Tensor::new(vec![0.0; 4], vec![2, 2]).unwrap();
        let e = inputs_for(&model, bad).unwrap_err().to_string();
        assert!(e.contains("3 values") && e.contains("2 per row"), "{e}");
    }
}
