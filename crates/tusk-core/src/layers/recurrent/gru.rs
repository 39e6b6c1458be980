//! `GRU`, as Keras 3 computes it, gate blocks z, r, h; `reset_after` (a config) chooses the
//! variant. With `reset_after=True` (the default), per step with `xz = x_t · kernel + b_in` and
//! `hz = h_{t-1} · recurrent_kernel + b_rec`:
//! `z = σ(xz_z + hz_z)`, `r = σ(xz_r + hz_r)`, `ĥ = act(xz_h + r·hz_h)`,
//! `h_t = z·h_{t-1} + (1 - z)·ĥ`, `σ` the recurrent activation, `h_{-1} = 0`.
//! The variants' steps are in [`super::gru_reset_after`] and [`super::gru_reset_before`]
//! (`reset_after=False`), over the buffers of [`super::gru_state`].
//!
//! Input `[batch, steps, features]`; output `[batch, units]` (the last `h`) or
//! `[batch, steps, units]` with `return_sequences`. Weights `kernel [features, 3u]`,
//! `recurrent_kernel [u, 3u]`, `bias [2, 3u]` (row 0 `b_in`, row 1 `b_rec`; `[3u]` with
//! `reset_after=False`). Forward keeps gates and states of every step; backward is
//! backprop through time.

use super::gru_reset_after::ResetAfter;
use super::gru_reset_before::ResetBefore;
use super::gru_state::GruState;
use super::options::{Cell, RnnOptions};
use super::sequence::Seq;
use crate::error::Result;
use crate::keras::layer_config::LayerConfig;
use crate::layers::{Ctx, Layer, ParamSpec};
use serde_json::{Map, Value};

/// Where the reset gate applies, with the buffers that variant needs.
enum Variant {
    After(ResetAfter),
    Before(ResetBefore),
}

pub struct Gru {
    o: RnnOptions,
    st: GruState,
    variant: Variant,
}

impl Gru {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let o = RnnOptions::from_config(cfg, inputs)?;
        let variant = if o.cell == (Cell::Gru { reset_after: true }) { Variant::After(ResetAfter::default()) } else { Variant::Before(ResetBefore::new(o.units)) };
        Ok(Gru { o, st: GruState::default(), variant })
    }

    fn seq(&self, batch: usize) -> Seq {
        let o = &self.o;
        Seq { batch, steps: o.steps, features: o.features, units: o.units, backwards: o.go_backwards, return_sequences: o.return_sequences }
    }
}

impl Layer for Gru {
    layer_options_methods!();

    fn set_capacity(&mut self, batch: usize) {
        self.st.set_capacity(&self.o, batch);
        let (t, u) = (self.o.steps, self.o.units);
        match &mut self.variant {
            Variant::After(v) => v.set_capacity(batch, t, u),
            Variant::Before(v) => v.set_capacity(batch, t, u),
        }
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], p: &[f32], y: &mut [f32]) {
        let q = self.seq(ctx.batch);
        match &mut self.variant {
            Variant::After(v) => v.forward(&self.o, &mut self.st, q, x[0], p, y),
            Variant::Before(v) => v.forward(&self.o, &mut self.st, q, x[0], p, y),
        }
    }

    fn backward(&mut self, batch: usize, x: &[&[f32]], _y: &[f32], dy: &mut [f32], p: &[f32], dp: &mut [f32], dx: &mut [&mut [f32]]) {
        let q = self.seq(batch);
        match &mut self.variant {
            Variant::After(v) => v.backward(&self.o, &mut self.st, q, x[0], dy, p, dp, dx[0]),
            Variant::Before(v) => v.backward(&self.o, &mut self.st, q, x[0], dy, p, dp, dx[0]),
        }
    }
}
