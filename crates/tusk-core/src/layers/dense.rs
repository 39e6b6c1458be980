//! `Dense`: `y = activation(x · kernel + bias)` on the last axis.
//!
//! Input `[batch, ..., in]`, output `[batch, ..., units]`; weights `kernel [in, units]`,
//! `bias [units]`. Leading axes after the batch are treated as more rows, as in Keras.

use super::fused_activation::FusedActivation;
use super::kernel_options::{self, KernelOptions};
use super::{single_input, Ctx, Layer, ParamSpec};
use crate::activations::Activation;
use crate::error::Result;
use crate::kernels::{add_row_bias, col_sums_into, matmul, Mat};
use crate::keras::layer_config::{base_config, LayerConfig};
use serde_json::{Map, Value};

pub struct Dense {
    name: String,
    trainable: bool,
    units: usize,
    input_dim: usize,
    rows_per_sample: usize,
    use_bias: bool,
    activation: FusedActivation,
    params: Vec<ParamSpec>,
    out_shape: Vec<usize>,
}

impl Dense {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let input = single_input(cfg, inputs, 1..=8)?;
        let units = cfg.usize("units")?;
        let opts = KernelOptions::read(cfg)?;
        cfg.unsupported_unless_null(&["lora_rank", "quantization_config"])?;
        cfg.ignore(&["lora_alpha"]);
        cfg.finish()?;
        let input_dim = *input.last().unwrap();
        let params = opts.params(vec![input_dim, units], units);
        let mut out_shape = input.to_vec();
        *out_shape.last_mut().unwrap() = units;
        Ok(Dense {
            name: cfg.name.clone(),
            trainable: cfg.trainable(),
            units,
            input_dim,
            rows_per_sample: input[..input.len() - 1].iter().product(),
            use_bias: opts.use_bias,
            activation: FusedActivation::new(opts.activation),
            params,
            out_shape,
        })
    }
}

impl Layer for Dense {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        "Dense"
    }
    fn output_shape(&self) -> &[usize] {
        &self.out_shape
    }
    fn params(&self) -> &[ParamSpec] {
        &self.params
    }
    fn set_capacity(&mut self, batch: usize) {
        self.activation.set_capacity(batch * self.rows_per_sample * self.units);
    }
    fn hand_activation_to_loss(&mut self, which: Option<Activation>) -> bool {
        self.activation.hand_to_loss(which)
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], p: &[f32], y: &mut [f32]) {
        let rows = ctx.batch * self.rows_per_sample;
        let (kernel, bias) = p.split_at(self.input_dim * self.units);
        matmul(y, Mat::new(x[0], rows, self.input_dim), Mat::new(kernel, self.input_dim, self.units), false);
        if self.use_bias {
            add_row_bias(y, bias);
        }
        self.activation.forward(y, self.units);
    }

    fn backward(&mut self, batch: usize, x: &[&[f32]], y: &[f32], dy: &mut [f32], p: &[f32], dp: &mut [f32], dx: &mut [&mut [f32]]) {
        let rows = batch * self.rows_per_sample;
        let (n_in, n_out) = (self.input_dim, self.units);
        self.activation.backward(y, dy, n_out);
        let (dkernel, dbias) = dp.split_at_mut(n_in * n_out);
        matmul(dkernel, Mat::t(x[0], n_in, rows), Mat::new(dy, rows, n_out), false);
        if self.use_bias {
            col_sums_into(dbias, dy, n_out);
        }
        if !dx[0].is_empty() {
            matmul(dx[0], Mat::new(dy, rows, n_out), Mat::t(&p[..n_in * n_out], n_out, n_in), false);
        }
    }

    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, self.trainable);
        m.insert("units".into(), self.units.into());
        kernel_options::write(&mut m, self.activation.activation, &self.params);
        m
    }
}
