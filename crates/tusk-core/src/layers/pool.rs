//! `MaxPooling1D/2D` and `AveragePooling1D/2D` (channels-last, `valid`/`same`).
//!
//! 2-D: input `[batch, h, w, c]` -> `[batch, oh, ow, c]`; 1-D: `[batch, steps, c]` ->
//! `[batch, osteps, c]`. `strides` default to `pool_size`. With `same` padding, average
//! pooling divides by the number of real (non-padding) values, as Keras does; max
//! pooling ignores the padding. Max pooling remembers the winning input of each output.

use super::{single_input, Ctx, Layer};
use crate::error::{Error, Result};
use crate::kernels::{max_with_index, num_threads, parallel, share, PatchGeometry, SyncPtr};
use crate::keras::layer_config::{base_config, LayerConfig};
use serde_json::{json, Map, Value};

pub struct Pool {
    name: String,
    class: &'static str,
    max: bool,
    rank: usize,
    same: bool,
    geom: PatchGeometry,
    out_shape: Vec<usize>,
    /// Max pooling: per output value, the index (within the sample) of its input.
    argmax: Vec<u32>,
}

impl Pool {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let (class, max, rank) = match cfg.class {
            "MaxPooling1D" => ("MaxPooling1D", true, 1),
            "MaxPooling2D" => ("MaxPooling2D", true, 2),
            "AveragePooling1D" => ("AveragePooling1D", false, 1),
            _ => ("AveragePooling2D", false, 2),
        };
        let input = single_input(cfg, inputs, rank + 1..=rank + 1)?;
        let pool = cfg.ints("pool_size", rank, Some(2))?;
        let strides = match cfg.ints("strides", rank, Some(0)) {
            Ok(s) if s.iter().all(|&v| v > 0) => s,
            Ok(_) => pool.clone(),
            Err(e) => return Err(e),
        };
        let same = cfg.choice("padding", &["valid", "same"])? == "same";
        cfg.require("data_format", &[json!("channels_last")])?;
        cfg.finish()?;
        let (h, w, c) = if rank == 1 { (1, input[0], input[1]) } else { (input[0], input[1], input[2]) };
        let lift = |v: &[usize]| if rank == 1 { (1, v[0]) } else { (v[0], v[1]) };
        let geom = PatchGeometry::new((h, w, c), lift(&pool), lift(&strides), same)
            .ok_or_else(|| Error::shape(format!("{}: pool {pool:?} does not fit input {input:?}", cfg.who())))?;
        let out_shape = if rank == 1 { vec![geom.out_w, c] } else { vec![geom.out_h, geom.out_w, c] };
        Ok(Pool { name: cfg.name.clone(), class, max, rank, same, geom, out_shape, argmax: Vec::new() })
    }

    fn out_len(&self) -> usize {
        self.geom.out_pixels() * self.geom.channels
    }
}

impl Pool {
    /// One sample: `xs` `[h, w, c]` -> `out` `[oh, ow, c]`; `idx` (max pooling) receives the
    /// index within the sample of each output's winning input.
    fn forward_sample(&self, xs: &[f32], out: &mut [f32], idx: &mut [u32]) {
        let g = self.geom;
        let c = g.channels;
        for pix in 0..g.out_pixels() {
            let (oy, ox) = (pix / g.out_w, pix % g.out_w);
            let out = &mut out[pix * c..][..c];
            let window = (0..g.kh).flat_map(|ky| (0..g.kw).map(move |kx| (ky, kx)));
            let mut bases = window.filter_map(|(ky, kx)| g.source(oy, ox, ky, kx)).map(|(iy, ix)| (iy * g.in_w + ix) * c);
            // Every window holds at least one real input (Keras' padding never exceeds the window).
            let first = bases.next().unwrap_or(0);
            out.copy_from_slice(&xs[first..first + c]);
            if self.max {
                let idx = &mut idx[pix * c..][..c];
                idx.iter_mut().enumerate().for_each(|(ch, i)| *i = (first + ch) as u32);
                for base in bases {
                    max_with_index(out, idx, &xs[base..base + c], base as u32);
                }
            } else {
                let mut count = 1usize;
                for base in bases {
                    out.iter_mut().zip(&xs[base..base + c]).for_each(|(m, v)| *m += v);
                    count += 1;
                }
                let inv = 1.0 / count as f32;
                out.iter_mut().for_each(|v| *v *= inv);
            }
        }
    }

    /// One sample `b`: output gradient `dy` -> input gradient `dxs` (overwritten).
    fn backward_sample(&self, b: usize, dy: &[f32], dxs: &mut [f32]) {
        let g = self.geom;
        let c = g.channels;
        dxs.fill(0.0);
        if self.max {
            let idx = &self.argmax[b * dy.len()..][..dy.len()];
            for (&i, &d) in idx.iter().zip(dy) {
                dxs[i as usize] += d;
            }
            return;
        }
        for pix in 0..g.out_pixels() {
            let (oy, ox) = (pix / g.out_w, pix % g.out_w);
            let d = &dy[pix * c..][..c];
            let window = (0..g.kh).flat_map(|ky| (0..g.kw).map(move |kx| (ky, kx)));
            let sources = window.filter_map(|(ky, kx)| g.source(oy, ox, ky, kx));
            let inv = 1.0 / sources.clone().count().max(1) as f32;
            for (iy, ix) in sources {
                let dst = &mut dxs[(iy * g.in_w + ix) * c..][..c];
                dst.iter_mut().zip(d).for_each(|(a, b)| *a += b * inv);
            }
        }
    }
}

impl Layer for Pool {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        self.class
    }
    fn output_shape(&self) -> &[usize] {
        &self.out_shape
    }
    fn set_capacity(&mut self, batch: usize) {
        if self.max {
            self.argmax.resize(batch * self.out_len(), 0);
        }
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], _p: &[f32], y: &mut [f32]) {
        let (in_len, out_len) = (self.geom.in_len(), self.out_len());
        let (yp, ap) = (SyncPtr::new(y), SyncPtr::new(&mut self.argmax));
        let this = &*self;
        parallel(num_threads(), &|t, n| {
            for b in share(ctx.batch, t, n, 1) {
                // SAFETY: parts handle disjoint samples.
                let (ys, idx) = unsafe { (yp.slice(b * out_len, out_len), if this.max { ap.slice(b * out_len, out_len) } else { &mut [][..] }) };
                this.forward_sample(&x[0][b * in_len..][..in_len], ys, idx);
            }
        });
    }

    fn backward(&mut self, batch: usize, _x: &[&[f32]], _y: &[f32], dy: &mut [f32], _p: &[f32], _dp: &mut [f32], dx: &mut [&mut [f32]]) {
        if dx[0].is_empty() {
            return;
        }
        let (in_len, out_len) = (self.geom.in_len(), self.out_len());
        let dxp = SyncPtr::new(dx[0]);
        let (this, dy) = (&*self, &*dy);
        parallel(num_threads(), &|t, n| {
            for b in share(batch, t, n, 1) {
                // SAFETY: parts handle disjoint samples.
                let dxs = unsafe { dxp.slice(b * in_len, in_len) };
                this.backward_sample(b, &dy[b * out_len..][..out_len], dxs);
            }
        });
    }

    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, true);
        let (p, s) = if self.rank == 1 {
            (json!([self.geom.kw]), json!([self.geom.sw]))
        } else {
            (json!([self.geom.kh, self.geom.kw]), json!([self.geom.sh, self.geom.sw]))
        };
        m.insert("pool_size".into(), p);
        m.insert("padding".into(), if self.same { "same" } else { "valid" }.into());
        m.insert("strides".into(), s);
        m.insert("data_format".into(), "channels_last".into());
        m
    }
}
