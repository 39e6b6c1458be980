//! The options every Keras recurrent layer shares (`LSTM`, `GRU`, `SimpleRNN`): read
//! strictly from a Keras config, turned into the layer's weights, and written back as
//! Keras 3 writes them.
//!
//! Input `[batch, timesteps, features]`; output `[batch, units]`, or `[batch, timesteps,
//! units]` with `return_sequences`. Weights, with `g` gates (SimpleRNN 1, GRU 3, LSTM 4):
//! `kernel [features, g*units]`, `recurrent_kernel [units, g*units]`, `bias [g*units]`
//! (GRU with `reset_after`: `bias [2, 3*units]`, input bias then recurrent bias).

use super::super::{single_input, ParamSpec};
use crate::activations::Activation;
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::keras::layer_config::{base_config, LayerConfig};
use serde_json::{json, Map, Value};

/// Which recurrent cell, with its cell-specific option.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Cell {
    SimpleRnn,
    Lstm { unit_forget_bias: bool },
    Gru { reset_after: bool },
}

impl Cell {
    /// Number of gate blocks of `units` columns in the kernels.
    pub fn gates(self) -> usize {
        match self {
            Cell::SimpleRnn => 1,
            Cell::Gru { .. } => 3,
            Cell::Lstm { .. } => 4,
        }
    }
    fn class(self) -> &'static str {
        match self {
            Cell::SimpleRnn => "SimpleRNN",
            Cell::Gru { .. } => "GRU",
            Cell::Lstm { .. } => "LSTM",
        }
    }
}

/// A recurrent layer's options and shapes.
pub(super) struct RnnOptions {
    pub name: String,
    pub trainable: bool,
    pub cell: Cell,
    pub units: usize,
    pub steps: usize,
    pub features: usize,
    pub activation: Activation,
    pub recurrent_activation: Activation,
    pub use_bias: bool,
    pub return_sequences: bool,
    pub go_backwards: bool,
    pub out_shape: Vec<usize>,
    pub params: Vec<ParamSpec>,
    /// The bias initialiser as configured (before `unit_forget_bias` is applied).
    bias_init: Initializer,
}

/// Options that change nothing tusk computes (`implementation` is Keras 2's kernel choice).
const IGNORED: &[&str] = &["unroll", "zero_output_for_mask", "seed", "implementation"];

impl RnnOptions {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let input = single_input(cfg, inputs, 2..=2)?;
        let (steps, features) = (input[0], input[1]);
        if steps == 0 {
            return Err(Error::shape(format!("{}: needs at least one timestep, got input shape [None, 0, {features}]", cfg.who())));
        }
        let cell = match cfg.class {
            "LSTM" => Cell::Lstm { unit_forget_bias: cfg.bool("unit_forget_bias", true)? },
            "GRU" => Cell::Gru { reset_after: cfg.bool("reset_after", true)? },
            _ => Cell::SimpleRnn,
        };
        let units = cfg.usize("units")?;
        if units == 0 {
            return Err(Error::config(format!("{}: option units must be positive", cfg.who())));
        }
        let named = |key, default| if cfg.raw(key).is_some() { cfg.activation(key) } else { Ok(default) };
        let activation = named("activation", Activation::Tanh)?;
        let recurrent_activation =
            if cell == Cell::SimpleRnn { Activation::Linear } else { named("recurrent_activation", Activation::Sigmoid)? };
        let use_bias = cfg.bool("use_bias", true)?;
        let return_sequences = cfg.bool("return_sequences", false)?;
        let go_backwards = cfg.bool("go_backwards", false)?;
        let kernel_init = cfg.initializer("kernel_initializer", Initializer::glorot_uniform())?;
        let recurrent_init = cfg.initializer("recurrent_initializer", Initializer::Orthogonal { gain: 1.0 })?;
        let bias_init = cfg.initializer("bias_initializer", Initializer::Zeros)?;
        for key in ["return_state", "stateful", "time_major"] {
            cfg.require(key, &[json!(false)])?;
        }
        for key in ["dropout", "recurrent_dropout"] {
            let rate = cfg.f32(key, 0.0)?;
            if rate != 0.0 {
                return Err(Error::unsupported(format!("{}: option {key}={rate} is not supported (only 0)", cfg.who())));
            }
        }
        cfg.unsupported_unless_null(&[
            "kernel_regularizer",
            "recurrent_regularizer",
            "bias_regularizer",
            "activity_regularizer",
            "kernel_constraint",
            "recurrent_constraint",
            "bias_constraint",
        ])?;
        cfg.ignore(IGNORED);
        cfg.finish()?;

        let width = cell.gates() * units;
        let mut params = vec![
            ParamSpec::new("kernel", vec![features, width], kernel_init),
            ParamSpec::new("recurrent_kernel", vec![units, width], recurrent_init),
        ];
        if use_bias {
            let (shape, init) = match cell {
                Cell::Gru { reset_after: true } => (vec![2, width], bias_init.clone()),
                Cell::Lstm { unit_forget_bias: true } => (vec![width], Initializer::UnitForgetBias(Box::new(bias_init.clone()))),
                _ => (vec![width], bias_init.clone()),
            };
            params.push(ParamSpec::new("bias", shape, init));
        }
        Ok(RnnOptions {
            name: cfg.name.clone(),
            trainable: cfg.trainable(),
            cell,
            units,
            steps,
            features,
            activation,
            recurrent_activation,
            use_bias,
            return_sequences,
            go_backwards,
            out_shape: if return_sequences { vec![steps, units] } else { vec![units] },
            params,
            bias_init,
        })
    }

    pub fn class_name(&self) -> &'static str {
        self.cell.class()
    }

    /// The Keras 3 config, keys in Keras' order.
    pub fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, self.trainable);
        let mut put = |k: &str, v: Value| {
            m.insert(k.into(), v);
        };
        put("return_sequences", self.return_sequences.into());
        put("return_state", false.into());
        put("go_backwards", self.go_backwards.into());
        put("stateful", false.into());
        put("unroll", false.into());
        put("zero_output_for_mask", false.into());
        put("units", self.units.into());
        put("activation", self.activation.to_config());
        if self.cell != Cell::SimpleRnn {
            put("recurrent_activation", self.recurrent_activation.to_config());
        }
        put("use_bias", self.use_bias.into());
        put("kernel_initializer", self.params[0].init.to_config());
        put("recurrent_initializer", self.params[1].init.to_config());
        put("bias_initializer", self.bias_init.to_config());
        if let Cell::Lstm { unit_forget_bias } = self.cell {
            put("unit_forget_bias", unit_forget_bias.into());
        }
        for k in ["kernel", "recurrent", "bias", "activity"] {
            put(&format!("{k}_regularizer"), Value::Null);
        }
        for k in ["kernel", "recurrent", "bias"] {
            put(&format!("{k}_constraint"), Value::Null);
        }
        put("dropout", json!(0.0));
        put("recurrent_dropout", json!(0.0));
        if let Cell::Gru { reset_after } = self.cell {
            put("reset_after", reset_after.into());
        }
        if self.cell != Cell::SimpleRnn {
            put("seed", Value::Null);
        }
        m
    }

    /// Whether the pre-activation gate values must be kept for backward.
    pub fn keeps_preactivations(&self) -> bool {
        self.activation.needs_input() || self.recurrent_activation.needs_input()
    }
}
