//! Merge layers of functional models: `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`,
//! `Minimum` (elementwise over inputs of one shape) and `Concatenate` (along `axis`,
//! default -1; all other axes equal).

use super::{Ctx, Layer};
use crate::error::{Error, Result};
use crate::keras::layer_config::{base_config, LayerConfig};
use serde_json::{Map, Value};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Subtract,
    Multiply,
    Average,
    Maximum,
    Minimum,
    Concatenate,
}

pub struct Merge {
    name: String,
    op: Op,
    class: &'static str,
    out_shape: Vec<usize>,
    /// Concatenate: the axis as written (negative from the end), and per input the
    /// number of values it contributes to one block, with the number of blocks per sample.
    axis: i64,
    widths: Vec<usize>,
    blocks: usize,
    n_inputs: usize,
}

impl Merge {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let (op, class) = match cfg.class {
            "Add" => (Op::Add, "Add"),
            "Subtract" => (Op::Subtract, "Subtract"),
            "Multiply" => (Op::Multiply, "Multiply"),
            "Average" => (Op::Average, "Average"),
            "Maximum" => (Op::Maximum, "Maximum"),
            "Minimum" => (Op::Minimum, "Minimum"),
            _ => (Op::Concatenate, "Concatenate"),
        };
        let min_inputs = if op == Op::Subtract { 2 } else { 1 };
        if inputs.len() < min_inputs || (op == Op::Subtract && inputs.len() != 2) {
            return Err(Error::config(format!("{}: needs {} inputs, got {}", cfg.who(), if op == Op::Subtract { "exactly 2" } else { "at least 1" }, inputs.len())));
        }
        let axis = if op == Op::Concatenate { cfg.f32("axis", -1.0)? as i64 } else { -1 };
        cfg.finish()?;
        let first = &inputs[0];
        let (out_shape, widths, blocks) = if op == Op::Concatenate {
            let rank = first.len() as i64;
            let ax = if axis < 0 { rank + axis } else { axis - 1 }; // Keras axes count the batch axis
            if ax < 0 || ax >= rank {
                return Err(Error::config(format!("{}: axis {axis} out of range for inputs of rank {}", cfg.who(), rank + 1)));
            }
            let ax = ax as usize;
            let mut out = first.clone();
            out[ax] = 0;
            for s in inputs {
                let same_rest = s.len() == first.len() && s.iter().zip(first).enumerate().all(|(i, (a, b))| i == ax || a == b);
                if !same_rest {
                    return Err(Error::shape(format!("{}: cannot concatenate shapes {inputs:?} on axis {axis}", cfg.who())));
                }
                out[ax] += s[ax];
            }
            let inner: usize = first[ax + 1..].iter().product();
            let widths = inputs.iter().map(|s| s[ax] * inner).collect();
            (out, widths, first[..ax].iter().product())
        } else {
            if let Some(bad) = inputs.iter().find(|s| *s != first) {
                return Err(Error::shape(format!("{}: inputs must have one shape, got {first:?} and {bad:?}", cfg.who())));
            }
            (first.clone(), vec![], 1)
        };
        Ok(Merge { name: cfg.name.clone(), op, class, out_shape, axis, widths, blocks, n_inputs: inputs.len() })
    }
}

impl Layer for Merge {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        self.class
    }
    fn output_shape(&self) -> &[usize] {
        &self.out_shape
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], _p: &[f32], y: &mut [f32]) {
        if self.op == Op::Concatenate {
            let mut out = y.chunks_mut(self.widths.iter().sum::<usize>());
            for blk in 0..ctx.batch * self.blocks {
                let row = out.next().unwrap();
                let mut at = 0;
                for (xi, &w) in x.iter().zip(&self.widths) {
                    row[at..at + w].copy_from_slice(&xi[blk * w..][..w]);
                    at += w;
                }
            }
            return;
        }
        y.copy_from_slice(x[0]);
        for xi in &x[1..] {
            for (a, &b) in y.iter_mut().zip(xi.iter()) {
                *a = match self.op {
                    Op::Add | Op::Average => *a + b,
                    Op::Subtract => *a - b,
                    Op::Multiply => *a * b,
                    Op::Maximum => a.max(b),
                    Op::Minimum => a.min(b),
                    Op::Concatenate => unreachable!(),
                };
            }
        }
        if self.op == Op::Average {
            let inv = 1.0 / self.n_inputs as f32;
            y.iter_mut().for_each(|v| *v *= inv);
        }
    }

    fn backward(&mut self, batch: usize, x: &[&[f32]], y: &[f32], dy: &mut [f32], _p: &[f32], _dp: &mut [f32], dx: &mut [&mut [f32]]) {
        let total: usize = self.widths.iter().sum();
        for (i, d) in dx.iter_mut().enumerate() {
            if d.is_empty() {
                continue;
            }
            match self.op {
                Op::Concatenate => {
                    let (w, start) = (self.widths[i], self.widths[..i].iter().sum::<usize>());
                    for blk in 0..batch * self.blocks {
                        d[blk * w..][..w].copy_from_slice(&dy[blk * total + start..][..w]);
                    }
                }
                Op::Add => d.copy_from_slice(dy),
                Op::Subtract => d.iter_mut().zip(dy.iter()).for_each(|(a, &g)| *a = if i == 0 { g } else { -g }),
                Op::Average => d.iter_mut().zip(dy.iter()).for_each(|(a, &g)| *a = g / self.n_inputs as f32),
                Op::Multiply => {
                    // d/dx_i prod_j x_j = prod_{j != i} x_j
                    d.copy_from_slice(dy);
                    for (_, xj) in x.iter().enumerate().filter(|(j, _)| *j != i) {
                        d.iter_mut().zip(xj.iter()).for_each(|(a, &b)| *a *= b);
                    }
                }
                Op::Maximum | Op::Minimum => {
                    // The gradient goes to the input that was selected (the first on ties).
                    for (k, a) in d.iter_mut().enumerate() {
                        let winner = x.iter().position(|xj| xj[k] == y[k]);
                        *a = if winner == Some(i) { dy[k] } else { 0.0 };
                    }
                }
            }
        }
    }

    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, true);
        if self.op == Op::Concatenate {
            m.insert("axis".into(), self.axis.into());
        }
        m
    }
}
