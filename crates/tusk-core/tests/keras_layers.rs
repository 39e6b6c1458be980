//! Every layer case of `tests/fixtures/keras/layers/` against real Keras 3.15.1: the model
//! is built from the JSON Keras wrote, given the fixture's weights, and `predict` must give
//! Keras' outputs (`model(x, training=False)`).
//!
//! Fixtures are made by `tests/fixtures/keras/generate.py` (see that folder's README.md),
//! e.g. for `conv2d_same_stride2_relu`:
//! ```python
//! model = keras.Sequential([keras.Input((6, 6, 2)),
//!                           keras.layers.Conv2D(3, 3, strides=2, padding="same", activation="relu")])
//! model.layers[0].set_weights([kernel, bias])   # N(0, 1/sqrt(fan_in)), N(0, 0.2)
//! outputs = model(x, training=False)
//! ```
//! BatchNormalization, Embedding, GlobalMaxPooling and the recurrent layers are tested in
//! `keras_norm_embedding.rs` / `keras_recurrent.rs`; their cases are skipped here while
//! `build_layer` does not support them yet, and run like every other case once it does.

mod common;

use anyhow::{bail, ensure, Context, Result};
use common::{assert_close, fixture, tensor};
use serde_json::Value;
use tusk_core::{Error, Model, Tensor};

/// Cases of layer classes other engineers are adding: skipped only while tusk reports
/// them as unsupported.
const SKIP_IF_UNSUPPORTED: &[&str] = &["batch_normalization", "embedding", "lstm", "gru", "simple_rnn", "global_max_pooling"];

/// Cases tusk rejects on purpose, with a word the error must contain.
/// `functional_shared_layer` calls one Dense twice (inbound nodes 0 and 1): tusk's graph
/// holds each layer once, so shared layers are refused with a clear message.
const EXPECTED_ERRORS: &[(&str, &str)] = &[("functional_shared_layer", "shared")];

/// Keras' outputs are float32 computed with oneDNN (different summation order, FMA), so a
/// few ulps of difference are expected: |got - keras| <= 1e-5 + 1e-5 |keras|. This holds for
/// every case, the seed models (`mlp`, `elephas_readme`, `cnn`) included.
const ABS: f64 = 1e-5;
const REL: f64 = 1e-5;


/// `lowbias32` from the CNN fixture's weight formula.
fn lowbias32(i: u32) -> u32 {
    let mut x = i;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// Sets the weights described by `weights_formula` (see the fixtures' README.md), checking
/// each tensor's `first4` and `sum` against the fixture first.
fn set_formula_weights(model: &mut Model, formula: &Value) -> Result<()> {
    for entry in formula["order"].as_array().context("weights_formula.order")? {
        let shape: Vec<usize> = serde_json::from_value(entry["shape"].clone())?;
        let offset = entry["offset"].as_u64().context("offset")? as u32;
        let len: usize = shape.iter().product();
        let amplitude = if shape.len() >= 2 { (3.0 / shape[..shape.len() - 1].iter().product::<usize>() as f64).sqrt() } else { 0.1 };
        let want_amp = entry["amplitude"].as_f64().context("amplitude")?;
        ensure!((amplitude - want_amp).abs() <= 1e-15 * want_amp, "amplitude {amplitude} vs fixture {want_amp}");
        let w: Vec<f32> = (0..len as u32)
            .map(|j| {
                let u = lowbias32(offset + j) as f64 / 4294967296.0;
                ((2.0 * u - 1.0) * amplitude) as f32
            })
            .collect();
        let name = format!("{}/{}", entry["layer"].as_str().context("layer")?, entry["name"].as_str().context("name")?);
        let first4: Vec<f32> = serde_json::from_value::<Vec<f64>>(entry["first4"].clone())?.iter().map(|&v| v as f32).collect();
        ensure!(w[..4] == first4[..], "{name}: formula gives {:?}, fixture first4 {first4:?}", &w[..4]);
        let sum: f64 = w.iter().map(|&v| v as f64).sum();
        let want_sum = entry["sum"].as_f64().context("sum")?;
        ensure!((sum - want_sum).abs() <= 1e-9 * want_sum.abs().max(1.0), "{name}: sum {sum} vs fixture {want_sum}");
        model.set_weight(&name, &Tensor::new(w, shape)?)?;
    }
    ensure!(
        model.n_params() as u64 == formula["total"].as_u64().context("total")?,
        "model has {} parameters, formula covers {}",
        model.n_params(),
        formula["total"]
    );
    Ok(())
}

enum Outcome {
    Ran,
    Skipped(String),
}

fn run_case(case: &str) -> Result<Outcome> {
    let f = fixture(&format!("layers/{case}.json"))?;
    let json = serde_json::to_string(&f["model"])?;
    let built = tusk_core::keras::model_from_json(&json, 0);
    if let Some((_, word)) = EXPECTED_ERRORS.iter().find(|(c, _)| *c == case) {
        match built {
            Ok(_) => bail!("{case}: expected an error mentioning '{word}', but the model was built"),
            Err(e) => {
                let msg = e.to_string();
                ensure!(msg.contains(word), "{case}: error should mention '{word}': {msg}");
                return Ok(Outcome::Skipped(format!("rejected as expected: {msg}")));
            }
        }
    }
    let mut model = match built {
        Err(Error::Unsupported(msg)) if SKIP_IF_UNSUPPORTED.iter().any(|p| case.starts_with(p)) => {
            return Ok(Outcome::Skipped(format!("not supported yet: {msg}")));
        }
        other => other.with_context(|| format!("{case}: building the model"))?,
    };
    if let Some(weights) = f.get("weights").and_then(Value::as_object) {
        for (layer, ws) in weights {
            let ws = ws.as_array().context("weight list")?.iter().map(tensor).collect::<Result<Vec<_>>>()?;
            model.set_layer_weights(layer, &ws).with_context(|| format!("{case}: weights of '{layer}'"))?;
        }
    } else if let Some(formula) = f.get("weights_formula") {
        set_formula_weights(&mut model, formula).with_context(|| format!("{case}: weights_formula"))?;
    } else {
        ensure!(model.n_params() == 0, "{case}: the fixture has no weights but the model has {}", model.n_params());
    }
    let inputs: Vec<Tensor> = f["inputs"].as_array().context("inputs")?.iter().map(tensor).collect::<Result<_>>()?;
    let want: Vec<Tensor> = f["outputs"].as_array().context("outputs")?.iter().map(tensor).collect::<Result<_>>()?;
    // Twice: all samples in one batch, then one sample per batch (batching must not matter).
    for batch_size in [32, 1] {
        let got = model.predict(&inputs, batch_size).with_context(|| format!("{case}: predict"))?;
        ensure!(got.len() == want.len(), "{case}: {} outputs, Keras has {}", got.len(), want.len());
        for (o, (g, w)) in got.iter().zip(&want).enumerate() {
            ensure!(g.shape() == w.shape(), "{case}: output {o} has shape {:?}, Keras {:?}", g.shape(), w.shape());
            assert_close(g.data(), w.data(), ABS, REL, &format!("{case} output {o} (batch_size {batch_size})"));
        }
    }
    Ok(Outcome::Ran)
}

#[test]
fn every_layer_fixture_matches_keras() -> Result<()> {
    let names = common::json_stems("layers")?;
    ensure!(names.len() >= 79, "expected the 79 layer fixtures, found {}", names.len());
    let (mut ran, mut skipped, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for case in &names {
        // A panic (from assert_close) is a failure of this case; keep going to report all.
        match std::panic::catch_unwind(|| run_case(case)) {
            Ok(Ok(Outcome::Ran)) => ran.push(case.clone()),
            Ok(Ok(Outcome::Skipped(why))) => skipped.push(format!("{case}: {why}")),
            Ok(Err(e)) => failed.push(format!("{case}: {e:#}")),
            Err(p) => failed.push(format!(
                "{case}: {}",
                p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
            )),
        }
    }
    println!("ran {} case(s): {}", ran.len(), ran.join(", "));
    for s in &skipped {
        println!("skipped {s}");
    }
    ensure!(failed.is_empty(), "{} case(s) failed:\n{}", failed.len(), failed.join("\n"));
    Ok(())
}

#[test]
fn cnn_formula_matches_the_fixture_examples() {
    assert_eq!(lowbias32(1), 1753845952);
    assert_eq!(lowbias32(12345), 2435775735);
}

/// The functional model with two inputs and two outputs, checked output by output by name.
#[test]
fn functional_two_inputs_by_name() -> Result<()> {
    let f = fixture("layers/functional_two_inputs.json")?;
    let mut model = tusk_core::keras::model_from_json(&serde_json::to_string(&f["model"])?, 0)?;
    assert_eq!(model.input_names(), ["input_a", "input_b"]);
    assert_eq!(model.output_names(), ["out_softmax", "out_average"]);
    for (layer, ws) in f["weights"].as_object().context("weights")? {
        let ws = ws.as_array().context("weight list")?.iter().map(tensor).collect::<Result<Vec<_>>>()?;
        model.set_layer_weights(layer, &ws)?;
    }
    let inputs: Vec<Tensor> = f["inputs"].as_array().context("inputs")?.iter().map(tensor).collect::<Result<_>>()?;
    let got = model.predict(&inputs, 2)?;
    for (o, name) in ["out_softmax", "out_average"].iter().enumerate() {
        let want = tensor(&f["outputs"][o])?;
        assert_eq!(got[o].shape(), want.shape(), "{name}");
        assert_close(got[o].data(), want.data(), ABS, REL, name);
    }
    // Softmax rows sum to 1.
    for row in got[0].data().chunks(2) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
    Ok(())
}
