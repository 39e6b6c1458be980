//! Layers: the [`Layer`] trait and one file per Keras layer family, plus [`build_layer`],
//! which turns a Keras `{class_name, config}` into a layer for given input shapes.

mod activation;
mod batch_norm;
mod batch_norm_config;
mod conv;
mod dense;
mod dot;
mod dropout;
mod fused_activation;
mod embedding;
mod global_pool;
mod kernel_options;
#[cfg(test)]
mod grad_check;
mod layer;
mod merge;
mod pool;
mod recurrent;
mod reshape;

pub use layer::{Ctx, Layer, ParamSpec};
pub use reshape::ShapeLayer;

use crate::error::{Error, Result};
use crate::keras::layer_config::LayerConfig;
use std::ops::RangeInclusive;

/// The Keras layer classes tusk implements.
pub const SUPPORTED: &[&str] = &[
    "InputLayer", "Dense", "Activation", "LeakyReLU", "Dropout", "Flatten", "Reshape", "Conv1D", "Conv2D",
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "BatchNormalization", "Embedding",
    "SimpleRNN", "LSTM", "GRU", "Dot",
];

/// Builds the layer described by `cfg` for inputs of per-sample shapes `inputs`.
pub fn build_layer(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Box<dyn Layer>> {
    Ok(match cfg.class {
        "Dense" => Box::new(dense::Dense::from_config(cfg, inputs)?),
        "Activation" | "LeakyReLU" => Box::new(activation::ActivationLayer::from_config(cfg, inputs)?),
        "Dropout" => Box::new(dropout::Dropout::from_config(cfg, inputs)?),
        "Flatten" | "Reshape" => Box::new(ShapeLayer::from_config(cfg, inputs)?),
        "Conv1D" | "Conv2D" => Box::new(conv::Conv::from_config(cfg, inputs)?),
        "MaxPooling1D" | "MaxPooling2D" | "AveragePooling1D" | "AveragePooling2D" => Box::new(pool::Pool::from_config(cfg, inputs)?),
        "GlobalAveragePooling1D" | "GlobalAveragePooling2D" => Box::new(global_pool::GlobalAveragePooling::from_config(cfg, inputs)?),
        "GlobalMaxPooling1D" | "GlobalMaxPooling2D" => Box::new(global_pool::GlobalMaxPooling::from_config(cfg, inputs)?),
        "BatchNormalization" => Box::new(batch_norm::BatchNorm::from_config(cfg, inputs)?),
        "Embedding" => Box::new(embedding::Embedding::from_config(cfg, inputs)?),
        "SimpleRNN" => Box::new(recurrent::SimpleRnn::from_config(cfg, inputs)?),
        "LSTM" => Box::new(recurrent::Lstm::from_config(cfg, inputs)?),
        "GRU" => Box::new(recurrent::Gru::from_config(cfg, inputs)?),
        "Dot" => Box::new(dot::Dot::from_config(cfg, inputs)?),
        "Add" | "Subtract" | "Multiply" | "Average" | "Maximum" | "Minimum" | "Concatenate" => {
            Box::new(merge::Merge::from_config(cfg, inputs)?)
        }
        other => {
            return Err(Error::unsupported(format!(
                "layer class '{other}' (layer '{}'); supported: {}",
                cfg.name,
                SUPPORTED.join(", ")
            )))
        }
    })
}

/// The one input shape of a single-input layer, whose rank (axes after the batch) must lie in `rank`.
pub(crate) fn single_input<'a>(cfg: &LayerConfig, inputs: &'a [Vec<usize>], rank: RangeInclusive<usize>) -> Result<&'a [usize]> {
    match inputs {
        [one] if rank.contains(&one.len()) => Ok(one),
        [one] => Err(Error::shape(format!(
            "{}: expects inputs of rank {} (batch axis included), got shape [None, {}]",
            cfg.who(),
            if rank.start() == rank.end() { format!("{}", rank.start() + 1) } else { format!("{}..{}", rank.start() + 1, rank.end() + 1) },
            one.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
        ))),
        _ => Err(Error::config(format!("{}: expects one input, got {}", cfg.who(), inputs.len()))),
    }
}
