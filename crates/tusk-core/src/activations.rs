//! Keras' activation functions, forward and backward, on row-major `[rows, row_len]`
//! buffers (`softmax` normalises each row; the others are elementwise).
//!
//! Forward works in place (`z` in, `y` out). Backward turns `dy` into `dz` in place,
//! using the output `y`, and for `gelu`/`swish`/`mish`/`hard_silu` the saved input `z`
//! ([`Activation::needs_input`]). `log_softmax`, like `softmax`, works on rows.

use crate::error::{Error, Result};
use crate::traced;
use serde_json::Value;
use multiversion::multiversion;

/// A Keras activation, by its Keras name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Linear,
    Relu,
    Sigmoid,
    Tanh,
    Softmax,
    Elu,
    Selu,
    Softplus,
    Softsign,
    Gelu,
    /// `swish` and `silu` are the same function; the flag keeps the name the user wrote.
    Swish { silu: bool },
    LeakyRelu(f32),
    HardSigmoid,
    Exponential,
    /// `min(max(x, 0), 6)`.
    Relu6,
    /// `x * tanh(softplus(x))`.
    Mish,
    /// `x - logsumexp(x)` over each row.
    LogSoftmax,
    /// `x * hard_sigmoid(x)` (Keras' `hard_silu`, alias `hard_swish`).
    HardSilu,
    /// A Python function traced into an elementwise expression: its index in [`crate::traced`].
    Traced(usize),
}

const SELU_ALPHA: f32 = 1.673_263_2;
const SELU_SCALE: f32 = 1.050_701;
/// Keras 3's default slope for the `leaky_relu` activation function.
pub const LEAKY_RELU_SLOPE: f32 = 0.2;

impl Activation {
    /// Parses a Keras activation name (`None`/`"linear"` is the identity).
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "linear" | "" => Activation::Linear,
            "relu" => Activation::Relu,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "softmax" => Activation::Softmax,
            "elu" => Activation::Elu,
            "selu" => Activation::Selu,
            "softplus" => Activation::Softplus,
            "softsign" => Activation::Softsign,
            "gelu" => Activation::Gelu,
            "swish" => Activation::Swish { silu: false },
            "silu" => Activation::Swish { silu: true },
            "leaky_relu" => Activation::LeakyRelu(LEAKY_RELU_SLOPE),
            "hard_sigmoid" => Activation::HardSigmoid,
            "exponential" => Activation::Exponential,
            "relu6" => Activation::Relu6,
            "mish" => Activation::Mish,
            "log_softmax" => Activation::LogSoftmax,
            "hard_silu" | "hard_swish" => Activation::HardSilu,
            other => {
                return Err(Error::unsupported(format!(
                    "activation '{other}' (supported: linear, relu, sigmoid, tanh, softmax, elu, selu, \
                     softplus, softsign, gelu, swish, silu, leaky_relu, hard_sigmoid, exponential, relu6, \
                     mish, log_softmax, hard_silu)"
                )))
            }
        })
    }

    /// The Keras name, as written in a model config.
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softmax => "softmax",
            Activation::Elu => "elu",
            Activation::Selu => "selu",
            Activation::Softplus => "softplus",
            Activation::Softsign => "softsign",
            Activation::Gelu => "gelu",
            Activation::Swish { silu: false } => "swish",
            Activation::Swish { silu: true } => "silu",
            Activation::LeakyRelu(_) => "leaky_relu",
            Activation::HardSigmoid => "hard_sigmoid",
            Activation::Exponential => "exponential",
            Activation::Relu6 => "relu6",
            Activation::Mish => "mish",
            Activation::LogSoftmax => "log_softmax",
            Activation::HardSilu => "hard_silu",
            Activation::Traced(i) => traced::get(*i).name,
        }
    }

    /// The activation as a layer config holds it: its name, or a traced function's
    /// `{"class_name": "TracedActivation", ...}` (see [`crate::traced`]).
    pub fn to_config(&self) -> Value {
        match *self {
            Activation::Traced(i) => traced::to_config(i, "TracedActivation"),
            _ => Value::String(self.name().into()),
        }
    }

    /// Whether backward needs the pre-activation input `z` (not derivable from `y`).
    pub fn needs_input(&self) -> bool {
        matches!(self, Activation::Gelu | Activation::Swish { .. } | Activation::Mish | Activation::HardSilu | Activation::Traced(_))
    }

    /// `buf`: `z` in, `activation(z)` out. `row_len` is the softmax axis length.
    pub fn forward(&self, buf: &mut [f32], row_len: usize) {
        match *self {
            Activation::Linear => {}
            Activation::Relu => relu(buf),
            Activation::Softmax => buf.chunks_exact_mut(row_len).for_each(softmax_row),
            Activation::LogSoftmax => buf.chunks_exact_mut(row_len).for_each(log_softmax_row),
            Activation::LeakyRelu(a) => buf.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { a * *v }),
            Activation::Traced(i) => {
                let f = traced::get(i);
                buf.iter_mut().for_each(|v| *v = f.expr.value(*v, 0.0));
            }
            other => buf.iter_mut().for_each(|v| *v = other.scalar(*v)),
        }
    }

    fn scalar(&self, x: f32) -> f32 {
        match *self {
            Activation::Linear => x,
            Activation::Relu => x.max(0.0),
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => x.tanh(),
            Activation::Elu => if x > 0.0 { x } else { x.exp_m1() },
            Activation::Selu => SELU_SCALE * if x > 0.0 { x } else { SELU_ALPHA * x.exp_m1() },
            Activation::Softplus => softplus(x),
            Activation::Softsign => x / (1.0 + x.abs()),
            Activation::Gelu => 0.5 * x * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2)),
            Activation::Swish { .. } => x * sigmoid(x),
            Activation::LeakyRelu(a) => if x > 0.0 { x } else { a * x },
            Activation::HardSigmoid => hard_sigmoid(x),
            Activation::Exponential => x.exp(),
            Activation::Relu6 => x.clamp(0.0, 6.0),
            Activation::Mish => x * softplus(x).tanh(),
            Activation::HardSilu => x * hard_sigmoid(x),
            Activation::Softmax | Activation::LogSoftmax => unreachable!("softmax is not elementwise"),
            Activation::Traced(i) => traced::get(i).expr.value(x, 0.0),
        }
    }

    /// `dy` (gradient w.r.t. the output) becomes the gradient w.r.t. the input, in place.
    /// `z` must be the saved input when [`Self::needs_input`], and is ignored otherwise.
    pub fn backward(&self, z: &[f32], y: &[f32], dy: &mut [f32], row_len: usize) {
        match *self {
            Activation::Linear => {}
            Activation::Relu => relu_backward(y, dy),
            Activation::Softmax => {
                for (yr, dr) in y.chunks_exact(row_len).zip(dy.chunks_exact_mut(row_len)) {
                    let dot: f32 = yr.iter().zip(dr.iter()).map(|(a, b)| a * b).sum();
                    for (d, yv) in dr.iter_mut().zip(yr) {
                        *d = yv * (*d - dot);
                    }
                }
            }
            Activation::LogSoftmax => {
                // y = z - logsumexp(z): dz_i = dy_i - softmax_i * sum_j dy_j, softmax = exp(y).
                for (yr, dr) in y.chunks_exact(row_len).zip(dy.chunks_exact_mut(row_len)) {
                    let sum: f32 = dr.iter().sum();
                    for (d, yv) in dr.iter_mut().zip(yr) {
                        *d -= yv.exp() * sum;
                    }
                }
            }
            Activation::Traced(i) => {
                let f = traced::get(i);
                for (d, &x) in dy.iter_mut().zip(z) {
                    *d *= f.expr.dual(x, 0.0).1;
                }
            }
            Activation::Gelu | Activation::Swish { .. } | Activation::Mish | Activation::HardSilu => {
                for (d, &x) in dy.iter_mut().zip(z) {
                    *d *= self.derivative_from_input(x);
                }
            }
            _ => {
                for (d, &yv) in dy.iter_mut().zip(y) {
                    *d *= self.derivative_from_output(yv);
                }
            }
        }
    }

    fn derivative_from_input(&self, x: f32) -> f32 {
        match *self {
            Activation::Gelu => {
                let cdf = 0.5 * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2));
                let pdf = (-0.5 * x * x).exp() / (2.0 * std::f32::consts::PI).sqrt();
                cdf + x * pdf
            }
            Activation::Swish { .. } => {
                let s = sigmoid(x);
                s + x * s * (1.0 - s)
            }
            Activation::Mish => {
                // d/dx x tanh(sp(x)) = tanh(sp) + x (1 - tanh(sp)^2) sigmoid(x)
                let t = softplus(x).tanh();
                t + x * (1.0 - t * t) * sigmoid(x)
            }
            Activation::HardSilu => hard_sigmoid(x) + if x > -3.0 && x < 3.0 { x / 6.0 } else { 0.0 },
            _ => unreachable!("only gelu, swish, mish and hard_silu need the input"),
        }
    }

    fn derivative_from_output(&self, y: f32) -> f32 {
        match *self {
            Activation::Sigmoid => y * (1.0 - y),
            Activation::Tanh => 1.0 - y * y,
            Activation::Elu => if y > 0.0 { 1.0 } else { y + 1.0 },
            Activation::Selu => if y > 0.0 { SELU_SCALE } else { y + SELU_SCALE * SELU_ALPHA },
            Activation::Softplus => -(-y).exp_m1(),
            Activation::Softsign => (1.0 - y.abs()) * (1.0 - y.abs()),
            Activation::LeakyRelu(a) => if y > 0.0 { 1.0 } else { a },
            Activation::HardSigmoid => if y > 0.0 && y < 1.0 { 1.0 / 6.0 } else { 0.0 },
            Activation::Exponential => y,
            Activation::Relu6 => if y > 0.0 && y < 6.0 { 1.0 } else { 0.0 },
            _ => unreachable!("handled in backward"),
        }
    }
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Keras 3's `hard_sigmoid`: `relu6(x + 3) / 6`.
pub(crate) fn hard_sigmoid(x: f32) -> f32 {
    (x / 6.0 + 0.5).clamp(0.0, 1.0)
}

pub(crate) fn softplus(x: f32) -> f32 {
    // log(1 + e^x) without overflow.
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// Numerically stable softmax of one row, in place.
pub(crate) fn softmax_row(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    row.iter_mut().for_each(|v| *v *= inv);
}

/// `x - logsumexp(x)` of one row, in place.
pub(crate) fn log_softmax_row(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let lse = max + row.iter().map(|v| (v - max).exp()).sum::<f32>().ln();
    row.iter_mut().for_each(|v| *v -= lse);
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn relu(buf: &mut [f32]) {
    for v in buf.iter_mut() {
        *v = v.max(0.0);
    }
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn relu_backward(y: &[f32], dy: &mut [f32]) {
    for (d, &yv) in dy.iter_mut().zip(y) {
        *d = if yv > 0.0 { *d } else { 0.0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [&str; 19] = [
        "linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign", "gelu",
        "swish", "silu", "leaky_relu", "hard_sigmoid", "exponential", "relu6", "mish", "log_softmax", "hard_silu",
    ];

    #[test]
    fn names_round_trip_and_unknown_is_named() {
        for n in ALL {
            assert_eq!(Activation::parse(n).unwrap().name(), n);
        }
        assert_eq!(Activation::parse("hard_swish").unwrap(), Activation::HardSilu);
        let e = Activation::parse("sparsemax").unwrap_err().to_string();
        assert!(e.contains("'sparsemax'"), "{e}");
    }

    #[test]
    fn backward_matches_finite_differences() {
        let z: Vec<f32> = vec![-2.5, -0.7, -0.1, 0.2, 0.9, 2.2];
        let w: Vec<f32> = vec![0.3, -1.1, 0.5, 0.8, -0.4, 1.3]; // loss = sum(w * act(z))
        for n in ALL {
            let act = Activation::parse(n).unwrap();
            let loss = |z: &[f32]| {
                let mut y = z.to_vec();
                act.forward(&mut y, 3);
                y.iter().zip(&w).map(|(a, b)| (a * b) as f64).sum::<f64>()
            };
            let mut y = z.clone();
            act.forward(&mut y, 3);
            let mut d = w.clone();
            act.backward(&z, &y, &mut d, 3);
            for i in 0..z.len() {
                let h = 1e-3;
                let (mut zp, mut zm) = (z.clone(), z.clone());
                zp[i] += h;
                zm[i] -= h;
                let num = (loss(&zp) - loss(&zm)) / (2.0 * h as f64);
                assert!((num - d[i] as f64).abs() < 2e-3, "{n} at {i}: numeric {num} vs {}", d[i]);
            }
        }
    }
}
