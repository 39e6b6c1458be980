//! Test helper: checks a layer's `backward` against central finite differences of
//! `loss = sum(w ⊙ y)` for a fixed random `w`, with respect to every differentiable input
//! and every trainable weight.
//!
//! Weights start from the layer's initialisers plus uniform noise in ±0.3 (moving variances
//! stay positive); inputs are uniform in ±1 unless given ([`check_gradients_at`]).

use super::{build_layer, Ctx, Layer};
use crate::keras::layer_config::LayerConfig;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// Builds `class` with config `cfg` (named after the class) for inputs of shapes `inputs`.
pub(crate) fn build(class: &str, cfg: Value, inputs: &[Vec<usize>]) -> Box<dyn Layer> {
    let map = cfg.as_object().cloned().unwrap_or_default();
    let lc = LayerConfig::new(class, &map, "layer");
    build_layer(&lc, inputs).unwrap_or_else(|e| panic!("{class} {cfg}: {e}"))
}

/// Runs the check on a batch of `batch` samples; `what` names the case in failures.
/// `training` selects the forward mode of the loss (the mode backward is taken in).
pub(crate) fn check_gradients(layer: &mut dyn Layer, inputs: &[Vec<usize>], batch: usize, training: bool, what: &str) {
    let mut rng = SmallRng::seed_from_u64(5);
    let xs = inputs.iter().map(|s| (0..batch * s.iter().product::<usize>()).map(|_| rng.gen_range(-1.0f32..1.0)).collect()).collect();
    check_gradients_at(layer, xs, batch, training, what)
}

/// [`check_gradients`] at given input values `xs` (one vector per input, `batch` samples).
pub(crate) fn check_gradients_at(layer: &mut dyn Layer, mut xs: Vec<Vec<f32>>, batch: usize, training: bool, what: &str) {
    let mut rng = SmallRng::seed_from_u64(7);
    let in_lens: Vec<usize> = xs.iter().map(|x| x.len()).collect();
    let diff = layer.differentiable_input();
    let specs = layer.params().to_vec();
    let mut p = Vec::new();
    let mut trainable = Vec::new();
    for s in &specs {
        let mut w = vec![0.0; s.len()];
        s.init.fill(&mut w, &s.shape, &mut rng);
        w.iter_mut().for_each(|v| *v += rng.gen_range(-0.3f32..0.3));
        trainable.extend(std::iter::repeat_n(s.trainable, w.len()));
        p.extend(w);
    }
    let out_len = batch * layer.output_shape().iter().product::<usize>();
    let w: Vec<f32> = (0..out_len).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
    layer.set_capacity(batch);

    let mut y = vec![0.0; out_len];
    let loss = |layer: &mut dyn Layer, xs: &[Vec<f32>], p: &[f32], y: &mut Vec<f32>| -> f64 {
        let mut r = SmallRng::seed_from_u64(11);
        let mut ctx = Ctx { batch, training, rng: &mut r };
        let refs: Vec<&[f32]> = xs.iter().map(|x| x.as_slice()).collect();
        layer.forward(&mut ctx, &refs, p, y);
        y.iter().zip(&w).map(|(&a, &b)| a as f64 * b as f64).sum()
    };

    // Analytic gradients.
    loss(layer, &xs, &p, &mut y);
    let mut dy = w.clone();
    let mut dp = vec![f32::NAN; p.len()];
    let mut dxs: Vec<Vec<f32>> = in_lens.iter().map(|&n| if diff { vec![f32::NAN; n] } else { Vec::new() }).collect();
    {
        let refs: Vec<&[f32]> = xs.iter().map(|x| x.as_slice()).collect();
        let mut dx_refs: Vec<&mut [f32]> = dxs.iter_mut().map(|d| d.as_mut_slice()).collect();
        layer.backward(batch, &refs, &y, &mut dy, &p, &mut dp, &mut dx_refs);
    }

    let h = 1e-3f32;
    let close = |a: f32, n: f64| (a as f64 - n).abs() <= 1e-2 * (a.abs() as f64).max(n.abs()) + 2e-3;
    if diff {
        for i in 0..xs.len() {
            for j in 0..xs[i].len() {
                let orig = xs[i][j];
                xs[i][j] = orig + h;
                let up = loss(layer, &xs, &p, &mut y);
                xs[i][j] = orig - h;
                let down = loss(layer, &xs, &p, &mut y);
                xs[i][j] = orig;
                let num = (up - down) / (2.0 * h as f64);
                assert!(close(dxs[i][j], num), "{what}: d/dx{i}[{j}]: backward {} vs numeric {num}", dxs[i][j]);
            }
        }
    }
    for j in 0..p.len() {
        if !trainable[j] {
            continue;
        }
        let orig = p[j];
        p[j] = orig + h;
        let up = loss(layer, &xs, &p, &mut y);
        p[j] = orig - h;
        let down = loss(layer, &xs, &p, &mut y);
        p[j] = orig;
        let num = (up - down) / (2.0 * h as f64);
        assert!(close(dp[j], num), "{what}: d/dp[{j}]: backward {} vs numeric {num}", dp[j]);
    }
}
