//! `SimpleRNN`: `h_t = activation(x_t · kernel + h_{t-1} · recurrent_kernel + bias)`, `h_{-1} = 0`.
//!
//! Input `[batch, steps, features]`; output `[batch, units]` (the last state) or
//! `[batch, steps, units]` with `return_sequences`. Weights `kernel [features, units]`,
//! `recurrent_kernel [units, units]`, `bias [units]`. Forward keeps every state (and the
//! pre-activations when the activation needs them); backward is backprop through time.

use super::options::RnnOptions;
use super::sequence::{grow, Seq};
use crate::error::Result;
use crate::keras::layer_config::LayerConfig;
use crate::kernels::{matmul, Mat};
use crate::layers::{Ctx, Layer, ParamSpec};
use serde_json::{Map, Value};

pub struct SimpleRnn {
    o: RnnOptions,
    /// `x · kernel + bias`, batch-major; in backward, dLoss/d(pre-activation), batch-major.
    proj: Vec<f32>,
    /// States, time-major, with a zero block first: step `s` writes block `s + 1`.
    h: Vec<f32>,
    /// Pre-activations, time-major (only for activations whose backward needs them).
    pre: Vec<f32>,
    /// dLoss/d(pre-activation), time-major.
    dz: Vec<f32>,
    /// dLoss/dh flowing back into the previous step.
    dh: Vec<f32>,
}

impl SimpleRnn {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let o = RnnOptions::from_config(cfg, inputs)?;
        Ok(SimpleRnn { o, proj: Vec::new(), h: Vec::new(), pre: Vec::new(), dz: Vec::new(), dh: Vec::new() })
    }

    fn seq(&self, batch: usize) -> Seq {
        let o = &self.o;
        Seq { batch, steps: o.steps, features: o.features, units: o.units, backwards: o.go_backwards, return_sequences: o.return_sequences }
    }
}

impl Layer for SimpleRnn {
    layer_options_methods!();

    fn set_capacity(&mut self, batch: usize) {
        let (t, u) = (self.o.steps, self.o.units);
        grow(&mut self.proj, batch * t * u);
        grow(&mut self.h, (t + 1) * batch * u);
        if self.o.keeps_preactivations() {
            grow(&mut self.pre, t * batch * u);
        }
        grow(&mut self.dz, t * batch * u);
        grow(&mut self.dh, batch * u);
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], p: &[f32], y: &mut [f32]) {
        let q = self.seq(ctx.batch);
        let (n, u, bu) = (q.features, q.units, q.batch * q.units);
        let (kernel, rest) = p.split_at(n * u);
        let (rec, bias) = rest.split_at(u * u);
        q.project(&mut self.proj, x[0], kernel, self.o.use_bias.then_some(bias), u);
        self.h[..bu].fill(0.0);
        for s in 0..q.steps {
            let (prev, cur) = self.h.split_at_mut((s + 1) * bu);
            let (prev, cur) = (&prev[s * bu..], &mut cur[..bu]);
            q.gather(&self.proj, s, cur, u);
            matmul(cur, Mat::new(prev, q.batch, u), Mat::new(rec, u, u), true);
            if !self.pre.is_empty() {
                self.pre[s * bu..(s + 1) * bu].copy_from_slice(cur);
            }
            self.o.activation.forward(cur, u);
            q.emit(y, cur, s);
        }
    }

    fn backward(&mut self, batch: usize, x: &[&[f32]], _y: &[f32], dy: &mut [f32], p: &[f32], dp: &mut [f32], dx: &mut [&mut [f32]]) {
        let q = self.seq(batch);
        let (n, u, bu) = (q.features, q.units, q.batch * q.units);
        let (kernel, rec) = (&p[..n * u], &p[n * u..n * u + u * u]);
        let (dkernel, rest) = dp.split_at_mut(n * u);
        let (drec, dbias) = rest.split_at_mut(u * u);
        let dh = &mut self.dh[..bu];
        dh.fill(0.0);
        for s in (0..q.steps).rev() {
            q.add_output_grad(dh, dy, s);
            let dz = &mut self.dz[s * bu..(s + 1) * bu];
            dz.copy_from_slice(dh);
            let pre = if self.pre.is_empty() { &[][..] } else { &self.pre[s * bu..(s + 1) * bu] };
            self.o.activation.backward(pre, &self.h[(s + 1) * bu..(s + 2) * bu], dz, u);
            for b in 0..q.batch {
                q.row(&mut self.proj, b, s, u).copy_from_slice(&dz[b * u..(b + 1) * u]);
            }
            matmul(dh, Mat::new(dz, q.batch, u), Mat::t(rec, u, u), false);
        }
        let tb = q.steps * q.batch;
        matmul(drec, Mat::t(&self.h[..tb * u], u, tb), Mat::new(&self.dz[..tb * u], tb, u), false);
        let dbias = self.o.use_bias.then_some(dbias);
        q.input_grads(&self.proj, x[0], kernel, dkernel, dbias, dx[0], u);
    }
}
