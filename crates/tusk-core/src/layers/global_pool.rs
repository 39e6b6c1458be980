//! `GlobalAveragePooling1D/2D`: the mean over all positions, per channel.
//! 2-D: `[batch, h, w, c] -> [batch, c]`; 1-D: `[batch, steps, c] -> [batch, c]`
//! (`keepdims=True` keeps the pooled axes with size 1).

use super::{single_input, Ctx, Layer};
use crate::error::Result;
use crate::keras::layer_config::{base_config, LayerConfig};
use serde_json::{json, Map, Value};

pub struct GlobalAveragePooling {
    name: String,
    rank: usize,
    positions: usize,
    channels: usize,
    keepdims: bool,
    out_shape: Vec<usize>,
}

impl GlobalAveragePooling {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let rank = if cfg.class == "GlobalAveragePooling1D" { 1 } else { 2 };
        let input = single_input(cfg, inputs, rank + 1..=rank + 1)?;
        cfg.require("data_format", &[json!("channels_last")])?;
        let keepdims = cfg.bool("keepdims", false)?;
        cfg.finish()?;
        let channels = input[rank];
        let out_shape = if keepdims {
            let mut s = vec![1; rank];
            s.push(channels);
            s
        } else {
            vec![channels]
        };
        Ok(GlobalAveragePooling {
            name: cfg.name.clone(),
            rank,
            positions: input[..rank].iter().product(),
            channels,
            keepdims,
            out_shape,
        })
    }
}

impl Layer for GlobalAveragePooling {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        if self.rank == 1 {
            "GlobalAveragePooling1D"
        } else {
            "GlobalAveragePooling2D"
        }
    }
    fn output_shape(&self) -> &[usize] {
        &self.out_shape
    }
    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], _p: &[f32], y: &mut [f32]) {
        let (n, c) = (self.positions, self.channels);
        let inv = 1.0 / n as f32;
        for b in 0..ctx.batch {
            let out = &mut y[b * c..][..c];
            crate::kernels::col_sums_into(out, &x[0][b * n * c..][..n * c], c);
            out.iter_mut().for_each(|v| *v *= inv);
        }
    }
    fn backward(&mut self, batch: usize, _x: &[&[f32]], _y: &[f32], dy: &mut [f32], _p: &[f32], _dp: &mut [f32], dx: &mut [&mut [f32]]) {
        if dx[0].is_empty() {
            return;
        }
        let (n, c) = (self.positions, self.channels);
        let inv = 1.0 / n as f32;
        for b in 0..batch {
            let d = &dy[b * c..][..c];
            for row in dx[0][b * n * c..][..n * c].chunks_exact_mut(c) {
                row.iter_mut().zip(d).for_each(|(a, g)| *a = g * inv);
            }
        }
    }
    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, true);
        m.insert("data_format".into(), "channels_last".into());
        m.insert("keepdims".into(), self.keepdims.into());
        m
    }
}
