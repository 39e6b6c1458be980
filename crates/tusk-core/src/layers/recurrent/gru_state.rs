//! What both GRU variants keep per pass: projected inputs, activated gates (and their
//! pre-activations when the activation's backward needs them) and hidden states of every
//! step, and the gradient flowing back through the state; plus the end of a step, which the
//! variants share. Layouts: `proj` batch-major `[batch, steps, 3u]`; `gates`, `pre`
//! time-major `[steps, batch, 3u]`; `h` time-major `[steps + 1, batch, u]` with a zero block
//! first (step `s` writes block `s + 1`).

use super::options::RnnOptions;
use super::sequence::grow;
use crate::activations::Activation;

#[derive(Default)]
pub(super) struct GruState {
    /// `x · kernel + b_in`; in backward, dLoss/d(that).
    pub proj: Vec<f32>,
    pub gates: Vec<f32>,
    pub pre: Vec<f32>,
    pub h: Vec<f32>,
    /// dLoss/dh flowing back into the previous step, `[batch, u]`.
    pub dh: Vec<f32>,
}

impl GruState {
    pub fn set_capacity(&mut self, o: &RnnOptions, batch: usize) {
        let (t, u) = (o.steps, o.units);
        let w = 3 * u;
        grow(&mut self.proj, batch * t * w);
        grow(&mut self.gates, t * batch * w);
        if o.keeps_preactivations() {
            grow(&mut self.pre, t * batch * w);
        }
        grow(&mut self.h, (t + 1) * batch * u);
        grow(&mut self.dh, batch * u);
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
