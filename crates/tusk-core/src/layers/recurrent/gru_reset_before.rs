//! `GRU` with `reset_after=False` (Keras 2's default, still in Keras 3): the reset gate is
//! applied to the state before the recurrent product. Per step, with
//! `xz = x_t · kernel + bias` and `U = recurrent_kernel = [U_z | U_r | U_h]`:
//! `z = σ(xz_z + h_{t-1}·U_z)`, `r = σ(xz_r + h_{t-1}·U_r)`,
//! `ĥ = act(xz_h + (r·h_{t-1})·U_h)`, `h_t = z·h_{t-1} + (1 - z)·ĥ`.
//!
//! Shapes as in [`super::gru`], with `bias [3u]`. `U` is copied per pass into
//! `U_zr [u, 2u]` and `U_h [u, u]` so each product reads a contiguous matrix.

use super::gru_state::{finish_step, GruState};
use super::options::RnnOptions;
use super::sequence::{grow, Seq};
use crate::kernels::{matmul, Mat};

/// Buffers only this variant needs.
pub(super) struct ResetBefore {
    u_zr: Vec<f32>,
    u_h: Vec<f32>,
    du_zr: Vec<f32>,
    du_h: Vec<f32>,
    /// `r·h_{t-1}` per step, time-major `[steps, batch, u]`.
    rh: Vec<f32>,
    /// Forward: `h_{t-1}·U_zr` or `rh·U_h` of one step; backward: dLoss/d(rh) of one step.
    tmp: Vec<f32>,
    /// dLoss/d(z, r pre-activations), time-major `[steps, batch, 2u]`.
    dzr: Vec<f32>,
    /// dLoss/d(ĥ pre-activation), time-major `[steps, batch, u]`.
    dhh: Vec<f32>,
}

impl ResetBefore {
    /// Sized for `units` (0 when the variant is not used).
    pub fn new(units: usize) -> Self {
        let z = |n: usize| vec![0.0; n];
        ResetBefore { u_zr: z(2 * units * units), u_h: z(units * units), du_zr: z(2 * units * units), du_h: z(units * units), rh: vec![], tmp: vec![], dzr: vec![], dhh: vec![] }
    }
    pub fn set_capacity(&mut self, batch: usize, steps: usize, units: usize) {
        grow(&mut self.rh, steps * batch * units);
        grow(&mut self.tmp, batch * 2 * units);
        grow(&mut self.dzr, steps * batch * 2 * units);
        grow(&mut self.dhh, steps * batch * units);
    }
    /// Splits `rec [u, 3u]` into `U_zr` and `U_h`.
    fn split(&mut self, rec: &[f32], u: usize) {
        for (i, row) in rec.chunks_exact(3 * u).enumerate() {
            self.u_zr[i * 2 * u..(i + 1) * 2 * u].copy_from_slice(&row[..2 * u]);
            self.u_h[i * u..(i + 1) * u].copy_from_slice(&row[2 * u..]);
        }
    }

    pub(super) fn forward(&mut self, o: &RnnOptions, st: &mut GruState, q: Seq, x: &[f32], p: &[f32], y: &mut [f32]) {
        let (n, u) = (q.features, q.units);
        let (w, bu, bw) = (3 * u, q.batch * u, q.batch * 3 * u);
        let (kernel, rest) = p.split_at(n * w);
        let (rec, bias) = rest.split_at(u * w);
        let (act, rec_act) = (o.activation, o.recurrent_activation);
        q.project(&mut st.proj, x, kernel, o.use_bias.then_some(bias), w);
        let sc = self;
        sc.split(rec, u);
        st.h[..bu].fill(0.0);
        for s in 0..q.steps {
            let (h_prev, h) = st.h.split_at_mut((s + 1) * bu);
            let (h_prev, h) = (&h_prev[s * bu..], &mut h[..bu]);
            let gates = &mut st.gates[s * bw..(s + 1) * bw];
            let rh = &mut sc.rh[s * bu..(s + 1) * bu];
            q.gather(&st.proj, s, gates, w);
            let hzr = &mut sc.tmp[..2 * bu];
            matmul(hzr, Mat::new(h_prev, q.batch, u), Mat::new(&sc.u_zr, u, 2 * u), false);
            for (b, (g, t)) in gates.chunks_exact_mut(w).zip(hzr.chunks_exact(2 * u)).enumerate() {
                g[..2 * u].iter_mut().zip(t).for_each(|(g, t)| *g += t);
                if !st.pre.is_empty() {
                    st.pre[s * bw + b * w..s * bw + b * w + 2 * u].copy_from_slice(&g[..2 * u]);
                }
                rec_act.forward(&mut g[..2 * u], u);
                for j in 0..u {
                    rh[b * u + j] = g[u + j] * h_prev[b * u + j];
                }
            }
            let hh = &mut sc.tmp[..bu];
            matmul(hh, Mat::new(rh, q.batch, u), Mat::new(&sc.u_h, u, u), false);
            for (b, g) in gates.chunks_exact_mut(w).enumerate() {
                g[2 * u..].iter_mut().zip(&hh[b * u..(b + 1) * u]).for_each(|(g, t)| *g += t);
                let pre = if st.pre.is_empty() { &mut [][..] } else { &mut st.pre[s * bw + b * w + 2 * u..s * bw + (b + 1) * w] };
                finish_step(g, pre, act, &mut h[b * u..(b + 1) * u], &h_prev[b * u..(b + 1) * u]);
            }
            q.emit(y, h, s);
        }
    }

    pub(super) fn backward(&mut self, o: &RnnOptions, st: &mut GruState, q: Seq, x: &[f32], dy: &[f32], p: &[f32], dp: &mut [f32], dx: &mut [f32]) {
        let (n, u) = (q.features, q.units);
        let (w, bu, bw) = (3 * u, q.batch * u, q.batch * 3 * u);
        let kernel = &p[..n * w];
        let (dkernel, rest) = dp.split_at_mut(n * w);
        let (drec, dbias) = rest.split_at_mut(u * w);
        let (act, rec_act) = (o.activation, o.recurrent_activation);
        let sc = self;
        let dh = &mut st.dh[..bu];
        dh.fill(0.0);
        for s in (0..q.steps).rev() {
            q.add_output_grad(dh, dy, s);
            let gates = &st.gates[s * bw..(s + 1) * bw];
            let h_prev = &st.h[s * bu..(s + 1) * bu];
            let pre = |b: usize, lo: usize, hi: usize| if st.pre.is_empty() { &[][..] } else { &st.pre[s * bw + b * w + lo..s * bw + b * w + hi] };
            let dhh = &mut sc.dhh[s * bu..(s + 1) * bu];
            for (b, g) in gates.chunks_exact(w).enumerate() {
                let out = q.row(&mut st.proj, b, s, w);
                for j in 0..u {
                    let k = b * u + j;
                    let d = dh[k];
                    out[j] = d * (h_prev[k] - g[2 * u + j]);
                    out[2 * u + j] = d * (1.0 - g[j]);
                    dh[k] = d * g[j];
                }
                act.backward(pre(b, 2 * u, w), &g[2 * u..], &mut out[2 * u..], u);
                dhh[b * u..(b + 1) * u].copy_from_slice(&out[2 * u..]);
            }
            let drh = &mut sc.tmp[..bu];
            matmul(drh, Mat::new(dhh, q.batch, u), Mat::t(&sc.u_h, u, u), false);
            let dzr = &mut sc.dzr[s * 2 * bu..(s + 1) * 2 * bu];
            for (b, g) in gates.chunks_exact(w).enumerate() {
                let out = q.row(&mut st.proj, b, s, w);
                for j in 0..u {
                    let k = b * u + j;
                    out[u + j] = drh[k] * h_prev[k];
                    dh[k] += drh[k] * g[u + j];
                }
                rec_act.backward(pre(b, 0, 2 * u), &g[..2 * u], &mut out[..2 * u], u);
                dzr[b * 2 * u..(b + 1) * 2 * u].copy_from_slice(&out[..2 * u]);
            }
            matmul(dh, Mat::new(dzr, q.batch, 2 * u), Mat::t(&sc.u_zr, 2 * u, u), true);
        }
        let tb = q.steps * q.batch;
        matmul(&mut sc.du_zr, Mat::t(&st.h[..tb * u], u, tb), Mat::new(&sc.dzr[..tb * 2 * u], tb, 2 * u), false);
        matmul(&mut sc.du_h, Mat::t(&sc.rh[..tb * u], u, tb), Mat::new(&sc.dhh[..tb * u], tb, u), false);
        for (i, row) in drec.chunks_exact_mut(w).enumerate() {
            row[..2 * u].copy_from_slice(&sc.du_zr[i * 2 * u..(i + 1) * 2 * u]);
            row[2 * u..].copy_from_slice(&sc.du_h[i * u..(i + 1) * u]);
        }
        let dbias = o.use_bias.then_some(dbias);
        q.input_grads(&st.proj, x, kernel, dkernel, dbias, dx, w);
    }
}
