//! `Embedding(input_dim, output_dim)`: looks up one row of `embeddings` per integer id.
//!
//! Input `[batch, ...]` of ids carried as `f32` (any rank), output `[batch, ..., output_dim]`;
//! weight `embeddings [input_dim, output_dim]`. The input is not differentiable; backward
//! adds each `dy` row into the row of its id. Ids must be integers in `[0, input_dim)`:
//! [`Layer::check_input`] rejects others before a pass when the layer reads a model input,
//! and `forward` clamps (truncates, then limits to the range; NaN -> 0) so it never panics.

use super::{single_input, Ctx, Layer, ParamSpec};
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::keras::layer_config::{base_config, LayerConfig};
use serde_json::{json, Map, Value};

pub struct Embedding {
    name: String,
    trainable: bool,
    input_dim: usize,
    output_dim: usize,
    /// Ids per sample.
    positions: usize,
    params: Vec<ParamSpec>,
    out_shape: Vec<usize>,
}

impl Embedding {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let input = single_input(cfg, inputs, 0..=7)?;
        let input_dim = cfg.usize("input_dim")?;
        let output_dim = cfg.usize("output_dim")?;
        if input_dim == 0 || output_dim == 0 {
            return Err(Error::config(format!("{}: input_dim and output_dim must be positive, got {input_dim} and {output_dim}", cfg.who())));
        }
        let init = cfg.initializer("embeddings_initializer", Initializer::RandomUniform { minval: -0.05, maxval: 0.05 })?;
        cfg.require("mask_zero", &[json!(false)])?;
        cfg.unsupported_unless_null(&[
            "embeddings_regularizer",
            "activity_regularizer",
            "embeddings_constraint",
            "lora_rank",
            "quantization_config",
        ])?;
        // Keras 2's `input_length` only restates the input shape; `sparse` (Keras 3) is about
        // the gradient's storage, not the values.
        cfg.require("sparse", &[json!(false)])?;
        cfg.ignore(&["input_length", "lora_alpha"]);
        cfg.finish()?;
        let mut out_shape = input.to_vec();
        out_shape.push(output_dim);
        Ok(Embedding {
            name: cfg.name.clone(),
            trainable: cfg.trainable(),
            input_dim,
            output_dim,
            positions: input.iter().product(),
            params: vec![ParamSpec::new("embeddings", vec![input_dim, output_dim], init)],
            out_shape,
        })
    }

    /// The row an id selects: truncated toward zero and clamped into `[0, input_dim)`.
    fn row(&self, id: f32) -> usize {
        if id.is_nan() || id < 0.0 {
            0
        } else {
            (id as usize).min(self.input_dim - 1)
        }
    }
}

impl Layer for Embedding {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        "Embedding"
    }
    fn output_shape(&self) -> &[usize] {
        &self.out_shape
    }
    fn params(&self) -> &[ParamSpec] {
        &self.params
    }
    fn differentiable_input(&self) -> bool {
        false
    }

    fn check_input(&self, _arg: usize, x: &[f32]) -> Result<()> {
        match x.iter().position(|&v| !(v >= 0.0 && v < self.input_dim as f32 && v.fract() == 0.0)) {
            None => Ok(()),
            Some(i) => Err(Error::data(format!(
                "Embedding '{}': input value {} (sample {}, position {}) is not an integer id in [0, {})",
                self.name,
                x[i],
                i / self.positions.max(1),
                i % self.positions.max(1),
                self.input_dim
            ))),
        }
    }

    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], p: &[f32], y: &mut [f32]) {
        let d = self.output_dim;
        let ids = &x[0][..ctx.batch * self.positions];
        for (out, &id) in y.chunks_exact_mut(d).zip(ids) {
            let r = self.row(id);
            out.copy_from_slice(&p[r * d..(r + 1) * d]);
        }
    }

    fn backward(&mut self, batch: usize, x: &[&[f32]], _y: &[f32], dy: &mut [f32], _p: &[f32], dp: &mut [f32], dx: &mut [&mut [f32]]) {
        let d = self.output_dim;
        dp.fill(0.0);
        let ids = &x[0][..batch * self.positions];
        for (g, &id) in dy.chunks_exact(d).zip(ids) {
            let r = self.row(id);
            dp[r * d..(r + 1) * d].iter_mut().zip(g).for_each(|(a, b)| *a += b);
        }
        // Ids have no gradient; fill a buffer if one was asked for anyway.
        dx.iter_mut().for_each(|b| b.fill(0.0));
    }

    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, self.trainable);
        m.insert("input_dim".into(), self.input_dim.into());
        m.insert("output_dim".into(), self.output_dim.into());
        m.insert("embeddings_initializer".into(), self.params[0].init.to_config());
        for k in ["embeddings_regularizer", "activity_regularizer", "embeddings_constraint"] {
            m.insert(k.into(), Value::Null);
        }
        m.insert("mask_zero".into(), false.into());
        m
    }
}

#[cfg(test)]
mod tests {
    use super::super::grad_check::{build, check_gradients_at};
    use super::*;
    use crate::keras::layer_config::LayerConfig;

    #[test]
    fn gradient_of_the_embeddings_with_repeated_ids() {
        let mut layer = build("Embedding", json!({"input_dim": 6, "output_dim": 3}), &[vec![4]]);
        let ids = vec![0.0, 5.0, 2.0, 2.0, 5.0, 5.0, 1.0, 0.0, 3.0, 2.0, 4.0, 4.0];
        check_gradients_at(layer.as_mut(), vec![ids], 3, true, "embedding");
    }

    #[test]
    fn bad_ids_are_reported_and_clamped() {
        let layer = build("Embedding", json!({"input_dim": 5, "output_dim": 2, "name": "emb"}), &[vec![3]]);
        assert!(layer.check_input(0, &[0.0, 4.0, 1.0, 2.0, 3.0, 0.0]).is_ok());
        for (bad, val) in [(-1.0, "-1"), (5.0, "5"), (1.5, "1.5"), (f32::NAN, "NaN")] {
            let x = [0.0, 1.0, 2.0, 3.0, bad, 0.0];
            let e = layer.check_input(0, &x).unwrap_err().to_string();
            assert!(e.contains("Embedding 'emb'") && e.contains(val) && e.contains("sample 1, position 1"), "{e}");
        }
        let mut layer = build("Embedding", json!({"input_dim": 3, "output_dim": 1}), &[vec![4]]);
        let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(0);
        let mut ctx = Ctx { batch: 1, training: false, rng: &mut rng };
        let mut y = [0.0; 4];
        layer.forward(&mut ctx, &[&[-3.0, 7.0, f32::NAN, 1.9]], &[10.0, 11.0, 12.0], &mut y);
        assert_eq!(y, [10.0, 12.0, 10.0, 11.0]);
    }

    #[test]
    fn options_and_shapes() {
        let layer = build("Embedding", json!({"input_dim": 10, "output_dim": 4, "input_length": 5}), &[vec![5]]);
        assert_eq!(layer.output_shape(), [5, 4]);
        assert_eq!(layer.params()[0].init, Initializer::RandomUniform { minval: -0.05, maxval: 0.05 });
        let layer = build("Embedding", json!({"input_dim": 10, "output_dim": 4}), &[vec![2, 3]]);
        assert_eq!(layer.output_shape(), [2, 3, 4]);
        for (cfg, needle) in [
            (json!({"input_dim": 10, "output_dim": 4, "mask_zero": true}), "mask_zero"),
            (json!({"input_dim": 10, "output_dim": 4, "embeddings_regularizer": "l2"}), "embeddings_regularizer"),
            (json!({"input_dim": 10, "output_dim": 4, "embeddings_constraint": "non_neg"}), "embeddings_constraint"),
            (json!({"output_dim": 4}), "input_dim"),
        ] {
            let map = cfg.as_object().unwrap().clone();
            let e = crate::layers::build_layer(&LayerConfig::new("Embedding", &map, "e"), &[vec![5]]).err().expect("must fail").to_string();
            assert!(e.contains("Embedding 'e'") && e.contains(needle), "{e}");
        }
    }
}
