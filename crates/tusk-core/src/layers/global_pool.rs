//! `GlobalAveragePooling1D/2D` and `GlobalMaxPooling1D/2D`: the mean (max) over all
//! positions, per channel. 2-D: `[batch, h, w, c] -> [batch, c]`; 1-D: `[batch, steps, c]
//! -> [batch, c]` (`keepdims=True` keeps the pooled axes with size 1). The max's gradient
//! goes to the first position holding the maximum.

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
        let (rank, positions, channels, keepdims, out_shape) = geometry(cfg, inputs)?;
        Ok(GlobalAveragePooling { name: cfg.name.clone(), rank, positions, channels, keepdims, out_shape })
    }
}

/// Reads a global pooling config: `(rank, positions, channels, keepdims, output shape)`;
/// the rank (1 or 2) comes from the class name's last digit.
fn geometry(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<(usize, usize, usize, bool, Vec<usize>)> {
    let rank = if cfg.class.ends_with("1D") { 1 } else { 2 };
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
    Ok((rank, input[..rank].iter().product(), channels, keepdims, out_shape))
}

fn pool_config(name: &str, keepdims: bool) -> Map<String, Value> {
    let mut m = base_config(name, true);
    m.insert("data_format".into(), "channels_last".into());
    m.insert("keepdims".into(), keepdims.into());
    m
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
        pool_config(&self.name, self.keepdims)
    }
}

pub struct GlobalMaxPooling {
    name: String,
    rank: usize,
    positions: usize,
    channels: usize,
    keepdims: bool,
    out_shape: Vec<usize>,
    /// Per output value of the last forward pass: the position of its maximum.
    argmax: Vec<u32>,
}

impl GlobalMaxPooling {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let (rank, positions, channels, keepdims, out_shape) = geometry(cfg, inputs)?;
        Ok(GlobalMaxPooling { name: cfg.name.clone(), rank, positions, channels, keepdims, out_shape, argmax: Vec::new() })
    }
}

impl Layer for GlobalMaxPooling {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        if self.rank == 1 {
            "GlobalMaxPooling1D"
        } else {
            "GlobalMaxPooling2D"
        }
    }
    fn output_shape(&self) -> &[usize] {
        &self.out_shape
    }
    fn set_capacity(&mut self, batch: usize) {
        self.argmax.resize(batch * self.channels, 0);
    }
    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], _p: &[f32], y: &mut [f32]) {
        let (n, c) = (self.positions, self.channels);
        for b in 0..ctx.batch {
            let out = &mut y[b * c..][..c];
            let arg = &mut self.argmax[b * c..][..c];
            let rows = &x[0][b * n * c..][..n * c];
            out.copy_from_slice(&rows[..c]);
            arg.fill(0);
            for (pos, row) in rows.chunks_exact(c).enumerate().skip(1) {
                for k in 0..c {
                    if row[k] > out[k] {
                        out[k] = row[k];
                        arg[k] = pos as u32;
                    }
                }
            }
        }
    }
    fn backward(&mut self, batch: usize, _x: &[&[f32]], _y: &[f32], dy: &mut [f32], _p: &[f32], _dp: &mut [f32], dx: &mut [&mut [f32]]) {
        if dx[0].is_empty() {
            return;
        }
        let (n, c) = (self.positions, self.channels);
        dx[0][..batch * n * c].fill(0.0);
        for b in 0..batch {
            let d = &mut dx[0][b * n * c..][..n * c];
            for k in 0..c {
                d[self.argmax[b * c + k] as usize * c + k] = dy[b * c + k];
            }
        }
    }
    fn config(&self) -> Map<String, Value> {
        pool_config(&self.name, self.keepdims)
    }
}

#[cfg(test)]
mod tests {
    use super::super::grad_check::{build, check_gradients};
    use serde_json::json;

    #[test]
    fn gradients_of_global_pooling() {
        for (class, shape) in [
            ("GlobalMaxPooling1D", vec![7, 3]),
            ("GlobalMaxPooling2D", vec![3, 4, 2]),
            ("GlobalAveragePooling1D", vec![5, 2]),
            ("GlobalAveragePooling2D", vec![3, 3, 2]),
        ] {
            for keepdims in [false, true] {
                let mut layer = build(class, json!({ "keepdims": keepdims }), &[shape.clone()]);
                check_gradients(layer.as_mut(), &[shape.clone()], 3, true, class);
            }
        }
        let layer = build("GlobalMaxPooling2D", json!({"keepdims": true}), &[vec![3, 4, 2]]);
        assert_eq!(layer.output_shape(), [1, 1, 2]);
    }
}
