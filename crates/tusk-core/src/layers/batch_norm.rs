//! `BatchNormalization` on the last axis (Keras 3 semantics).
//!
//! Input `[batch, ..., C]`, output the same shape; every position is a row of `C` channels.
//! Weights, each `[C]`, in Keras' order: `gamma` (if `scale`), `beta` (if `center`),
//! `moving_mean`, `moving_variance` (the last two not trainable).
//! - Inference: `y = (x - moving_mean) / sqrt(moving_variance + eps) * gamma + beta`.
//! - Training (and the layer trainable): normalise with the mean and the biased variance of
//!   the batch (over all rows), then [`Layer::update_state`] moves the statistics:
//!   `moving = moving * momentum + batch_stat * (1 - momentum)` (biased variance, as Keras 3).
//!
//! A frozen layer (`trainable: false`) uses the moving statistics in training too, as Keras 3.

use super::{single_input, Ctx, Layer, ParamSpec};
use super::batch_norm_config::BatchNormConfig;
use crate::error::Result;
use crate::keras::layer_config::{base_config, LayerConfig};
use serde_json::{Map, Value};

pub struct BatchNorm {
    name: String,
    trainable: bool,
    channels: usize,
    rows_per_sample: usize,
    config: BatchNormConfig,
    params: Vec<ParamSpec>,
    shape: Vec<usize>,
    /// Per channel: the mean and `1/sqrt(var + eps)` used by the last forward pass.
    mean: Vec<f32>,
    inv_std: Vec<f32>,
    /// Per channel: the variance the last forward pass used (biased batch variance in
    /// training, else the moving variance); written by `update_state` when `pending`.
    batch_var: Vec<f32>,
    /// Per channel: the affine map `y = x * a + b` of the last forward pass.
    a: Vec<f32>,
    b: Vec<f32>,
    /// Scratch per channel: sums in f64 (`2 * C`) and their means (`2 * C`).
    sums: Vec<f64>,
    means: Vec<f32>,
    /// Normalised input `(x - mean) * inv_std` of the last training pass (for backward).
    xhat: Vec<f32>,
    /// The last forward pass used batch statistics, not yet written by `update_state`.
    pending: bool,
    /// The last training forward pass used batch statistics (else the moving ones).
    used_batch_stats: bool,
}

impl BatchNorm {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let input = single_input(cfg, inputs, 1..=8)?;
        let config = BatchNormConfig::parse(cfg, input.len())?;
        let channels = *input.last().unwrap();
        let mut params = Vec::new();
        if config.scale {
            params.push(ParamSpec::new("gamma", vec![channels], config.gamma_initializer.clone()));
        }
        if config.center {
            params.push(ParamSpec::new("beta", vec![channels], config.beta_initializer.clone()));
        }
        for (name, init) in [("moving_mean", config.moving_mean_initializer.clone()), ("moving_variance", config.moving_variance_initializer.clone())] {
            params.push(ParamSpec { trainable: false, ..ParamSpec::new(name, vec![channels], init) });
        }
        let c = vec![0.0; channels];
        Ok(BatchNorm {
            name: cfg.name.clone(),
            trainable: cfg.trainable(),
            channels,
            rows_per_sample: input[..input.len() - 1].iter().product(),
            config,
            params,
            shape: input.to_vec(),
            mean: c.clone(),
            inv_std: c.clone(),
            batch_var: c.clone(),
            a: c.clone(),
            b: c,
            sums: vec![0.0; 2 * channels],
            means: vec![0.0; 2 * channels],
            xhat: Vec::new(),
            pending: false,
            used_batch_stats: false,
        })
    }

    /// `(gamma, beta, moving_mean, moving_variance)` views of `p` (gamma/beta `None` when off).
    fn split<'p>(&self, p: &'p [f32]) -> (Option<&'p [f32]>, Option<&'p [f32]>, &'p [f32], &'p [f32]) {
        let c = self.channels;
        let mut rest = p;
        let mut take = |on: bool| {
            on.then(|| {
                let (h, t) = rest.split_at(c);
                rest = t;
                h
            })
        };
        let gamma = take(self.config.scale);
        let beta = take(self.config.center);
        let (mm, mv) = take(true).zip(take(true)).expect("moving statistics");
        (gamma, beta, mm, mv)
    }

    /// Offset of the moving statistics in the layer's weights.
    fn moving_offset(&self) -> usize {
        (self.config.scale as usize + self.config.center as usize) * self.channels
    }
}

impl Layer for BatchNorm {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        "BatchNormalization"
    }
    fn output_shape(&self) -> &[usize] {
        &self.shape
    }
    fn params(&self) -> &[ParamSpec] {
        &self.params
    }
    fn set_capacity(&mut self, batch: usize) {
        self.xhat.resize(batch * self.rows_per_sample * self.channels, 0.0);
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], p: &[f32], y: &mut [f32]) {
        let c = self.channels;
        let x = x[0];
        let rows = ctx.batch * self.rows_per_sample;
        let (gamma, beta, mm, mv) = self.split(p);
        self.used_batch_stats = ctx.training && self.trainable;
        self.pending = self.used_batch_stats;
        if self.used_batch_stats && rows > 0 {
            // Two passes in f64: the mean, then the biased variance (as tf.nn.moments).
            let acc = &mut self.sums[..c];
            acc.fill(0.0);
            for row in x.chunks_exact(c) {
                acc.iter_mut().zip(row).for_each(|(s, &v)| *s += v as f64);
            }
            let n = rows as f64;
            self.mean.iter_mut().zip(acc.iter()).for_each(|(m, s)| *m = (s / n) as f32);
            acc.iter_mut().for_each(|s| *s = 0.0);
            for row in x.chunks_exact(c) {
                for ((s, &v), &m) in acc.iter_mut().zip(row).zip(&self.mean) {
                    let d = (v - m) as f64;
                    *s += d * d;
                }
            }
            self.batch_var.iter_mut().zip(acc.iter()).for_each(|(v, s)| *v = (s / n) as f32);
        } else {
            self.mean.copy_from_slice(mm);
            self.batch_var.copy_from_slice(mv);
            self.pending = false;
        }
        let eps = self.config.epsilon;
        self.inv_std.iter_mut().zip(&self.batch_var).for_each(|(i, &v)| *i = 1.0 / (v + eps).sqrt());
        // y = x * a + b with a = gamma * inv_std, b = beta - mean * a (tf.nn.batch_normalization).
        for k in 0..c {
            let a = self.inv_std[k] * gamma.map_or(1.0, |g| g[k]);
            self.a[k] = a;
            self.b[k] = beta.map_or(0.0, |b| b[k]) - self.mean[k] * a;
        }
        for (yr, xr) in y.chunks_exact_mut(c).zip(x.chunks_exact(c)) {
            for k in 0..c {
                yr[k] = xr[k] * self.a[k] + self.b[k];
            }
        }
        if ctx.training {
            let xhat = &mut self.xhat[..rows * c];
            for (hr, xr) in xhat.chunks_exact_mut(c).zip(x.chunks_exact(c)) {
                for k in 0..c {
                    hr[k] = (xr[k] - self.mean[k]) * self.inv_std[k];
                }
            }
        }
    }

    fn update_state(&mut self, p: &mut [f32]) {
        if !self.pending {
            return;
        }
        self.pending = false;
        let (c, m) = (self.channels, self.config.momentum);
        let (mm, mv) = p[self.moving_offset()..].split_at_mut(c);
        for k in 0..c {
            mm[k] = mm[k] * m + self.mean[k] * (1.0 - m);
            mv[k] = mv[k] * m + self.batch_var[k] * (1.0 - m);
        }
    }

    fn backward(&mut self, batch: usize, _x: &[&[f32]], _y: &[f32], dy: &mut [f32], _p: &[f32], dp: &mut [f32], dx: &mut [&mut [f32]]) {
        let c = self.channels;
        let rows = batch * self.rows_per_sample;
        let xhat = &self.xhat[..rows * c];
        let dy = &dy[..rows * c];
        // dbeta = sum(dy), dgamma = sum(dy * xhat), per channel, in f64.
        self.sums.fill(0.0);
        let (dbeta, dgamma) = self.sums.split_at_mut(c);
        for (gr, hr) in dy.chunks_exact(c).zip(xhat.chunks_exact(c)) {
            for k in 0..c {
                dbeta[k] += gr[k] as f64;
                dgamma[k] += (gr[k] * hr[k]) as f64;
            }
        }
        dp.fill(0.0);
        let mut off = 0;
        if self.config.scale {
            dp[..c].iter_mut().zip(dgamma.iter()).for_each(|(d, &s)| *d = s as f32);
            off += c;
        }
        if self.config.center {
            dp[off..off + c].iter_mut().zip(dbeta.iter()).for_each(|(d, &s)| *d = s as f32);
        }
        if dx[0].is_empty() {
            return;
        }
        let scale = &self.a; // gamma * inv_std, from forward
        if self.used_batch_stats {
            // dx = gamma * inv_std * (dy - mean(dy) - xhat * mean(dy * xhat)).
            let n = rows as f64;
            let (mdb, mdg) = self.means.split_at_mut(c);
            mdb.iter_mut().zip(dbeta.iter()).for_each(|(m, s)| *m = (s / n) as f32);
            mdg.iter_mut().zip(dgamma.iter()).for_each(|(m, s)| *m = (s / n) as f32);
            for ((dr, gr), hr) in dx[0].chunks_exact_mut(c).zip(dy.chunks_exact(c)).zip(xhat.chunks_exact(c)) {
                for k in 0..c {
                    dr[k] = scale[k] * (gr[k] - mdb[k] - hr[k] * mdg[k]);
                }
            }
        } else {
            for (dr, gr) in dx[0].chunks_exact_mut(c).zip(dy.chunks_exact(c)) {
                for k in 0..c {
                    dr[k] = scale[k] * gr[k];
                }
            }
        }
    }

    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, self.trainable);
        self.config.write(&mut m);
        m
    }
}

#[cfg(test)]
mod tests {
    use super::super::grad_check::{build, check_gradients};
    use serde_json::json;

    #[test]
    fn gradients_in_training_mode() {
        for (shape, cfg) in [
            (vec![5], json!({})),
            (vec![3, 4], json!({"axis": 2})),
            (vec![2, 3, 4], json!({"scale": false})),
            (vec![3], json!({"center": false, "axis": [1]})),
        ] {
            let mut layer = build("BatchNormalization", cfg.clone(), &[shape.clone()]);
            check_gradients(layer.as_mut(), &[shape], 4, true, &format!("{cfg}"));
        }
    }

    #[test]
    fn gradients_of_a_frozen_layer_use_moving_statistics() {
        let mut layer = build("BatchNormalization", json!({"trainable": false}), &[vec![3]]);
        check_gradients(layer.as_mut(), &[vec![3]], 4, true, "frozen");
    }

    #[test]
    fn rejects_other_axes_and_options() {
        use crate::keras::layer_config::LayerConfig;
        for (cfg, needle) in [
            (json!({"axis": 1}), "axis=1"),
            (json!({"axis": [1, 2]}), "axis=[1,2]"),
            (json!({"renorm": true}), "renorm"),
            (json!({"synchronized": true}), "synchronized"),
            (json!({"gamma_regularizer": "l2"}), "gamma_regularizer"),
            (json!({"beta_constraint": {"class_name": "NonNeg"}}), "beta_constraint"),
        ] {
            let map = cfg.as_object().unwrap().clone();
            let lc = LayerConfig::new("BatchNormalization", &map, "bn");
            let e = crate::layers::build_layer(&lc, &[vec![4, 3]]).err().expect("must fail").to_string();
            assert!(e.contains("BatchNormalization 'bn'") && e.contains(needle), "{e}");
        }
    }
}
