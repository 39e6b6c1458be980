//! Losses (value and gradient) and metrics against real Keras 3.15.1 / TensorFlow 2.21.
//!
//! Fixtures: `tests/fixtures/keras/losses.json` and `metrics.json`, made by
//! `tests/fixtures/keras/generate.py` (see that folder's README.md):
//! ```python
//! loss = keras.losses.get(name).__class__(**args)       # e.g. CategoricalCrossentropy(from_logits=True)
//! with tf.GradientTape() as tape:
//!     tape.watch(y_pred); value = loss(y_true, y_pred)    # reduction "sum_over_batch_size"
//! grad = tape.gradient(value, y_pred)
//! metric = keras.metrics.get(name); metric.update_state(y_true, y_pred); value = metric.result()
//! ```

mod common;

use anyhow::{ensure, Context, Result};
use common::{assert_close, fixture, tensor};
use serde_json::{json, Value};
use tusk_core::metrics::{Metric, MetricKind};
use tusk_core::{Error, Loss};

/// Losses Keras has and tusk does not implement (`Loss::from_config` says so).
const UNIMPLEMENTED_LOSSES: &[&str] = &[
    "kl_divergence",
    "poisson",
    "cosine_similarity",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
];

/// The loss config tusk reads: Keras' class name with `get_config()` plus the constructor
/// arguments (Keras 3.15's `Huber.get_config()` leaves out `delta`).
fn loss_config(case: &Value) -> Value {
    let mut cfg = case["config"].as_object().cloned().unwrap_or_default();
    if let Some(args) = case["args"].as_object() {
        cfg.extend(args.clone());
    }
    json!({"class_name": case["loss"], "config": cfg})
}

#[test]
fn losses_match_keras() -> Result<()> {
    let cases = fixture("losses.json")?;
    let cases = cases.as_array().context("losses.json is a list")?;
    ensure!(cases.len() >= 29, "expected 29 loss cases, found {}", cases.len());
    let (mut ran, mut skipped) = (Vec::new(), Vec::new());
    for case in cases {
        let name = case["loss"].as_str().context("loss")?;
        let what = format!("{name} ({})", case["description"].as_str().unwrap_or(""));
        // Keras computes a crossentropy of a softmax/sigmoid *output tensor* from the logits
        // cached on it (`_keras_logits`); the fixture's `grad` is even taken w.r.t. those logits.
        // tusk's losses see only the probabilities (the model's output buffer); its fused
        // softmax + crossentropy gradient is checked in `model.fit` tests instead. With plain
        // probabilities Keras would give `value_if_plain_probabilities`, which we do check.
        if case.get("logits").is_some() {
            let loss = Loss::from_config(&loss_config(case))?;
            let y_pred = tensor(&case["y_pred"])?;
            let y_true = tensor(&case["y_true"])?;
            let k = *y_pred.shape().last().unwrap();
            let v = loss.compute(y_pred.data(), y_true.data(), k, None)?;
            let want = case["value_if_plain_probabilities"].as_f64().context("value_if_plain_probabilities")?;
            ensure!((v - want).abs() <= 1e-5 * want.abs(), "{what}: value {v} vs Keras (plain probabilities) {want}");
            skipped.push(format!("{what}: value from cached logits (only the plain-probability value is checked)"));
            continue;
        }
        let built = Loss::from_config(&loss_config(case));
        if UNIMPLEMENTED_LOSSES.contains(&name) {
            ensure!(matches!(built, Err(Error::Unsupported(_))), "{what}: expected an unsupported-loss error, got {built:?}");
            skipped.push(format!("{what}: not implemented in tusk"));
            continue;
        }
        let smoothing = case["args"].get("label_smoothing").and_then(Value::as_f64).unwrap_or(0.0);
        if smoothing != 0.0 {
            // label_smoothing is not implemented; from_config must refuse it rather than ignore it.
            match built {
                Err(Error::Unsupported(m)) if m.contains("label_smoothing") => {
                    skipped.push(format!("{what}: label_smoothing is not implemented (refused with: {m})"));
                    continue;
                }
                other => anyhow::bail!("{what}: expected label_smoothing to be refused, got {other:?}"),
            }
        }
        let loss = built.with_context(|| what.clone())?;
        let y_pred = tensor(&case["y_pred"])?;
        let y_true = tensor(&case["y_true"])?;
        let k = *y_pred.shape().last().unwrap();
        let mut grad = vec![f32::NAN; y_pred.data().len()];
        let value = loss.compute(y_pred.data(), y_true.data(), k, Some(&mut grad))?;
        let want = case["value"].as_f64().context("value")?;
        ensure!((value - want).abs() <= 1e-5 * want.abs() + 1e-7, "{what}: value {value}, Keras {want}");
        // Without a gradient buffer the value is the same.
        let value2 = loss.compute(y_pred.data(), y_true.data(), k, None)?;
        ensure!(value2 == value, "{what}: value without gradient {value2} vs {value}");
        let want_grad = tensor(&case["grad"])?;
        ensure!(want_grad.shape() == y_pred.shape(), "{what}: grad shape");
        assert_close(&grad, want_grad.data(), 1e-6, 1e-5, &format!("{what}: gradient"));
        // Per-sample losses: each row alone gives Keras' `per_sample` value.
        let per_sample = tensor(&case["per_sample"])?;
        let rows = y_pred.rows();
        let (plen, tlen) = (y_pred.data().len() / rows, y_true.data().len() / rows);
        for r in 0..rows {
            let v = loss.compute(&y_pred.data()[r * plen..][..plen], &y_true.data()[r * tlen..][..tlen], k, None)?;
            let w = per_sample.data()[r] as f64;
            ensure!((v - w).abs() <= 1e-5 * w.abs() + 1e-6, "{what}: sample {r}: {v}, Keras {w}");
        }
        ran.push(what);
    }
    println!("ran {} loss case(s):\n  {}", ran.len(), ran.join("\n  "));
    println!("skipped {}:\n  {}", skipped.len(), skipped.join("\n  "));
    Ok(())
}

/// Keras' metric class for a tusk metric kind.
fn keras_class(kind: &MetricKind) -> &'static str {
    match kind {
        MetricKind::CategoricalAccuracy => "CategoricalAccuracy",
        MetricKind::SparseCategoricalAccuracy => "SparseCategoricalAccuracy",
        MetricKind::BinaryAccuracy { .. } => "BinaryAccuracy",
        MetricKind::TopK { sparse: false, .. } => "TopKCategoricalAccuracy",
        MetricKind::TopK { sparse: true, .. } => "SparseTopKCategoricalAccuracy",
        MetricKind::MeanAbsoluteError => "MeanAbsoluteError",
        MetricKind::MeanSquaredError => "MeanSquaredError",
        MetricKind::Regression(Loss::MeanAbsolutePercentageError) => "MeanAbsolutePercentageError",
        MetricKind::Regression(Loss::MeanSquaredLogarithmicError) => "MeanSquaredLogarithmicError",
        MetricKind::Regression(_) => "LogCoshError",
    }
}

#[test]
fn metrics_match_keras() -> Result<()> {
    let cases = fixture("metrics.json")?;
    let cases = cases.as_array().context("metrics.json is a list")?;
    ensure!(cases.len() >= 20, "expected 20 metric cases, found {}", cases.len());
    for case in cases {
        let name = case["metric"].as_str().context("metric")?;
        let what = format!("{name} ({})", case["description"].as_str().unwrap_or(""));
        let y_pred = tensor(&case["y_pred"])?;
        let y_true = tensor(&case["y_true"])?;
        let rows = y_pred.rows();
        let k = *y_pred.shape().last().unwrap();
        let target_len = y_true.data().len() / rows;
        // tusk names a top-k metric with another k `top_<k>_accuracy` (sparse from the targets).
        let name = match case["config"].get("k").and_then(Value::as_u64) {
            Some(kk) if kk != 5 => format!("top_{kk}_accuracy"),
            _ => name.to_string(),
        };
        let metric = Metric::resolve(&name, k, target_len).with_context(|| what.clone())?;
        if let Some(class) = case.get("resolved_class").and_then(Value::as_str) {
            ensure!(keras_class(&metric.kind) == class, "{what}: resolved to {:?}, Keras picked {class}", metric.kind);
            ensure!(metric.name == case["resolved_name"].as_str().unwrap_or_default(), "{what}: name {}", metric.name);
        }
        // Accumulated over two "batches" (first row, then the rest) like an epoch.
        let mut acc = (0.0, 0.0);
        metric.update(&y_pred.data()[..k], &y_true.data()[..target_len], k, &mut acc);
        metric.update(&y_pred.data()[k..], &y_true.data()[target_len..], k, &mut acc);
        let value = acc.0 / acc.1;
        let want = case["value"].as_f64().context("value")?;
        ensure!((value - want).abs() <= 1e-6 * want.abs().max(1.0), "{what}: {value}, Keras {want}");
        if let Some(loss_name) = case.get("compile_loss").and_then(Value::as_str) {
            let loss = Loss::from_config(&json!(loss_name))?;
            let v = loss.compute(y_pred.data(), y_true.data(), k, None)?;
            let want = case["loss_value"].as_f64().context("loss_value")?;
            ensure!((v - want).abs() <= 1e-5 * want.abs(), "{what}: loss {loss_name} = {v}, Keras {want}");
        }
    }
    Ok(())
}
