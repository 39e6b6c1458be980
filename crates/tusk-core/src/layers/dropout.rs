//! `Dropout(rate)`: in training, zeroes each value with probability `rate` and scales the
//! rest by `1 / (1 - rate)`; at inference, the identity. Output shape = input shape.

use super::{single_input, Ctx, Layer};
use crate::error::{Error, Result};
use crate::keras::layer_config::{base_config, LayerConfig};
use multiversion::multiversion;
use rand::Rng;
use serde_json::{Map, Value};

pub struct Dropout {
    name: String,
    rate: f32,
    shape: Vec<usize>,
    /// Per value: `1/(1-rate)` where kept, 0 where dropped (last training batch).
    mask: Vec<f32>,
}

impl Dropout {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let shape = single_input(cfg, inputs, 0..=8)?.to_vec();
        let rate = cfg.f32("rate", 0.5)?;
        if !(0.0..1.0).contains(&rate) {
            return Err(Error::config(format!("{}: rate must be in [0, 1), got {rate}", cfg.who())));
        }
        cfg.unsupported_unless_null(&["noise_shape"])?;
        cfg.ignore(&["seed"]);
        cfg.finish()?;
        Ok(Dropout { name: cfg.name.clone(), rate, shape, mask: Vec::new() })
    }
}

/// Fills `mask` with `scale` (kept) or 0 (dropped, probability `threshold / 2^32`), from a
/// counter-based hash of (`key`, position): vectorisable, and a fresh `key` per batch.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn dropout_mask(mask: &mut [f32], key: u32, threshold: u32, scale: f32) {
    for (i, m) in mask.iter_mut().enumerate() {
        // lowbias32 (Chris Wellons' integer hash) of the position, keyed.
        let mut h = (i as u32).wrapping_mul(0x9e37_79b9) ^ key;
        h ^= h >> 16;
        h = h.wrapping_mul(0x7feb_352d);
        h ^= h >> 15;
        h = h.wrapping_mul(0x846c_a68b);
        h ^= h >> 16;
        *m = if h >= threshold { scale } else { 0.0 };
    }
}

impl Layer for Dropout {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        "Dropout"
    }
    fn output_shape(&self) -> &[usize] {
        &self.shape
    }
    fn set_capacity(&mut self, batch: usize) {
        self.mask.resize(batch * self.shape.iter().product::<usize>(), 0.0);
    }
    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], _p: &[f32], y: &mut [f32]) {
        if !ctx.training || self.rate == 0.0 {
            y.copy_from_slice(x[0]);
            return;
        }
        let keep_scale = 1.0 / (1.0 - self.rate);
        let threshold = (self.rate as f64 * (1u64 << 32) as f64) as u64 as u32;
        let key: u32 = ctx.rng.gen();
        dropout_mask(&mut self.mask[..y.len()], key, threshold, keep_scale);
        for ((yv, xv), m) in y.iter_mut().zip(x[0]).zip(self.mask.iter()) {
            *yv = xv * m;
        }
    }

    fn backward(&mut self, _batch: usize, _x: &[&[f32]], _y: &[f32], dy: &mut [f32], _p: &[f32], _dp: &mut [f32], dx: &mut [&mut [f32]]) {
        if dx[0].is_empty() {
            return;
        }
        if self.rate == 0.0 {
            dx[0].copy_from_slice(dy);
            return;
        }
        for ((d, g), m) in dx[0].iter_mut().zip(dy.iter()).zip(&self.mask) {
            *d = g * m;
        }
    }
    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, true);
        m.insert("rate".into(), (self.rate as f64).into());
        m.insert("seed".into(), Value::Null);
        m.insert("noise_shape".into(), Value::Null);
        m
    }
}
