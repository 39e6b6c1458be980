//! `GRU`, as Keras 3 computes it, gate blocks z, r, h. With `reset_after=True` (the
//! default; this file), per step with `xz = x_t · kernel + b_in` and
//! `hz = h_{t-1} · recurrent_kernel + b_rec`:
//! `z = σ(xz_z + hz_z)`, `r = σ(xz_r + hz_r)`, `ĥ = act(xz_h + r·hz_h)`,
//! `h_t = z·h_{t-1} + (1 - z)·ĥ`, `σ` the recurrent activation, `h_{-1} = 0`.
//! `reset_after=False` is in [`super::gru_reset_before`].
//!
//! Input `[batch, steps, features]`; output `[batch, units]` (the last `h`) or
//! `[batch, steps, units]` with `return_sequences`. Weights `kernel [features, 3u]`,
//! `recurrent_kernel [u, 3u]`, `bias [2, 3u]` (row 0 `b_in`, row 1 `b_rec`; `[3u]` with
//! `reset_after=False`). Forward keeps gates and states of every step; backward is
//! backprop through time.

use super::options::{Cell, RnnOptions};
use super::sequence::{grow, Seq};
use crate::activations::Activation;
use crate::error::Result;
use crate::keras::layer_config::LayerConfig;
use crate::kernels::{col_sums_into, matmul, Mat};
use crate::layers::{Ctx, Layer, ParamSpec};
use serde_json::{Map, Value};

pub struct Gru {
    pub(super) o: RnnOptions,
    pub(super) reset_after: bool,
    /// `x · kernel + b_in`, batch-major; in backward, dLoss/d(that), batch-major.
    pub(super) proj: Vec<f32>,
    /// Activated gates (z, r, ĥ) per step, time-major `[steps, batch, 3u]`.
    pub(super) gates: Vec<f32>,
    /// Gate pre-activations, time-major (only for activations whose backward needs them).
    pub(super) pre: Vec<f32>,
    /// Hidden states, time-major, with a zero block first: step `s` writes block `s + 1`.
    pub(super) h: Vec<f32>,
    /// dLoss/dh flowing back into the previous step.
    pub(super) dh: Vec<f32>,
    /// reset_after: `hz` per step and dLoss/dhz, time-major `[steps, batch, 3u]`.
    rec: Vec<f32>,
    drec: Vec<f32>,
    /// Buffers of the `reset_after=False` variant.
    pub(super) before: super::gru_reset_before::Scratch,
}

impl Gru {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let o = RnnOptions::from_config(cfg, inputs)?;
        let reset_after = o.cell == Cell::Gru { reset_after: true };
        let before = super::gru_reset_before::Scratch::new(if reset_after { 0 } else { o.units });
        let e = Vec::new;
        Ok(Gru { o, reset_after, proj: e(), gates: e(), pre: e(), h: e(), dh: e(), rec: e(), drec: e(), before })
    }

    pub(super) fn seq(&self, batch: usize) -> Seq {
        let o = &self.o;
        Seq { batch, steps: o.steps, features: o.features, units: o.units, backwards: o.go_backwards, return_sequences: o.return_sequences }
    }

    fn forward_reset_after(&mut self, q: Seq, x: &[f32], p: &[f32], y: &mut [f32]) {
        let (n, u) = (q.features, q.units);
        let (w, bu, bw) = (3 * u, q.batch * u, q.batch * 3 * u);
        let (kernel, rest) = p.split_at(n * w);
        let (rec, bias) = rest.split_at(u * w);
        let (act, rec_act) = (self.o.activation, self.o.recurrent_activation);
        let bias = self.o.use_bias.then(|| bias.split_at(w));
        q.project(&mut self.proj, x, kernel, bias.map(|b| b.0), w);
        self.h[..bu].fill(0.0);
        for s in 0..q.steps {
            let (h_prev, h) = self.h.split_at_mut((s + 1) * bu);
            let (h_prev, h) = (&h_prev[s * bu..], &mut h[..bu]);
            let hz = &mut self.rec[s * bw..(s + 1) * bw];
            if let Some((_, b_rec)) = bias {
                hz.chunks_exact_mut(w).for_each(|r| r.copy_from_slice(b_rec));
            }
            matmul(hz, Mat::new(h_prev, q.batch, u), Mat::new(rec, u, w), bias.is_some());
            let gates = &mut self.gates[s * bw..(s + 1) * bw];
            q.gather(&self.proj, s, gates, w);
            for (b, (g, r)) in gates.chunks_exact_mut(w).zip(hz.chunks_exact(w)).enumerate() {
                g[..2 * u].iter_mut().zip(&r[..2 * u]).for_each(|(g, r)| *g += r);
                if !self.pre.is_empty() {
                    self.pre[s * bw + b * w..s * bw + b * w + 2 * u].copy_from_slice(&g[..2 * u]);
                }
                rec_act.forward(&mut g[..2 * u], u);
                for j in 0..u {
                    g[2 * u + j] += g[u + j] * r[2 * u + j];
                }
                let pre = if self.pre.is_empty() { &mut [][..] } else { &mut self.pre[s * bw + b * w + 2 * u..s * bw + (b + 1) * w] };
                finish_step(g, pre, act, &mut h[b * u..(b + 1) * u], &h_prev[b * u..(b + 1) * u]);
            }
            q.emit(y, h, s);
        }
    }

    fn backward_reset_after(&mut self, q: Seq, x: &[f32], dy: &[f32], p: &[f32], dp: &mut [f32], dx: &mut [f32]) {
        let (n, u) = (q.features, q.units);
        let (w, bu, bw) = (3 * u, q.batch * u, q.batch * 3 * u);
        let (kernel, rec) = (&p[..n * w], &p[n * w..n * w + u * w]);
        let (dkernel, rest) = dp.split_at_mut(n * w);
        let (drec, dbias) = rest.split_at_mut(u * w);
        let (act, rec_act) = (self.o.activation, self.o.recurrent_activation);
        let dh = &mut self.dh[..bu];
        dh.fill(0.0);
        for s in (0..q.steps).rev() {
            q.add_output_grad(dh, dy, s);
            let gates = &self.gates[s * bw..(s + 1) * bw];
            let h_prev = &self.h[s * bu..(s + 1) * bu];
            let hz = &self.rec[s * bw..(s + 1) * bw];
            let dhz = &mut self.drec[s * bw..(s + 1) * bw];
            for b in 0..q.batch {
                let (g, r, dr) = (&gates[b * w..(b + 1) * w], &hz[b * w..(b + 1) * w], &mut dhz[b * w..(b + 1) * w]);
                let pre = |lo: usize, hi: usize| if self.pre.is_empty() { &[][..] } else { &self.pre[s * bw + b * w + lo..s * bw + b * w + hi] };
                let out = q.row(&mut self.proj, b, s, w);
                for j in 0..u {
                    let k = b * u + j;
                    let d = dh[k];
                    out[j] = d * (h_prev[k] - g[2 * u + j]);
                    out[2 * u + j] = d * (1.0 - g[j]);
                    dh[k] = d * g[j];
                }
                act.backward(pre(2 * u, w), &g[2 * u..], &mut out[2 * u..], u);
                for j in 0..u {
                    out[u + j] = out[2 * u + j] * r[2 * u + j];
                    dr[2 * u + j] = out[2 * u + j] * g[u + j];
                }
                rec_act.backward(pre(0, 2 * u), &g[..2 * u], &mut out[..2 * u], u);
                dr[..2 * u].copy_from_slice(&out[..2 * u]);
            }
            matmul(dh, Mat::new(dhz, q.batch, w), Mat::t(rec, w, u), true);
        }
        let tb = q.steps * q.batch;
        let dhz_all = &self.drec[..tb * w];
        matmul(drec, Mat::t(&self.h[..tb * u], u, tb), Mat::new(dhz_all, tb, w), false);
        let dbias = if self.o.use_bias {
            let (db_in, db_rec) = dbias.split_at_mut(w);
            col_sums_into(db_rec, dhz_all, w);
            Some(db_in)
        } else {
            None
        };
        q.input_grads(&self.proj, x, kernel, dkernel, dbias, dx, w);
    }
}

/// The end of one GRU step for one sample, the same in both reset modes: keeps the
/// candidate's pre-activation in `pre` (when not empty), activates the candidate and mixes
/// the new state `h = z * h_prev + (1 - z) * candidate`. `g` holds the sample's `[z, r, h]`.
pub(super) fn finish_step(g: &mut [f32], pre: &mut [f32], act: Activation, h: &mut [f32], h_prev: &[f32]) {
    let u = h.len();
    if !pre.is_empty() {
        pre.copy_from_slice(&g[2 * u..]);
    }
    act.forward(&mut g[2 * u..], u);
    for j in 0..u {
        h[j] = g[j] * h_prev[j] + (1.0 - g[j]) * g[2 * u + j];
    }
}

impl Layer for Gru {
    layer_options_methods!();

    fn set_capacity(&mut self, batch: usize) {
        let (t, u) = (self.o.steps, self.o.units);
        let w = 3 * u;
        grow(&mut self.proj, batch * t * w);
        grow(&mut self.gates, t * batch * w);
        if self.o.keeps_preactivations() {
            grow(&mut self.pre, t * batch * w);
        }
        grow(&mut self.h, (t + 1) * batch * u);
        grow(&mut self.dh, batch * u);
        if self.reset_after {
            grow(&mut self.rec, t * batch * w);
            grow(&mut self.drec, t * batch * w);
        } else {
            self.before.set_capacity(batch, t, u);
        }
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], p: &[f32], y: &mut [f32]) {
        let q = self.seq(ctx.batch);
        if self.reset_after {
            self.forward_reset_after(q, x[0], p, y);
        } else {
            self.forward_reset_before(q, x[0], p, y);
        }
    }

    fn backward(&mut self, batch: usize, x: &[&[f32]], _y: &[f32], dy: &mut [f32], p: &[f32], dp: &mut [f32], dx: &mut [&mut [f32]]) {
        let q = self.seq(batch);
        if self.reset_after {
            self.backward_reset_after(q, x[0], dy, p, dp, dx[0]);
        } else {
            self.backward_reset_before(q, x[0], dy, p, dp, dx[0]);
        }
    }
}
