//! `Conv1D` and `Conv2D` (channels-last, strides, padding `valid`/`same`, fused activation).
//!
//! Conv2D: input `[batch, h, w, in]`, output `[batch, oh, ow, filters]`, kernel
//! `[kh, kw, in, filters]`, bias `[filters]`. Conv1D: input `[batch, steps, in]`, kernel
//! `[k, in, filters]` (run as a 2-D convolution of height 1). Each sample is lowered with
//! im2col into `[oh*ow, kh*kw*in]` and multiplied by the kernel seen as `[kh*kw*in, filters]`.
//! Samples are split across the kernel team; each part owns its patch buffer and
//! kernel-gradient partial sum, allocated once by `set_capacity`.

use super::fused_activation::FusedActivation;
use super::kernel_options::{self, KernelOptions};
use super::{single_input, Ctx, Layer, ParamSpec};
use crate::activations::Activation;
use crate::error::{Error, Result};
use crate::kernels::{add_row_bias, col2im, im2col, matmul, num_threads, parallel, share, Mat, PatchGeometry, SyncPtr};
use crate::keras::layer_config::{base_config, LayerConfig};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use serde_json::{json, Map, Value};

pub struct Conv {
    name: String,
    trainable: bool,
    rank: usize,
    geom: PatchGeometry,
    filters: usize,
    use_bias: bool,
    same: bool,
    activation: FusedActivation,
    params: Vec<ParamSpec>,
    out_shape: Vec<usize>,
    workers: Vec<Mutex<Scratch>>,
}

/// One thread's buffers: patches of one sample, their gradient, and a kernel-gradient sum.
#[derive(Default)]
struct Scratch {
    cols: Vec<f32>,
    dcols: Vec<f32>,
    dkernel: Vec<f32>,
}

impl Conv {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let rank = if cfg.class == "Conv1D" { 1 } else { 2 };
        let input = single_input(cfg, inputs, rank + 1..=rank + 1)?;
        let filters = cfg.usize("filters")?;
        let kernel = cfg.ints("kernel_size", rank, None)?;
        let strides = cfg.ints("strides", rank, Some(1))?;
        let padding = cfg.choice("padding", &["valid", "same"])?;
        cfg.require("data_format", &[json!("channels_last")])?;
        cfg.require("dilation_rate", &[json!(1), json!(vec![1; rank])])?;
        cfg.require("groups", &[json!(1)])?;
        let opts = KernelOptions::read(cfg)?;
        cfg.finish()?;
        let (h, w, c) = if rank == 1 { (1, input[0], input[1]) } else { (input[0], input[1], input[2]) };
        let (kh, kw) = if rank == 1 { (1, kernel[0]) } else { (kernel[0], kernel[1]) };
        let (sh, sw) = if rank == 1 { (1, strides[0]) } else { (strides[0], strides[1]) };
        let same = padding == "same";
        let geom = PatchGeometry::new((h, w, c), (kh, kw), (sh, sw), same).ok_or_else(|| {
            Error::shape(format!("{}: kernel {kernel:?} does not fit input {input:?} with padding 'valid'", cfg.who()))
        })?;
        let mut kshape = kernel.clone();
        kshape.extend([c, filters]);
        let params = opts.params(kshape, filters);
        let out_shape = if rank == 1 { vec![geom.out_w, filters] } else { vec![geom.out_h, geom.out_w, filters] };
        Ok(Conv {
            name: cfg.name.clone(),
            trainable: cfg.trainable(),
            rank,
            geom,
            filters,
            use_bias: opts.use_bias,
            same,
            activation: FusedActivation::new(opts.activation),
            params,
            out_shape,
            workers: Vec::new(),
        })
    }

    /// Samples lowered together into one matrix product.
    fn block(&self) -> usize {
        (BLOCK_VALUES / (self.geom.out_pixels() * self.geom.patch_len()).max(1)).clamp(1, 16)
    }

    fn out_len(&self) -> usize {
        self.geom.out_pixels() * self.filters
    }
}

/// Patch values one block may hold (2 MiB of f32): thin layers lower several samples at
/// once into one taller product, wide ones one sample at a time.
const BLOCK_VALUES: usize = 1 << 19;

/// `range` in consecutive pieces of at most `size`.
fn blocks(range: std::ops::Range<usize>, size: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    range.clone().step_by(size).map(move |s| s..(s + size).min(range.end))
}

impl Layer for Conv {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        if self.rank == 1 {
            "Conv1D"
        } else {
            "Conv2D"
        }
    }
    fn output_shape(&self) -> &[usize] {
        &self.out_shape
    }
    fn params(&self) -> &[ParamSpec] {
        &self.params
    }
    fn hand_activation_to_loss(&mut self, which: Option<Activation>) -> bool {
        self.activation.hand_to_loss(which)
    }

    fn set_capacity(&mut self, batch: usize) {
        self.activation.set_capacity(batch * self.out_len());
        let threads = num_threads().min(batch.max(1));
        let cols = self.block() * self.geom.out_pixels() * self.geom.patch_len();
        let klen = self.geom.patch_len() * self.filters;
        self.workers.resize_with(threads, Default::default);
        for s in &mut self.workers {
            let s = s.get_mut().unwrap_or_else(|e| e.into_inner());
            s.cols.resize(cols, 0.0);
            s.dcols.resize(cols, 0.0);
            s.dkernel.resize(klen, 0.0);
        }
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], p: &[f32], y: &mut [f32]) {
        let (g, filters, batch) = (self.geom, self.filters, ctx.batch);
        let (in_len, out_len, plen) = (g.in_len(), self.out_len(), g.patch_len());
        let (kernel, bias) = p.split_at(plen * filters);
        let use_bias = self.use_bias;
        let y_ptr = SyncPtr::new(y);
        let workers = &self.workers;
        let block = self.block();
        // Local activations (relu, ...) are applied in the parallel loop while the block is hot.
        let act = &self.activation;
        parallel(workers.len(), &|t, n| {
            let mut s = workers[t].lock().unwrap_or_else(|e| e.into_inner());
            let s = &mut *s;
            for samples in blocks(share(batch, t, n, 1), block) {
                let rows = samples.len() * g.out_pixels();
                // SAFETY: sample ranges of different parts are disjoint.
                let ys = unsafe { y_ptr.slice(samples.start * out_len, samples.len() * out_len) };
                for (k, i) in samples.enumerate() {
                    im2col(&g, &x[0][i * in_len..][..in_len], &mut s.cols[k * g.out_pixels() * plen..]);
                }
                matmul(ys, Mat::new(&s.cols, rows, plen), Mat::new(kernel, plen, filters), false);
                if use_bias {
                    add_row_bias(ys, bias);
                }
                if act.is_local() {
                    act.forward_part(ys, filters);
                }
            }
        });
        if !self.activation.is_local() {
            self.activation.forward(y, filters);
        }
    }

    fn backward(&mut self, batch: usize, x: &[&[f32]], y: &[f32], dy: &mut [f32], p: &[f32], dp: &mut [f32], dx: &mut [&mut [f32]]) {
        let (g, filters) = (self.geom, self.filters);
        let (in_len, out_len, plen) = (g.in_len(), self.out_len(), g.patch_len());
        let local = self.activation.is_local();
        if !local {
            self.activation.backward(y, dy, filters);
        }
        let kernel = &p[..plen * filters];
        let want_dx = !dx[0].is_empty();
        let dx_ptr = SyncPtr::new(dx[0]);
        let dy_ptr = SyncPtr::new(dy);
        let act = &self.activation;
        let workers = &self.workers;
        let used = AtomicUsize::new(0);
        let block = self.block();
        parallel(workers.len(), &|t, n| {
            let mut s = workers[t].lock().unwrap_or_else(|e| e.into_inner());
            let s = &mut *s;
            used.fetch_max(n, Ordering::Relaxed);
            s.dkernel.fill(0.0);
            for samples in blocks(share(batch, t, n, 1), block) {
                let rows = samples.len() * g.out_pixels();
                let span = samples.start * out_len..(samples.start + samples.len()) * out_len;
                // SAFETY: sample ranges of different parts are disjoint.
                let dys = unsafe { dy_ptr.slice(span.start, span.len()) };
                if local {
                    act.backward(&y[span], dys, filters);
                }
                let dys = &*dys;
                for (k, i) in samples.clone().enumerate() {
                    im2col(&g, &x[0][i * in_len..][..in_len], &mut s.cols[k * g.out_pixels() * plen..]);
                }
                matmul(&mut s.dkernel, Mat::t(&s.cols, plen, rows), Mat::new(dys, rows, filters), true);
                if want_dx {
                    matmul(&mut s.dcols, Mat::new(dys, rows, filters), Mat::t(kernel, filters, plen), false);
                    for (k, i) in samples.enumerate() {
                        // SAFETY: sample ranges of different parts are disjoint.
                        let dxs = unsafe { dx_ptr.slice(i * in_len, in_len) };
                        dxs.fill(0.0);
                        col2im(&g, &s.dcols[k * g.out_pixels() * plen..], dxs);
                    }
                }
            }
        });
        let (dkernel, dbias) = dp.split_at_mut(plen * filters);
        let parts = &mut self.workers[..used.into_inner()];
        dkernel.copy_from_slice(&parts[0].get_mut().unwrap_or_else(|e| e.into_inner()).dkernel);
        for s in &mut parts[1..] {
            crate::kernels::add_assign(dkernel, &s.get_mut().unwrap_or_else(|e| e.into_inner()).dkernel);
        }
        if self.use_bias {
            crate::kernels::col_sums_into(dbias, &dy[..batch * out_len], filters);
        }
    }

    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, self.trainable);
        let (k, s) = if self.rank == 1 {
            (json!([self.geom.kw]), json!([self.geom.sw]))
        } else {
            (json!([self.geom.kh, self.geom.kw]), json!([self.geom.sh, self.geom.sw]))
        };
        m.insert("filters".into(), self.filters.into());
        m.insert("kernel_size".into(), k);
        m.insert("strides".into(), s);
        m.insert("padding".into(), if self.same { "same" } else { "valid" }.into());
        m.insert("data_format".into(), "channels_last".into());
        m.insert("dilation_rate".into(), json!(vec![1; self.rank]));
        m.insert("groups".into(), 1.into());
        kernel_options::write(&mut m, self.activation.activation, &self.params);
        m
    }
}
