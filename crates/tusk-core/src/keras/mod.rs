//! Keras compatibility: reading and writing Keras' model JSON (`model.to_json()`, Keras 3
//! and tf.keras 2 styles) and strict reading of each layer's config.

pub mod layer_config;
mod model_json;

pub use model_json::{model_from_json, model_spec_from_json, model_to_json};
