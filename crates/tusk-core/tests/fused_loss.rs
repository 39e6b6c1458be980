//! Cross-entropy on a softmax/sigmoid output is computed from the logits, as Keras 3 does:
//! the gradient w.r.t. the logits is `p - t` (no vanishing gradient where probabilities are
//! clipped), pinned against Keras and checked by finite differences through whole models.

mod common;

use anyhow::{Context, Result};
use common::{fixture, tensor, values};
use serde_json::json;
use tusk_core::{LayerSpec, Loss, Model, Optimizer, Sequential, Tensor};

#[test]
fn softmax_cross_entropy_matches_keras_logits_path() -> Result<()> {
    // losses.json's last case: y_pred = softmax(logits), where Keras computes the loss from
    // the cached logits ('value', no 1e-7 clipping) and 'grad' is taken w.r.t. the logits.
    let cases = fixture("losses.json")?;
    let case = cases.as_array().context("list")?.iter().find(|c| c["grad_wrt"] == "logits").context("logits case")?;
    let y_pred = tensor(&case["y_pred"])?;
    let y_true = values(&case["y_true"])?;
    let k = *y_pred.shape().last().unwrap();
    let loss = Loss::CategoricalCrossentropy { from_logits: false };
    let mut grad = vec![0.0; y_pred.data().len()];
    let v = loss.compute_fused(y_pred.data(), &y_true, k, &mut grad)?;
    let want = case["value"].as_f64().unwrap();
    assert!((v - want).abs() < 1e-4 * want.abs(), "loss {v} vs Keras {want}");
    for (g, w) in grad.iter().zip(values(&case["grad"])?) {
        assert!((g - w).abs() < 1e-6 + 1e-4 * w.abs(), "grad {g} vs Keras {w}");
    }
    Ok(())
}

/// Largest relative difference between the model's gradient and central differences.
fn check(model: &mut Model, x: &Tensor, y: &Tensor) -> f64 {
    let (_, g) = model.gradients(&[x.clone()], &[y.clone()]).unwrap();
    let g = g.to_vec();
    let p0 = model.params().to_vec();
    let mut worst: f64 = 0.0;
    for i in 0..p0.len() {
        let h = 1e-3;
        let mut p = p0.clone();
        p[i] += h;
        model.set_params(&p).unwrap();
        let up = model.gradients(&[x.clone()], &[y.clone()]).unwrap().0;
        p[i] -= 2.0 * h;
        model.set_params(&p).unwrap();
        let down = model.gradients(&[x.clone()], &[y.clone()]).unwrap().0;
        let num = (up - down) / (2.0 * h as f64);
        worst = worst.max((num - g[i] as f64).abs() / (1e-3 + num.abs().max(g[i].abs() as f64)));
    }
    model.set_params(&p0).unwrap();
    worst
}

#[test]
fn fused_gradients_match_finite_differences() {
    let x = Tensor::new((0..5 * 4).map(|i| ((i * 7 % 11) as f32 - 5.0) / 5.0).collect(), vec![5, 4]).unwrap();
    let onehot = Tensor::new((0..5 * 3).map(|i| (i % 3 == (i / 3) % 3) as u8 as f32).collect(), vec![5, 3]).unwrap();
    let sparse = Tensor::new(vec![0.0, 1.0, 2.0, 0.0, 1.0], vec![5]).unwrap();
    let binary = Tensor::new(vec![1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0], vec![5, 2]).unwrap();
    for (act, units, loss, y) in [
        ("softmax", 3, Loss::CategoricalCrossentropy { from_logits: false }, &onehot),
        ("softmax", 3, Loss::SparseCategoricalCrossentropy { from_logits: false }, &sparse),
        ("sigmoid", 2, Loss::BinaryCrossentropy { from_logits: false }, &binary),
    ] {
        let spec = Sequential::new(&[4]).add(LayerSpec::dense(6, "tanh")).add(LayerSpec::dense(units, act)).into_spec();
        let mut model = Model::from_spec(&spec, 3).unwrap();
        model.compile(vec![loss.clone()], Optimizer::from_name("sgd").unwrap(), &[]).unwrap();
        assert_eq!(model.compiled().unwrap().fused, vec![true], "{act} + {}", loss.name());
        let worst = check(&mut model, &x, y);
        assert!(worst < 1e-2, "{act} + {}: relative gradient error {worst}", loss.name());
    }
}

#[test]
fn only_matching_unconsumed_outputs_are_fused() {
    let spec = Sequential::new(&[4]).add(LayerSpec::dense(3, "relu")).into_spec();
    let mut m = Model::from_spec(&spec, 0).unwrap();
    m.compile(vec![Loss::CategoricalCrossentropy { from_logits: false }], Optimizer::from_name("sgd").unwrap(), &[]).unwrap();
    assert_eq!(m.compiled().unwrap().fused, vec![false]);
    let spec = Sequential::new(&[4]).add(LayerSpec::dense(3, "softmax")).into_spec();
    let mut m = Model::from_spec(&spec, 0).unwrap();
    m.compile(vec![Loss::MeanSquaredError], Optimizer::from_name("sgd").unwrap(), &[]).unwrap();
    assert_eq!(m.compiled().unwrap().fused, vec![false]);
    // Recompiling with a fusable loss fuses; with another loss undoes it.
    m.compile(vec![Loss::CategoricalCrossentropy { from_logits: false }], Optimizer::from_name("sgd").unwrap(), &[]).unwrap();
    assert_eq!(m.compiled().unwrap().fused, vec![true]);
    m.compile(vec![Loss::from_config(&json!("mse")).unwrap()], Optimizer::from_name("sgd").unwrap(), &[]).unwrap();
    assert_eq!(m.compiled().unwrap().fused, vec![false]);
}
