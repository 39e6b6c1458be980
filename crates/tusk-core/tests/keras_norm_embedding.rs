//! BatchNormalization, Embedding and GlobalMaxPooling1D/2D against real Keras 3.15.1.
//!
//! Fixtures: `tests/fixtures/keras/layers/<case>.json`, made by `tests/fixtures/keras/generate.py`
//! (see that folder's README.md), e.g. for `batch_normalization_2d`:
//! ```python
//! model = keras.Sequential([keras.Input((5,)), keras.layers.BatchNormalization()])
//! model.layers[0].set_weights([gamma, beta, moving_mean, moving_variance])
//! outputs = model(x, training=False); train_outputs = model(x, training=True)
//! weights_after_train_call = model.layers[0].get_weights()
//! ```

mod common;

use anyhow::{ensure, Context, Result};
use common::tensor;
use serde_json::{json, Value};
use tusk_core::keras::layer_config::LayerConfig;
use tusk_core::layers::{build_layer, Ctx};
use tusk_core::{FitOptions, LayerSpec, Loss, Model, Optimizer, Sequential, Tensor};

const TOL: f32 = 1e-5;

/// The layer fixture `layers/<case>.json`.
fn fixture(case: &str) -> Result<Value> {
    common::fixture(&format!("layers/{case}.json"))
}

fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= TOL * w.abs().max(1.0), "{what}[{i}]: got {g}, Keras {w}");
    }
}

/// The fixture's model with its weights set.
fn model(f: &Value) -> Result<Model> {
    let mut model = tusk_core::keras::model_from_json(&serde_json::to_string(&f["model"])?, 0)?;
    for (layer, weights) in f["weights"].as_object().context("weights")? {
        let ws = weights.as_array().context("weight list")?.iter().map(tensor).collect::<Result<Vec<_>>>()?;
        model.set_layer_weights(layer, &ws)?;
    }
    Ok(model)
}

fn inputs(f: &Value) -> Result<Vec<Tensor>> {
    f["inputs"].as_array().context("inputs")?.iter().map(tensor).collect()
}

/// `model.predict(x)` against the fixture's `outputs`.
fn check_predict(case: &str) -> Result<()> {
    let f = fixture(case)?;
    let mut m = model(&f)?;
    let got = m.predict(&inputs(&f)?, 32)?;
    let want = tensor(&f["outputs"][0])?;
    ensure!(got[0].shape() == want.shape(), "{case}: shape {:?} vs {:?}", got[0].shape(), want.shape());
    assert_close(got[0].data(), want.data(), case);
    Ok(())
}

#[test]
fn inference_outputs_match_keras() -> Result<()> {
    for case in [
        "batch_normalization_2d",
        "batch_normalization_4d",
        "embedding",
        "embedding_int32_input",
        "global_max_pooling1d",
        "global_max_pooling2d",
    ] {
        check_predict(case)?;
    }
    Ok(())
}

/// `model(x, training=True)` and the moving statistics after that call.
#[test]
fn batch_norm_training_call_matches_keras() -> Result<()> {
    for case in ["batch_normalization_2d", "batch_normalization_4d"] {
        let f = fixture(case)?;
        let x = inputs(&f)?;
        let want_y = tensor(&f["train_outputs"][0])?;

        // The layer alone, in training mode.
        let layer_json = &f["model"]["config"]["layers"][1];
        let cfg = layer_json["config"].as_object().context("config")?;
        let lc = LayerConfig::new("BatchNormalization", cfg, "bn");
        let mut layer = build_layer(&lc, &[x[0].sample_shape().to_vec()])?;
        let p: Vec<f32> = f["weights"]["batch_normalization"]
            .as_array()
            .context("weights")?
            .iter()
            .map(|w| Ok(tensor(w)?.into_data()))
            .collect::<Result<Vec<_>>>()?
            .concat();
        let batch = x[0].rows();
        layer.set_capacity(batch);
        let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(0);
        let mut y = vec![0.0; want_y.data().len()];
        layer.forward(&mut Ctx { batch, training: true, rng: &mut rng }, &[x[0].data()], &p, &mut y);
        assert_close(&y, want_y.data(), &format!("{case} train_outputs"));

        // Through the model: one training step with learning rate 0 updates only the
        // moving statistics; an MSE loss against Keras' training outputs is ~0.
        let mut m = model(&f)?;
        m.compile(vec![Loss::MeanSquaredError], Optimizer::from_config(&json!({"class_name": "SGD", "config": {"learning_rate": 0.0}}))?, &[])?;
        let logs = m.train_on_batch(&x, &[want_y.clone()])?;
        let loss = logs.get("loss").context("loss")?;
        ensure!(loss < 1e-10, "{case}: MSE against Keras' training outputs is {loss}");
        let after = m.layer_weights("batch_normalization")?;
        let want = f["weights_after_train_call"]["batch_normalization"].as_array().context("weights_after_train_call")?;
        ensure!(after.len() == want.len() && after.len() == 4);
        for (got, w) in after.iter().zip(want) {
            let name = w["name"].as_str().unwrap_or("?");
            assert_close(got.data(), tensor(w)?.data(), &format!("{case} {name} after the training call"));
        }
    }
    Ok(())
}

#[test]
fn bad_embedding_ids_are_errors_naming_layer_value_and_sample() -> Result<()> {
    let f = fixture("embedding")?;
    let mut m = model(&f)?;
    m.compile(vec![Loss::MeanSquaredError], Optimizer::from_name("sgd")?, &[])?;
    let good = inputs(&f)?.remove(0);
    let y = Tensor::zeros(vec![3, 5, 4]);
    for (bad, text) in [(10.0, "10"), (-1.0, "-1"), (2.5, "2.5")] {
        let mut x = good.clone();
        x.data_mut()[7] = bad; // sample 1, position 2
        for e in [
            m.predict(&[x.clone()], 32).err(),
            m.evaluate(&[x.clone()], &[y.clone()], 32).err(),
            m.train_on_batch(&[x.clone()], &[y.clone()]).err(),
            m.fit(&[x.clone()], &[y.clone()], &FitOptions::default(), &mut []).err(),
        ] {
            let e = e.context("a bad id must be an error")?.to_string();
            ensure!(e.contains("Embedding 'embedding'") && e.contains(text) && e.contains("sample 1"), "{e}");
        }
    }
    Ok(())
}

/// Keras 2 JSON: BatchNormalization with `axis: [1]`; an Embedding first layer whose only
/// input shape is `input_length` (its `input_dim` is the vocabulary, not the shape).
#[test]
fn keras2_configs() -> Result<()> {
    let path = format!("{}/tests/fixtures/keras/models/keras2_batchnorm.json", env!("CARGO_MANIFEST_DIR"));
    let m = tusk_core::keras::model_from_json(&std::fs::read_to_string(path)?, 0)?;
    let names: Vec<String> = m.vars().iter().filter(|v| v.name.starts_with("batch_normalization/")).map(|v| format!("{}:{}", v.name, v.trainable)).collect();
    assert_eq!(
        names,
        [
            "batch_normalization/gamma:true",
            "batch_normalization/beta:true",
            "batch_normalization/moving_mean:false",
            "batch_normalization/moving_variance:false"
        ]
    );
    let text = json!({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Embedding", "config": {"name": "e", "input_dim": 10, "output_dim": 4, "input_length": 5,
         "embeddings_initializer": "uniform", "mask_zero": false}},
        {"class_name": "GlobalMaxPooling1D", "config": {"name": "g"}}]}});
    let m = tusk_core::keras::model_from_json(&text.to_string(), 0)?;
    assert_eq!(m.input_shapes(), [vec![5]]);
    assert_eq!(m.output_shapes(), [vec![4]]);
    Ok(())
}

/// The layers written back as Keras JSON read back into the same model.
#[test]
fn configs_round_trip() -> Result<()> {
    let spec = Sequential::new(&[6])
        .add(LayerSpec::new("Embedding", json!({"input_dim": 7, "output_dim": 3})))
        .add(LayerSpec::new("BatchNormalization", json!({"center": false, "momentum": 0.9})))
        .add(LayerSpec::new("GlobalMaxPooling1D", json!({"keepdims": true})))
        .into_spec();
    let m = Model::from_spec(&spec, 1)?;
    let text = tusk_core::keras::model_to_json(&m);
    let mut back = tusk_core::keras::model_from_json(&text, 1)?;
    back.set_params(m.params())?;
    let names = |m: &Model| m.vars().iter().map(|v| (v.name.clone(), v.shape.clone(), v.trainable)).collect::<Vec<_>>();
    assert_eq!(names(&m), names(&back));
    assert_eq!(back.output_shapes(), [vec![1, 3]]);
    Ok(())
}

/// Embedding -> GlobalMaxPooling1D -> BatchNormalization -> Dense learns a toy task
/// (is id 1 among the ids?), and the moving statistics move during `fit`.
#[test]
fn fit_trains_through_the_new_layers() -> Result<()> {
    let spec = Sequential::new(&[4])
        .add(LayerSpec::new("Embedding", json!({"input_dim": 5, "output_dim": 8})))
        .add(LayerSpec::new("GlobalMaxPooling1D", json!({})))
        .add(LayerSpec::new("BatchNormalization", json!({"momentum": 0.5})))
        .add(LayerSpec::dense(1, "sigmoid"))
        .into_spec();
    let mut m = Model::from_spec(&spec, 3)?;
    m.compile(vec![Loss::BinaryCrossentropy { from_logits: false }], Optimizer::from_name("adam")?, &["accuracy"])?;
    let n = 256;
    let mut ids = Vec::with_capacity(n * 4);
    let mut labels = Vec::with_capacity(n);
    let mut s = 12345u64;
    for _ in 0..n {
        let mut has = false;
        for _ in 0..4 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let id = (s >> 33) % 5;
            has |= id == 1;
            ids.push(id as f32);
        }
        labels.push(has as u8 as f32);
    }
    let x = Tensor::new(ids, vec![n, 4])?;
    let y = Tensor::new(labels, vec![n, 1])?;
    let before = m.evaluate(&[x.clone()], &[y.clone()], 64)?;
    let mean_before = m.layer_weights("batch_normalization")?[2].clone();
    let opts = FitOptions { epochs: 30, batch_size: 32, ..FitOptions::default() };
    m.fit(&[x.clone()], &[y.clone()], &opts, &mut [])?;
    let after = m.evaluate(&[x], &[y], 64)?;
    let get = |l: &tusk_core::Logs, k: &str| l.get(k).unwrap();
    ensure!(get(&after, "loss") < 0.5 * get(&before, "loss"), "loss {} -> {}", get(&before, "loss"), get(&after, "loss"));
    ensure!(get(&after, "accuracy") > 0.95, "accuracy {}", get(&after, "accuracy"));
    ensure!(m.layer_weights("batch_normalization")?[2].data() != mean_before.data(), "moving mean did not move");
    Ok(())
}
