//! `LSTM`, as Keras 3 computes it. Per step, with `z = x_t · kernel + h_{t-1} ·
//! recurrent_kernel + bias` split into gate blocks i, f, c, o:
//! `i = σ(z_i)`, `f = σ(z_f)`, `g = act(z_c)`, `o = σ(z_o)`, `c_t = f·c_{t-1} + i·g`,
//! `h_t = o·act(c_t)`, with `σ` the recurrent activation and `h_{-1} = c_{-1} = 0`.
//!
//! Input `[batch, steps, features]`; output `[batch, units]` (the last `h`) or
//! `[batch, steps, units]` with `return_sequences`. Weights `kernel [features, 4u]`,
//! `recurrent_kernel [u, 4u]`, `bias [4u]` (forget block initialised to 1 with
//! `unit_forget_bias`). Forward keeps gates, cell states and hidden states of every
//! step; backward is backprop through time.

use super::options::RnnOptions;
use super::sequence::{grow, Seq};
use crate::error::Result;
use crate::keras::layer_config::LayerConfig;
use crate::kernels::{matmul, Mat};
use crate::layers::{Ctx, Layer, ParamSpec};
use serde_json::{Map, Value};

pub struct Lstm {
    o: RnnOptions,
    /// `x · kernel + bias`, batch-major; in backward, dLoss/dz, batch-major.
    proj: Vec<f32>,
    /// Activated gates (i, f, g, o) per step, time-major `[steps, batch, 4u]`.
    gates: Vec<f32>,
    /// Gate pre-activations `z`, time-major (only for activations whose backward needs them).
    pre: Vec<f32>,
    /// Cell states, time-major, with a zero block first: step `s` writes block `s + 1`.
    c: Vec<f32>,
    /// `act(c_t)`, time-major.
    act_c: Vec<f32>,
    /// Hidden states, laid out like `c`.
    h: Vec<f32>,
    /// dLoss/dz, time-major.
    dz: Vec<f32>,
    /// dLoss/dh and dLoss/dc flowing back into the previous step; scratch for dLoss/d act(c).
    dh: Vec<f32>,
    dc: Vec<f32>,
    dact: Vec<f32>,
}

impl Lstm {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let o = RnnOptions::from_config(cfg, inputs)?;
        let e = Vec::new;
        Ok(Lstm { o, proj: e(), gates: e(), pre: e(), c: e(), act_c: e(), h: e(), dz: e(), dh: e(), dc: e(), dact: e() })
    }

    fn seq(&self, batch: usize) -> Seq {
        let o = &self.o;
        Seq { batch, steps: o.steps, features: o.features, units: o.units, backwards: o.go_backwards, return_sequences: o.return_sequences }
    }
}

impl Layer for Lstm {
    layer_options_methods!();

    fn set_capacity(&mut self, batch: usize) {
        let (t, u) = (self.o.steps, self.o.units);
        let w = 4 * u;
        grow(&mut self.proj, batch * t * w);
        grow(&mut self.gates, t * batch * w);
        if self.o.keeps_preactivations() {
            grow(&mut self.pre, t * batch * w);
        }
        grow(&mut self.c, (t + 1) * batch * u);
        grow(&mut self.act_c, t * batch * u);
        grow(&mut self.h, (t + 1) * batch * u);
        grow(&mut self.dz, t * batch * w);
        for buf in [&mut self.dh, &mut self.dc, &mut self.dact] {
            grow(buf, batch * u);
        }
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], p: &[f32], y: &mut [f32]) {
        let q = self.seq(ctx.batch);
        let (n, u) = (q.features, q.units);
        let (w, bu) = (4 * u, q.batch * u);
        let (kernel, rest) = p.split_at(n * w);
        let (rec, bias) = rest.split_at(u * w);
        let (act, rec_act) = (self.o.activation, self.o.recurrent_activation);
        q.project(&mut self.proj, x[0], kernel, self.o.use_bias.then_some(bias), w);
        self.h[..bu].fill(0.0);
        self.c[..bu].fill(0.0);
        for s in 0..q.steps {
            let gates = &mut self.gates[s * q.batch * w..(s + 1) * q.batch * w];
            let (h_prev, h) = self.h.split_at_mut((s + 1) * bu);
            let (h_prev, h) = (&h_prev[s * bu..], &mut h[..bu]);
            q.gather(&self.proj, s, gates, w);
            matmul(gates, Mat::new(h_prev, q.batch, u), Mat::new(rec, u, w), true);
            if !self.pre.is_empty() {
                self.pre[s * q.batch * w..(s + 1) * q.batch * w].copy_from_slice(gates);
            }
            for row in gates.chunks_exact_mut(w) {
                rec_act.forward(&mut row[..2 * u], u);
                act.forward(&mut row[2 * u..3 * u], u);
                rec_act.forward(&mut row[3 * u..], u);
            }
            let (c_prev, c) = self.c.split_at_mut((s + 1) * bu);
            let (c_prev, c) = (&c_prev[s * bu..], &mut c[..bu]);
            for (b, g) in gates.chunks_exact(w).enumerate() {
                for j in 0..u {
                    let k = b * u + j;
                    c[k] = g[u + j] * c_prev[k] + g[j] * g[2 * u + j];
                }
            }
            let act_c = &mut self.act_c[s * bu..(s + 1) * bu];
            act_c.copy_from_slice(c);
            act.forward(act_c, u);
            for (b, g) in gates.chunks_exact(w).enumerate() {
                for j in 0..u {
                    h[b * u + j] = g[3 * u + j] * act_c[b * u + j];
                }
            }
            q.emit(y, h, s);
        }
    }

    fn backward(&mut self, batch: usize, x: &[&[f32]], _y: &[f32], dy: &mut [f32], p: &[f32], dp: &mut [f32], dx: &mut [&mut [f32]]) {
        let q = self.seq(batch);
        let (n, u) = (q.features, q.units);
        let (w, bu, bw) = (4 * u, q.batch * u, q.batch * 4 * u);
        let (kernel, rec) = (&p[..n * w], &p[n * w..n * w + u * w]);
        let (dkernel, rest) = dp.split_at_mut(n * w);
        let (drec, dbias) = rest.split_at_mut(u * w);
        let (act, rec_act) = (self.o.activation, self.o.recurrent_activation);
        let (dh, dc, dact) = (&mut self.dh[..bu], &mut self.dc[..bu], &mut self.dact[..bu]);
        dh.fill(0.0);
        dc.fill(0.0);
        for s in (0..q.steps).rev() {
            q.add_output_grad(dh, dy, s);
            let gates = &self.gates[s * bw..(s + 1) * bw];
            let (c_prev, c) = (&self.c[s * bu..(s + 1) * bu], &self.c[(s + 1) * bu..(s + 2) * bu]);
            let act_c = &self.act_c[s * bu..(s + 1) * bu];
            // dLoss/dc_t = carried dc + dh · o · act'(c_t).
            for (b, g) in gates.chunks_exact(w).enumerate() {
                for j in 0..u {
                    dact[b * u + j] = dh[b * u + j] * g[3 * u + j];
                }
            }
            act.backward(c, act_c, dact, u);
            let dz = &mut self.dz[s * bw..(s + 1) * bw];
            for (b, (g, d)) in gates.chunks_exact(w).zip(dz.chunks_exact_mut(w)).enumerate() {
                for j in 0..u {
                    let k = b * u + j;
                    let dct = dc[k] + dact[k];
                    d[j] = dct * g[2 * u + j];
                    d[u + j] = dct * c_prev[k];
                    d[2 * u + j] = dct * g[j];
                    d[3 * u + j] = dh[k] * act_c[k];
                    dc[k] = dct * g[u + j];
                }
            }
            let pre = if self.pre.is_empty() { &[][..] } else { &self.pre[s * bw..(s + 1) * bw] };
            for (b, (g, d)) in gates.chunks_exact(w).zip(dz.chunks_exact_mut(w)).enumerate() {
                let z = |r: std::ops::Range<usize>| if pre.is_empty() { &[][..] } else { &pre[b * w + r.start..b * w + r.end] };
                rec_act.backward(z(0..2 * u), &g[..2 * u], &mut d[..2 * u], u);
                act.backward(z(2 * u..3 * u), &g[2 * u..3 * u], &mut d[2 * u..3 * u], u);
                rec_act.backward(z(3 * u..w), &g[3 * u..], &mut d[3 * u..], u);
                q.row(&mut self.proj, b, s, w).copy_from_slice(d);
            }
            matmul(dh, Mat::new(dz, q.batch, w), Mat::t(rec, w, u), false);
        }
        let tb = q.steps * q.batch;
        matmul(drec, Mat::t(&self.h[..tb * u], u, tb), Mat::new(&self.dz[..tb * w], tb, w), false);
        let dbias = self.o.use_bias.then_some(dbias);
        q.input_grads(&self.proj, x[0], kernel, dkernel, dbias, dx[0], w);
    }
}
