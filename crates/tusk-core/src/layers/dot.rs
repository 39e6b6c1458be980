//! `Dot`: the dot product of two inputs along an axis (Keras' `Dot(axes, normalize)`), as
//! recommender models use it (two embeddings, flattened, then `Dot(axes=1)`).
//!
//! Shape contract: two inputs of per-sample shape `[d]` each, `axes` 1 or -1 (or a pair of
//! them); the output is `[1]` per sample: `y = sum_k a_k b_k`, or with `normalize` the cosine
//! `sum_k a_k b_k / (|a| |b|)` (each vector L2-normalised first, as Keras does). Other ranks
//! and axes are refused by name.

use super::{Ctx, Layer};
use crate::error::{Error, Result};
use crate::keras::layer_config::{base_config, LayerConfig};
use serde_json::{Map, Value};

/// Keras' epsilon in `l2_normalize`: `x / sqrt(max(sum x², 1e-12))`.
const NORM_EPSILON: f32 = 1e-12;

pub struct Dot {
    name: String,
    axes: Value,
    normalize: bool,
    width: usize,
    out_shape: Vec<usize>,
}

impl Dot {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let axes = cfg.raw("axes").cloned().unwrap_or(Value::from(-1));
        let normalize = cfg.bool("normalize", false)?;
        cfg.finish()?;
        let ok_axis = |v: &Value| matches!(v.as_i64(), Some(1) | Some(-1));
        let axes_ok = match &axes {
            Value::Array(pair) => pair.len() == 2 && pair.iter().all(ok_axis),
            v => ok_axis(v),
        };
        match inputs {
            [a, b] if a.len() == 1 && a == b && axes_ok => {}
            [a, b] => {
                return Err(Error::unsupported(format!(
                    "{}: Dot of inputs [None, {a:?}] and [None, {b:?}] over axes {axes} (tusk supports two vectors of one \
                     length, axes=1 or -1)",
                    cfg.who()
                )))
            }
            _ => return Err(Error::config(format!("{}: Dot takes exactly 2 inputs, got {}", cfg.who(), inputs.len()))),
        }
        Ok(Dot { name: cfg.name.clone(), axes, normalize, width: inputs[0][0], out_shape: vec![1] })
    }

    /// `(dot, |a|, |b|)` of one sample; the norms are 1 without `normalize`.
    fn parts(&self, a: &[f32], b: &[f32]) -> (f32, f32, f32) {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        if !self.normalize {
            return (dot, 1.0, 1.0);
        }
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().max(NORM_EPSILON).sqrt();
        (dot, norm(a), norm(b))
    }
}

impl Layer for Dot {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        "Dot"
    }
    fn output_shape(&self) -> &[usize] {
        &self.out_shape
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], _p: &[f32], y: &mut [f32]) {
        let d = self.width;
        for (i, out) in y.iter_mut().enumerate().take(ctx.batch) {
            let (dot, na, nb) = self.parts(&x[0][i * d..][..d], &x[1][i * d..][..d]);
            *out = dot / (na * nb);
        }
    }

    fn backward(&mut self, batch: usize, x: &[&[f32]], y: &[f32], dy: &mut [f32], _p: &[f32], _dp: &mut [f32], dx: &mut [&mut [f32]]) {
        let d = self.width;
        for i in 0..batch {
            let (a, b) = (&x[0][i * d..][..d], &x[1][i * d..][..d]);
            let (_, na, nb) = self.parts(a, b);
            let (g, cos) = (dy[i], y[i]);
            for (input, (this, other, n_this)) in [(a, b, na), (b, a, nb)].into_iter().enumerate() {
                if dx[input].is_empty() {
                    continue;
                }
                let out = &mut dx[input][i * d..][..d];
                for k in 0..d {
                    // d(dot)/d this_k = other_k; with normalize, d cos / d this_k =
                    // other_k / (|a||b|) - cos * this_k / |this|².
                    out[k] = if self.normalize {
                        g * (other[k] / (na * nb) - cos * this[k] / (n_this * n_this))
                    } else {
                        g * other[k]
                    };
                }
            }
        }
    }

    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, true);
        m.insert("axes".into(), self.axes.clone());
        m.insert("normalize".into(), self.normalize.into());
        m
    }
}

#[cfg(test)]
mod tests {
    use super::super::grad_check::{build, check_gradients};
    use serde_json::{json, Map};

    #[test]
    fn forward_is_the_dot_product_and_cosine() {
        let mut dot = build("Dot", json!({"axes": 1}), &[vec![3], vec![3]]);
        let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(0);
        let mut ctx = super::Ctx { batch: 2, training: false, rng: &mut rng };
        let (a, b) = ([1.0f32, 2.0, 3.0, 1.0, 0.0, 0.0], [4.0f32, 5.0, 6.0, 0.0, 2.0, 0.0]);
        let mut y = [0.0f32; 2];
        dot.forward(&mut ctx, &[&a, &b], &[], &mut y);
        assert_eq!(y, [32.0, 0.0]);
        let mut cos = build("Dot", json!({"axes": [1, 1], "normalize": true}), &[vec![3], vec![3]]);
        cos.forward(&mut ctx, &[&a, &a], &[], &mut y);
        assert!((y[0] - 1.0).abs() < 1e-6 && (y[1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn gradients_match_finite_differences() {
        for cfg in [json!({"axes": 1}), json!({"axes": -1, "normalize": true})] {
            let mut layer = build("Dot", cfg.clone(), &[vec![5], vec![5]]);
            check_gradients(layer.as_mut(), &[vec![5], vec![5]], 3, true, &format!("Dot {cfg}"));
        }
    }

    #[test]
    fn other_shapes_and_axes_are_refused() {
        use super::super::build_layer;
        use crate::keras::layer_config::LayerConfig;
        let map = json!({"axes": 2}).as_object().cloned().unwrap();
        let cfg = LayerConfig::new("Dot", &map, "dot");
        let err = build_layer(&cfg, &[vec![4, 3], vec![4, 3]]).err().unwrap().to_string();
        assert!(err.contains("Dot") && err.contains("axes"), "{err}");
        let err = build_layer(&LayerConfig::new("Dot", &Map::new(), "dot"), &[vec![3]]).err().unwrap().to_string();
        assert!(err.contains("2 inputs"), "{err}");
    }
}
