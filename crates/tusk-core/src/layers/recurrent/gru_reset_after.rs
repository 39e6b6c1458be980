//! `GRU` with `reset_after=True` (Keras 3's default): per step, with
//! `xz = x_t · kernel + b_in` and `hz = h_{t-1} · recurrent_kernel + b_rec`:
//! `z = σ(xz_z + hz_z)`, `r = σ(xz_r + hz_r)`, `ĥ = act(xz_h + r·hz_h)`,
//! `h_t = z·h_{t-1} + (1 - z)·ĥ`. Shapes as in [`super::gru`], with `bias [2, 3u]` (row 0
//! `b_in`, row 1 `b_rec`).

use super::gru_state::{finish_step, GruState};
use super::options::RnnOptions;
use super::sequence::{grow, Seq};
use crate::kernels::{col_sums_into, matmul, Mat};

/// Buffers only this variant needs.
#[derive(Default)]
pub(super) struct ResetAfter {
    /// `hz` per step and dLoss/dhz, time-major `[steps, batch, 3u]`.
    rec: Vec<f32>,
    drec: Vec<f32>,
}

impl ResetAfter {
    pub(super) fn set_capacity(&mut self, batch: usize, steps: usize, units: usize) {
        grow(&mut self.rec, steps * batch * 3 * units);
        grow(&mut self.drec, steps * batch * 3 * units);
    }

    pub(super) fn forward(&mut self, o: &RnnOptions, st: &mut GruState, q: Seq, x: &[f32], p: &[f32], y: &mut [f32]) {
        let (n, u) = (q.features, q.units);
        let (w, bu, bw) = (3 * u, q.batch * u, q.batch * 3 * u);
        let (kernel, rest) = p.split_at(n * w);
        let (rec, bias) = rest.split_at(u * w);
        let (act, rec_act) = (o.activation, o.recurrent_activation);
        let bias = o.use_bias.then(|| bias.split_at(w));
        q.project(&mut st.proj, x, kernel, bias.map(|b| b.0), w);
        st.h[..bu].fill(0.0);
        for s in 0..q.steps {
            let (h_prev, h) = st.h.split_at_mut((s + 1) * bu);
            let (h_prev, h) = (&h_prev[s * bu..], &mut h[..bu]);
            let hz = &mut self.rec[s * bw..(s + 1) * bw];
            if let Some((_, b_rec)) = bias {
                hz.chunks_exact_mut(w).for_each(|r| r.copy_from_slice(b_rec));
            }
            matmul(hz, Mat::new(h_prev, q.batch, u), Mat::new(rec, u, w), bias.is_some());
            let gates = &mut st.gates[s * bw..(s + 1) * bw];
            q.gather(&st.proj, s, gates, w);
            for (b, (g, r)) in gates.chunks_exact_mut(w).zip(hz.chunks_exact(w)).enumerate() {
                g[..2 * u].iter_mut().zip(&r[..2 * u]).for_each(|(g, r)| *g += r);
                if !st.pre.is_empty() {
                    st.pre[s * bw + b * w..s * bw + b * w + 2 * u].copy_from_slice(&g[..2 * u]);
                }
                rec_act.forward(&mut g[..2 * u], u);
                for j in 0..u {
                    g[2 * u + j] += g[u + j] * r[2 * u + j];
                }
                let pre = if st.pre.is_empty() { &mut [][..] } else { &mut st.pre[s * bw + b * w + 2 * u..s * bw + (b + 1) * w] };
                finish_step(g, pre, act, &mut h[b * u..(b + 1) * u], &h_prev[b * u..(b + 1) * u]);
            }
            q.emit(y, h, s);
        }
    }

    pub(super) fn backward(&mut self, o: &RnnOptions, st: &mut GruState, q: Seq, x: &[f32], dy: &[f32], p: &[f32], dp: &mut [f32], dx: &mut [f32]) {
        let (n, u) = (q.features, q.units);
        let (w, bu, bw) = (3 * u, q.batch * u, q.batch * 3 * u);
        let (kernel, rec) = (&p[..n * w], &p[n * w..n * w + u * w]);
        let (dkernel, rest) = dp.split_at_mut(n * w);
        let (drec, dbias) = rest.split_at_mut(u * w);
        let (act, rec_act) = (o.activation, o.recurrent_activation);
        let dh = &mut st.dh[..bu];
        dh.fill(0.0);
        for s in (0..q.steps).rev() {
            q.add_output_grad(dh, dy, s);
            let gates = &st.gates[s * bw..(s + 1) * bw];
            let h_prev = &st.h[s * bu..(s + 1) * bu];
            let hz = &self.rec[s * bw..(s + 1) * bw];
            let dhz = &mut self.drec[s * bw..(s + 1) * bw];
            for b in 0..q.batch {
                let (g, r, dr) = (&gates[b * w..(b + 1) * w], &hz[b * w..(b + 1) * w], &mut dhz[b * w..(b + 1) * w]);
                let pre = |lo: usize, hi: usize| if st.pre.is_empty() { &[][..] } else { &st.pre[s * bw + b * w + lo..s * bw + b * w + hi] };
                let out = q.row(&mut st.proj, b, s, w);
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
        matmul(drec, Mat::t(&st.h[..tb * u], u, tb), Mat::new(dhz_all, tb, w), false);
        let dbias = if o.use_bias {
            let (db_in, db_rec) = dbias.split_at_mut(w);
            col_sums_into(db_rec, dhz_all, w);
            Some(db_in)
        } else {
            None
        };
        q.input_grads(&st.proj, x, kernel, dkernel, dbias, dx, w);
    }
}
