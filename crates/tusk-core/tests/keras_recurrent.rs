//! SimpleRNN, LSTM and GRU outputs against real Keras 3.15.1.
//!
//! Fixtures: `tests/fixtures/keras/layers/<case>.json`, made by `tests/fixtures/keras/generate.py`
//! (see that folder's README.md): units 3 on inputs `[2, 4, 5]`, e.g. for `gru_reset_before_sequences`:
//! ```python
//! model = keras.Sequential([keras.Input((4, 5)), keras.layers.GRU(3, return_sequences=True, reset_after=False)])
//! model.layers[0].set_weights([kernel, recurrent_kernel, bias])
//! outputs = model(x, training=False)
//! ```

mod common;

use anyhow::{ensure, Context, Result};
use common::tensor;
use serde_json::Value;
use tusk_core::Tensor;

const TOL: f32 = 1e-5;

const CASES: [&str; 8] = [
    "simple_rnn",
    "simple_rnn_sequences",
    "lstm",
    "lstm_sequences",
    "gru",
    "gru_sequences",
    "gru_reset_before",
    "gru_reset_before_sequences",
];

/// The layer fixture `layers/<case>.json`.
fn fixture(case: &str) -> Result<Value> {
    common::fixture(&format!("layers/{case}.json"))
}

/// Runs `case` in tusk with Keras' weights; returns (got, want).
fn run(case: &str, batch_size: usize) -> Result<(Tensor, Tensor)> {
    let f = fixture(case)?;
    let mut model = tusk_core::keras::model_from_json(&serde_json::to_string(&f["model"])?, 0)?;
    for (layer, weights) in f["weights"].as_object().context("weights")? {
        let ws = weights.as_array().context("weight list")?.iter().map(tensor).collect::<Result<Vec<_>>>()?;
        model.set_layer_weights(layer, &ws)?;
    }
    let x: Vec<Tensor> = f["inputs"].as_array().context("inputs")?.iter().map(tensor).collect::<Result<_>>()?;
    let got = model.predict(&x, batch_size)?.remove(0);
    Ok((got, tensor(&f["outputs"][0])?))
}

#[test]
fn recurrent_layers_match_keras() -> Result<()> {
    for case in CASES {
        // Batch 32 (all samples at once) and 1 (one sample per pass, spare capacity unused).
        for batch_size in [32, 1] {
            let (got, want) = run(case, batch_size)?;
            ensure!(got.shape() == want.shape(), "{case}: shape {:?} vs Keras {:?}", got.shape(), want.shape());
            for (i, (g, w)) in got.data().iter().zip(want.data()).enumerate() {
                ensure!((g - w).abs() <= TOL, "{case} (batch {batch_size})[{i}]: got {g}, Keras {w}");
            }
        }
    }
    Ok(())
}

#[test]
fn recurrent_configs_write_back_what_keras_wrote() -> Result<()> {
    for case in CASES {
        let f = fixture(case)?;
        let model = tusk_core::keras::model_from_json(&serde_json::to_string(&f["model"])?, 0)?;
        let written: Value = serde_json::from_str(&tusk_core::keras::model_to_json(&model))?;
        let keras_layer = &f["model"]["config"]["layers"][1];
        let ours = &written["config"]["layers"][1];
        ensure!(ours["class_name"] == keras_layer["class_name"], "{case}: class");
        let (want, got) = (keras_layer["config"].as_object().context("config")?, ours["config"].as_object().context("config")?);
        for (k, v) in want {
            // Keras' GlorotUniform config also lists input_axes/output_axes; tusk writes the seed only.
            if k != "kernel_initializer" {
                ensure!(got.get(k) == Some(v), "{case}: {k}: tusk wrote {:?}, Keras {v}", got.get(k));
            }
        }
        ensure!(got.keys().all(|k| want.contains_key(k)), "{case}: extra keys {:?}", got.keys().collect::<Vec<_>>());
    }
    Ok(())
}

/// `sin(i * 0.37 + phase) * scale` for `i` in `0..n`, as f32 (the pattern of the snippet below).
fn pattern(n: usize, scale: f64, phase: f64) -> Vec<f32> {
    (0..n).map(|i| ((i as f64 * 0.37 + phase).sin() * scale) as f32).collect()
}

/// `go_backwards=True`: the sequence is read last step first and, with `return_sequences`,
/// returned in that (reversed) order. Pinned against Keras 3.15.1 / TF 2.21 (CPU):
/// ```python
/// def pattern(n, scale, phase): return (np.sin(np.arange(n) * 0.37 + phase) * scale).astype(np.float32)
/// x = pattern(40, 1.0, 0.0).reshape(2, 4, 5)
/// m = keras.Sequential([keras.Input((4, 5)), layers.LSTM(3, return_sequences=True, go_backwards=True)])
/// # likewise GRU(3, return_sequences=True, go_backwards=True),
/// # GRU(3, go_backwards=True, reset_after=False), SimpleRNN(3, return_sequences=True, go_backwards=True)
/// ws = [pattern(w.size, 0.5, k + 1.0).reshape(w.shape) for k, w in enumerate(m.layers[0].get_weights())]
/// m.layers[0].set_weights(ws); y = m(x, training=False)
/// ```
#[test]
fn go_backwards_matches_keras() -> Result<()> {
    use serde_json::json;
    use tusk_core::{LayerSpec, Model, Sequential};
    let cases: [(&str, Value, &[f32]); 4] = [
        ("LSTM", json!({"units": 3, "return_sequences": true, "go_backwards": true}), &[
            -0.10556606, -0.0793508, -0.039639268, -0.17371894, -0.10750811, -0.021038234, -0.14213268, -0.09825936,
            -0.042705126, -0.13562566, -0.105354965, -0.062949345, -0.068655215, -0.07055967, -0.06292959, -0.15872651,
            -0.113390036, -0.04790976, -0.1748492, -0.11145427, -0.028751103, -0.13003674, -0.09822683, -0.057564564,
        ]),
        ("GRU", json!({"units": 3, "return_sequences": true, "go_backwards": true}), &[
            -0.18440358, -0.15537597, -0.097938634, -0.1190337, -0.038439322, 0.043625463, -0.127924, -0.09866129,
            -0.056059387, -0.24534224, -0.22631258, -0.17691058, -0.16065621, -0.17108749, -0.16079147, -0.21542227,
            -0.14969602, -0.061441746, -0.10545179, -0.04487128, 0.020175777, -0.17710029, -0.16137226, -0.12604249,
        ]),
        ("GRU", json!({"units": 3, "go_backwards": true, "reset_after": false}), &[
            -0.4022811, -0.3398564, -0.2260214, -0.34343284, -0.27573755, -0.17278787,
        ]),
        ("SimpleRNN", json!({"units": 3, "return_sequences": true, "go_backwards": true}), &[
            -0.6572959, -0.711626, -0.7025824, 0.32415813, 0.48432684, 0.571_273, 0.5952329, 0.18810609, -0.319196,
            -0.17208077, -0.4528892, -0.6271805, -0.32181537, -0.55922985, -0.6880555, -0.3789046, -0.23208065,
            -0.04197621, 0.576781, 0.52117926, 0.39698568, 0.3567079, -0.16978163, -0.5997705,
        ]),
    ];
    for (class, cfg, want) in cases {
        let spec = Sequential::new(&[4, 5]).add(LayerSpec::new(class, cfg.clone()).named("rnn")).into_spec();
        let mut model = Model::from_spec(&spec, 0)?;
        let ws: Vec<Tensor> = model
            .layer_weights("rnn")?
            .iter()
            .enumerate()
            .map(|(k, w)| Tensor::new(pattern(w.data().len(), 0.5, k as f64 + 1.0), w.shape().to_vec()))
            .collect::<std::result::Result<_, _>>()?;
        model.set_layer_weights("rnn", &ws)?;
        let got = model.predict(&[Tensor::new(pattern(40, 1.0, 0.0), vec![2, 4, 5])?], 32)?.remove(0);
        ensure!(got.data().len() == want.len(), "{class} {cfg}: {} values", got.data().len());
        for (i, (g, w)) in got.data().iter().zip(want).enumerate() {
            ensure!((g - w).abs() <= TOL, "{class} {cfg}[{i}]: got {g}, Keras {w}");
        }
    }
    Ok(())
}

/// Real Keras 2 JSON (tf_keras 2.21: `Embedding(10, 4, input_length=5)` → `LSTM(3)` →
/// `Dense(1, sigmoid)`), whose LSTM config carries Keras 2's `time_major` and `implementation`.
#[test]
fn keras2_lstm_json_loads() -> Result<()> {
    let path = format!("{}/tests/fixtures/keras/models/keras2_embedding_lstm.json", env!("CARGO_MANIFEST_DIR"));
    let model = tusk_core::keras::model_from_json(&std::fs::read_to_string(&path)?, 0)?;
    let shapes: Vec<Vec<usize>> = model.vars().iter().filter(|v| v.name.starts_with("lstm/")).map(|v| v.shape.clone()).collect();
    ensure!(shapes == vec![vec![4, 12], vec![3, 12], vec![12]], "{shapes:?}");
    ensure!(model.output_shapes() == vec![vec![1]]);
    Ok(())
}
