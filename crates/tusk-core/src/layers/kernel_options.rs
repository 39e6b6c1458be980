//! The options Keras' kernel layers (`Dense`, `Conv1D`, `Conv2D`) share: activation,
//! `use_bias`, kernel and bias initialisers, and the regularizers and constraints tusk
//! refuses. Read once here, written back here, so the layers agree with each other.

use super::ParamSpec;
use crate::activations::Activation;
use crate::error::Result;
use crate::init::Initializer;
use crate::keras::layer_config::LayerConfig;
use serde_json::{Map, Value};

const REFUSED: [&str; 5] = ["kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"];

pub struct KernelOptions {
    pub activation: Activation,
    pub use_bias: bool,
    pub kernel_init: Initializer,
    pub bias_init: Initializer,
}

impl KernelOptions {
    pub fn read(cfg: &LayerConfig) -> Result<Self> {
        let opts = KernelOptions {
            activation: cfg.activation("activation")?,
            use_bias: cfg.bool("use_bias", true)?,
            kernel_init: cfg.initializer("kernel_initializer", Initializer::glorot_uniform())?,
            bias_init: cfg.initializer("bias_initializer", Initializer::Zeros)?,
        };
        cfg.unsupported_unless_null(&REFUSED)?;
        Ok(opts)
    }

    /// The weights: `kernel` of `kernel_shape`, and `bias [units]` when used.
    pub fn params(&self, kernel_shape: Vec<usize>, units: usize) -> Vec<ParamSpec> {
        let mut params = vec![ParamSpec::new("kernel", kernel_shape, self.kernel_init.clone())];
        if self.use_bias {
            params.push(ParamSpec::new("bias", vec![units], self.bias_init.clone()));
        }
        params
    }
}

/// Writes the shared options of a layer with `activation` and weights `params` (as made by
/// [`KernelOptions::params`]) into its Keras config.
pub fn write(m: &mut Map<String, Value>, activation: Activation, params: &[ParamSpec]) {
    m.insert("activation".into(), activation.to_config());
    m.insert("use_bias".into(), (params.len() > 1).into());
    m.insert("kernel_initializer".into(), params[0].init.to_config());
    let bias_init = params.get(1).map_or(Initializer::Zeros, |p| p.init.clone());
    m.insert("bias_initializer".into(), bias_init.to_config());
    for k in REFUSED {
        m.insert(k.into(), Value::Null);
    }
}
