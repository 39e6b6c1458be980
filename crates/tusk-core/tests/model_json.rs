//! Keras model JSON: every file of `tests/fixtures/keras/models/` (raw `model.to_json()` from
//! Keras 3.15.1, from tf.keras 2.21 (`keras2_*`), and hand-written Keras 2.2.4 (`keras224_*`))
//! is read, or refused with an error naming what is unsupported; and tusk's own JSON
//! (`keras::model_to_json`) reads back to the same model.
//!
//! Where a Keras-2 file describes the same model as a Keras-3 layer fixture, it is given that
//! fixture's weights and must reproduce Keras' outputs.

mod common;

use anyhow::{bail, ensure, Context, Result};
use common::{assert_close, fixture, tensor, Rng};
use serde_json::Value;
use tusk_core::keras::{model_from_json, model_to_json};
use tusk_core::layers::SUPPORTED;
use tusk_core::{Model, Tensor};

/// Files tusk must refuse, with a word the error must contain.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    ("unsupported_layer_normalization", "LayerNormalization"),
    ("dense_kernel_regularizer_l2", "kernel_regularizer"),
    ("functional_shared_layer", "shared"),
    ("keras2_functional_shared_layer", "shared"),
];

/// Files whose layers other engineers are adding: built only once `SUPPORTED` lists them.
const NEEDS: &[(&str, &[&str])] = &[("keras2_embedding_lstm", &["Embedding", "LSTM"]), ("keras2_batchnorm", &["BatchNormalization"])];

/// Keras-2 files and the Keras-3 layer fixture (`layers/<case>.json`) of the same model.
const SAME_AS: &[(&str, &str)] = &[
    ("keras2_elephas_readme", "elephas_readme"),
    ("keras224_handwritten_elephas_readme", "elephas_readme"),
    ("keras2_functional_two_inputs", "functional_two_inputs"),
    ("keras224_handwritten_functional_two_inputs", "functional_two_inputs"),
    ("elephas_readme", "elephas_readme"),
    ("mlp", "mlp"),
    ("functional_two_inputs", "functional_two_inputs"),
];

fn read_model_text(name: &str) -> Result<String> {
    let path = common::fixture_path(&format!("models/{name}.json"));
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

/// Random inputs for `model`: uniform in [0, 1) like the fixtures' image data, or token ids
/// 0..3 when the model has an Embedding (every vocabulary here is larger).
fn random_inputs(model: &Model, n: usize, seed: u64) -> Vec<Tensor> {
    let mut rng = Rng::new(seed);
    let ids = model_to_json(model).contains("\"Embedding\"");
    model
        .input_shapes()
        .iter()
        .map(|s| {
            let mut t = rng.tensor(&[vec![n], s.clone()].concat(), 0.0, 1.0);
            if ids {
                t.data_mut().iter_mut().for_each(|v| *v = (*v * 3.0).floor());
            }
            t
        })
        .collect()
}

/// The layer classes of a model, in order, as its Keras JSON lists them.
fn classes(json: &str) -> Result<Vec<String>> {
    let v: Value = serde_json::from_str(json)?;
    Ok(v["config"]["layers"].as_array().context("layers")?.iter().map(|l| l["class_name"].as_str().unwrap_or("?").to_string()).collect())
}

/// `model_to_json` read back: same summary (names, classes, output shapes, parameter
/// counts), weights and bitwise-equal predictions; writing it again gives the same text.
fn check_round_trip(name: &str, model: &mut Model) -> Result<()> {
    let json = model_to_json(model);
    let mut back = model_from_json(&json, 1).with_context(|| format!("{name}: reading tusk's own JSON back:\n{json}"))?;
    ensure!(back.summary() == model.summary(), "{name}: summary differs after the round trip:\n{}\nvs\n{}", back.summary(), model.summary());
    ensure!(back.kind == model.kind, "{name}: model kind");
    ensure!(back.input_names() == model.input_names() && back.output_names() == model.output_names(), "{name}: input/output names");
    let vars = |m: &Model| m.vars().iter().map(|v| (v.name.clone(), v.shape.clone(), v.trainable)).collect::<Vec<_>>();
    ensure!(vars(&back) == vars(model), "{name}: weights differ after the round trip");
    back.set_weights(&model.get_weights())?;
    let x = random_inputs(model, 3, 11);
    let (a, b) = (model.predict(&x, 2)?, back.predict(&x, 2)?);
    ensure!(a == b, "{name}: predictions differ after the round trip");
    let again = model_to_json(&back);
    ensure!(again == json, "{name}: writing the read-back model gives different JSON");
    // What Keras 3 needs to read it: module/class_name/config per layer.
    let v: Value = serde_json::from_str(&json)?;
    ensure!(v["module"].is_string() && v["class_name"].is_string(), "{name}: top-level module/class_name");
    for l in v["config"]["layers"].as_array().context("layers")? {
        ensure!(l["module"] == "keras.layers" && l["class_name"].is_string() && l["config"]["name"].is_string(), "{name}: layer entry {l}");
    }
    Ok(())
}

/// Gives `model` the weights of `layers/<case>.json` (by position in `get_weights()` order)
/// and compares `predict` with Keras' outputs there.
fn check_against_layer_fixture(name: &str, model: &mut Model, case: &str) -> Result<()> {
    let f = fixture(&format!("layers/{case}.json"))?;
    let mut reference = model_from_json(&serde_json::to_string(&f["model"])?, 0)?;
    for (layer, ws) in f["weights"].as_object().context("weights")? {
        let ws = ws.as_array().context("weight list")?.iter().map(tensor).collect::<Result<Vec<_>>>()?;
        reference.set_layer_weights(layer, &ws)?;
    }
    // The same layers (a hand-written file may list them in another topological order).
    let sorted = |m: &Model| -> Result<Vec<String>> {
        let mut c = classes(&model_to_json(m))?;
        c.sort();
        Ok(c)
    };
    ensure!(sorted(model)? == sorted(&reference)?, "{name}: layer classes differ from the Keras 3 model {case}");
    model.set_weights(&reference.get_weights()).with_context(|| format!("{name}: weights of {case}"))?;
    let inputs: Vec<Tensor> = f["inputs"].as_array().context("inputs")?.iter().map(tensor).collect::<Result<_>>()?;
    let got = model.predict(&inputs, 32)?;
    for (o, want) in f["outputs"].as_array().context("outputs")?.iter().enumerate() {
        let want = tensor(want)?;
        ensure!(got[o].shape() == want.shape(), "{name}: output {o} shape {:?} vs {:?}", got[o].shape(), want.shape());
        assert_close(got[o].data(), want.data(), 1e-5, 1e-5, &format!("{name} (weights of {case}) output {o}"));
    }
    Ok(())
}

#[test]
fn every_model_file_builds_or_is_refused_by_name() -> Result<()> {
    let names = common::json_stems("models")?;
    ensure!(names.len() >= 15, "expected the 15 model files, found {}", names.len());
    let mut report = Vec::new();
    for name in &names {
        let text = read_model_text(name)?;
        let built = model_from_json(&text, 0);
        if let Some((_, word)) = EXPECTED_ERRORS.iter().find(|(n, _)| n == name) {
            match built {
                Ok(_) => bail!("{name}: expected an error naming '{word}', but it was built"),
                Err(e) => {
                    let msg = e.to_string();
                    ensure!(msg.contains(word), "{name}: the error should name '{word}': {msg}");
                    report.push(format!("{name}: refused as expected ({msg})"));
                    continue;
                }
            }
        }
        if let Some((_, classes)) = NEEDS.iter().find(|(n, _)| n == name) {
            if let Some(missing) = classes.iter().find(|c| !SUPPORTED.contains(c)) {
                ensure!(built.is_err(), "{name}: built although {missing} is not in SUPPORTED");
                report.push(format!("{name}: skipped, {missing} is not supported yet"));
                continue;
            }
        }
        let mut model = built.with_context(|| format!("{name}: building"))?;
        if let Some((_, case)) = SAME_AS.iter().find(|(n, _)| n == name) {
            check_against_layer_fixture(name, &mut model, case)?;
        }
        check_round_trip(name, &mut model)?;
        report.push(format!("{name}: built ({} parameters), round trip ok", model.n_params()));
    }
    println!("{}", report.join("\n"));
    Ok(())
}

/// The Keras 2 CNN (input_shape on the first Conv2D) is the same model as Keras 3's.
#[test]
fn keras2_cnn_is_the_keras3_cnn() -> Result<()> {
    let mut k3 = model_from_json(&read_model_text("cnn")?, 3)?;
    let mut k2 = model_from_json(&read_model_text("keras2_cnn")?, 4)?;
    ensure!(k2.input_shapes() == vec![vec![28, 28, 1]], "input {:?}", k2.input_shapes());
    ensure!(k2.output_shapes() == k3.output_shapes(), "outputs");
    let shapes = |m: &Model| m.vars().iter().map(|v| v.shape.clone()).collect::<Vec<_>>();
    ensure!(shapes(&k2) == shapes(&k3), "weight shapes");
    ensure!(classes(&model_to_json(&k2))? == classes(&model_to_json(&k3))?, "layer classes");
    k2.set_weights(&k3.get_weights())?;
    let x = random_inputs(&k3, 2, 5);
    ensure!(k2.predict(&x, 2)? == k3.predict(&x, 2)?, "predictions");
    Ok(())
}

/// The Keras 2 Sequential written from `Dense(128, input_dim=784)` has an input of 784.
#[test]
fn keras2_sequential_input_shapes() -> Result<()> {
    for name in ["keras2_elephas_readme", "keras224_handwritten_elephas_readme"] {
        let model = model_from_json(&read_model_text(name)?, 0)?;
        ensure!(model.input_shapes() == vec![vec![784]], "{name}: input {:?}", model.input_shapes());
        ensure!(model.output_shapes() == vec![vec![10]], "{name}: output {:?}", model.output_shapes());
        ensure!(model.n_params() == 784 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10, "{name}: {} parameters", model.n_params());
    }
    Ok(())
}

/// The error of building from `text` (which must fail).
fn error_of(text: &str) -> String {
    match model_from_json(text, 0) {
        Ok(_) => panic!("expected an error for {text}"),
        Err(e) => e.to_string(),
    }
}

/// Malformed JSON and unknown options give errors that say what is wrong.
#[test]
fn bad_json_is_reported() {
    let e = error_of("{not json");
    assert!(e.contains("not valid JSON"), "{e}");
    let e = error_of(r#"{"class_name": "Sequential", "config": {"layers": []}}"#);
    assert!(e.contains("no layers"), "{e}");
    let text = r#"{"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "in"}},
        {"class_name": "Dense", "config": {"units": 2, "name": "d", "frobnicate": 1}}]}}"#;
    let e = error_of(text);
    assert!(e.contains("frobnicate") && e.contains("Dense 'd'"), "{e}");
}
