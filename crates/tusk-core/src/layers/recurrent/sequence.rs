//! Moving data between the batch-major layouts the model uses and the time-major layout
//! the recurrent loops use, and the parts of forward/backward every cell shares.
//!
//! Batch-major: `x [batch, steps, features]`, the input projection `proj [batch, steps,
//! width]` (`width` = gates × units) and `y [batch, steps, units]` (or `[batch, units]`).
//! Time-major: per-step blocks `[batch, width]` or `[batch, units]`, step `s` at offset
//! `s * batch * width`. Step `s` reads timestep [`Seq::time`]`(s)` (reversed with
//! `go_backwards`) and writes output position `s`, as Keras does.

use crate::kernels::{col_sums_into, matmul, Mat};

/// One batch's sequence geometry.
#[derive(Clone, Copy)]
pub(super) struct Seq {
    pub batch: usize,
    pub steps: usize,
    pub features: usize,
    pub units: usize,
    pub backwards: bool,
    pub return_sequences: bool,
}

impl Seq {
    /// The timestep read by processing step `s`.
    pub fn time(&self, s: usize) -> usize {
        if self.backwards {
            self.steps - 1 - s
        } else {
            s
        }
    }
    /// Rows of `x` and `proj`: `batch * steps`.
    pub fn rows(&self) -> usize {
        self.batch * self.steps
    }

    /// `proj[..rows*width] = x · kernel (+ bias)` for all timesteps at once.
    pub fn project(&self, proj: &mut [f32], x: &[f32], kernel: &[f32], bias: Option<&[f32]>, width: usize) {
        let proj = &mut proj[..self.rows() * width];
        if let Some(b) = bias {
            proj.chunks_exact_mut(width).for_each(|r| r.copy_from_slice(b));
        }
        matmul(proj, Mat::new(x, self.rows(), self.features), Mat::new(kernel, self.features, width), bias.is_some());
    }

    /// `dst[b] = proj[b, time(s)]` for every sample `b` (`dst` is `[batch, width]`).
    pub fn gather(&self, proj: &[f32], s: usize, dst: &mut [f32], width: usize) {
        let t = self.time(s);
        for (b, d) in dst[..self.batch * width].chunks_exact_mut(width).enumerate() {
            let at = (b * self.steps + t) * width;
            d.copy_from_slice(&proj[at..at + width]);
        }
    }

    /// The row of `proj` (`[batch, steps, width]`) that sample `b` reads at step `s`.
    pub fn row<'a>(&self, proj: &'a mut [f32], b: usize, s: usize, width: usize) -> &'a mut [f32] {
        let at = (b * self.steps + self.time(s)) * width;
        &mut proj[at..at + width]
    }

    /// Writes step `s`'s hidden state `h [batch, units]` into `y` where it belongs.
    pub fn emit(&self, y: &mut [f32], h: &[f32], s: usize) {
        let u = self.units;
        if self.return_sequences {
            for b in 0..self.batch {
                let at = (b * self.steps + s) * u;
                y[at..at + u].copy_from_slice(&h[b * u..(b + 1) * u]);
            }
        } else if s == self.steps - 1 {
            y[..self.batch * u].copy_from_slice(&h[..self.batch * u]);
        }
    }

    /// `dh += dLoss/d(output of step s)`, read from `dy`.
    pub fn add_output_grad(&self, dh: &mut [f32], dy: &[f32], s: usize) {
        let u = self.units;
        if self.return_sequences {
            for b in 0..self.batch {
                let at = (b * self.steps + s) * u;
                dh[b * u..(b + 1) * u].iter_mut().zip(&dy[at..at + u]).for_each(|(d, g)| *d += g);
            }
        } else if s == self.steps - 1 {
            dh[..self.batch * u].iter_mut().zip(&dy[..self.batch * u]).for_each(|(d, g)| *d += g);
        }
    }

    /// From `dproj` = dLoss/dproj (batch-major): the kernel gradient, the input-bias
    /// gradient (when there is one) and, when `dx` is not empty, the input gradient.
    pub fn input_grads(&self, dproj: &[f32], x: &[f32], kernel: &[f32], dkernel: &mut [f32], dbias: Option<&mut [f32]>, dx: &mut [f32], width: usize) {
        let (rows, n) = (self.rows(), self.features);
        let dproj = &dproj[..rows * width];
        matmul(dkernel, Mat::t(x, n, rows), Mat::new(dproj, rows, width), false);
        if let Some(db) = dbias {
            col_sums_into(db, dproj, width);
        }
        if !dx.is_empty() {
            matmul(dx, Mat::new(dproj, rows, width), Mat::t(kernel, width, n), false);
        }
    }
}

/// Grows `buf` to at least `len` values (never shrinks, so capacity only moves up).
pub(super) fn grow(buf: &mut Vec<f32>, len: usize) {
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
}
