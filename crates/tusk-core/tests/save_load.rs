//! `Model::save` / `Model::load`: a trained model comes back with the same predictions
//! (bitwise), weights and optimizer state, so training resumes exactly where it stopped; and
//! damaged or incomplete files give errors that name the file.

mod common;

use anyhow::{ensure, Context, Result};
use common::Rng;
use std::path::{Path, PathBuf};
use tusk_core::io::{read_safetensors, write_safetensors, MODEL_JSON, OPTIMIZER_STATE, WEIGHTS};
use tusk_core::{FitOptions, Loss, Model, Optimizer, Tensor};

/// A fresh, empty directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("tusk-save-load-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `n` random 784-pixel samples in [0, 1) with one-hot labels of 10 classes.
fn data(n: usize, seed: u64) -> (Tensor, Tensor) {
    let mut rng = Rng::new(seed);
    let x = rng.tensor(&[n, 784], 0.0, 1.0);
    let mut y = Tensor::zeros(vec![n, 10]);
    for i in 0..n {
        y.data_mut()[i * 10 + rng.below(10)] = 1.0;
    }
    (x, y)
}

/// The `mlp` preset trained for one epoch with Adam.
fn trained_mlp() -> Result<Model> {
    trained_mlp_with("adam")
}

/// The `mlp` preset trained for one epoch with optimizer `opt`.
fn trained_mlp_with(opt: &str) -> Result<Model> {
    let mut model = Model::from_spec(&tusk_core::presets::mlp(), 1)?;
    model.compile(vec![Loss::CategoricalCrossentropy { from_logits: false }], Optimizer::from_name(opt)?, &["accuracy"])?;
    let (x, y) = data(96, 2);
    let opts = FitOptions { epochs: 1, batch_size: 32, ..FitOptions::default() };
    model.fit(&[x], &[y], &opts, &mut [])?;
    Ok(model)
}

/// Dropout's random stream is not part of a saved model (Keras does not save it either):
/// reseed it on both sides, keeping the weights, so both draw the same masks.
fn reseed_dropout(model: &mut Model, seed: u64) -> Result<()> {
    let p = model.params().to_vec();
    model.initialize(seed);
    model.set_params(&p)?;
    Ok(())
}

#[test]
fn trained_model_round_trips_and_resumes_training() -> Result<()> {
    resume("adam")
}

/// Every optimizer's state (Nadam's momentum-schedule product, RMSprop's three slots,
/// Adagrad's accumulators...) must come back exactly.
#[test]
fn every_optimizer_resumes_exactly() -> Result<()> {
    for opt in ["sgd", "rmsprop", "adagrad", "adadelta", "adamw", "nadam"] {
        resume(opt).with_context(|| opt.to_string())?;
    }
    Ok(())
}

fn resume(opt: &str) -> Result<()> {
    let dir = TempDir::new(&format!("resume-{opt}"));
    let mut model = trained_mlp_with(opt)?;
    let iterations = model.compiled().unwrap().optimizer.iterations;
    ensure!(iterations == 3, "one epoch of 96 samples in batches of 32 is 3 steps, got {iterations}");
    model.save(dir.path())?;
    for f in [MODEL_JSON, WEIGHTS, "training.json", OPTIMIZER_STATE] {
        ensure!(dir.path().join(f).exists(), "save wrote no {f}");
    }
    let mut loaded = Model::load(dir.path())?;

    let (x, y) = data(10, 3);
    let (x, y) = ([x], [y]);
    ensure!(loaded.predict(&x, 4)? == model.predict(&x, 4)?, "predictions differ after load");
    ensure!(loaded.params() == model.params(), "weights differ after load");
    let (a, b) = (model.compiled().unwrap(), loaded.compiled().context("the loaded model is not compiled")?);
    ensure!(a.losses == b.losses, "losses {:?} vs {:?}", a.losses, b.losses);
    ensure!(a.metric_names == b.metric_names, "metrics");
    ensure!(a.optimizer.class == b.optimizer.class && a.optimizer.learning_rate == b.optimizer.learning_rate, "optimizer config");
    ensure!(b.optimizer.iterations == iterations, "iterations {} after load, {iterations} before", b.optimizer.iterations);
    ensure!(a.optimizer.state() == b.optimizer.state(), "optimizer state differs after load");
    // Saving the loaded model again writes the same files.
    let dir2 = TempDir::new(&format!("resave-{opt}"));
    loaded.save(dir2.path())?;
    for f in [MODEL_JSON, WEIGHTS, OPTIMIZER_STATE] {
        ensure!(std::fs::read(dir.path().join(f))? == std::fs::read(dir2.path().join(f))?, "{f} differs when saved again");
    }

    // One more step on both, from the same state: identical weights and optimizer state.
    reseed_dropout(&mut model, 9)?;
    reseed_dropout(&mut loaded, 9)?;
    let before = model.params().to_vec();
    let la = model.train_on_batch(&x, &y)?;
    let lb = loaded.train_on_batch(&x, &y)?;
    ensure!(la == lb, "logs {la:?} vs {lb:?}");
    ensure!(model.params() != before.as_slice(), "the step changed nothing");
    ensure!(model.params() == loaded.params(), "weights differ after one more step");
    ensure!(loaded.compiled().unwrap().optimizer.iterations == iterations + 1, "iterations");
    ensure!(model.compiled().unwrap().optimizer.state() == loaded.compiled().unwrap().optimizer.state(), "optimizer state differs after one more step");
    Ok(())
}

#[test]
fn uncompiled_model_loads_uncompiled() -> Result<()> {
    let dir = TempDir::new("uncompiled");
    let mut model = Model::from_spec(&tusk_core::presets::mlp(), 5)?;
    model.save(dir.path())?;
    ensure!(!dir.path().join(OPTIMIZER_STATE).exists(), "an uncompiled model has no optimizer state");
    let mut loaded = Model::load(dir.path())?;
    ensure!(loaded.compiled().is_none(), "loaded model is compiled");
    let x = [data(3, 6).0];
    ensure!(loaded.predict(&x, 3)? == model.predict(&x, 3)?, "predictions");
    Ok(())
}

/// Saves a trained model, lets `damage` change the files, and returns `load`'s error text.
fn load_error(tag: &str, damage: impl FnOnce(&Path) -> Result<()>) -> Result<String> {
    let dir = TempDir::new(tag);
    trained_mlp()?.save(dir.path())?;
    damage(dir.path())?;
    match Model::load(dir.path()) {
        Ok(_) => anyhow::bail!("{tag}: the damaged model loaded"),
        Err(e) => Ok(e.to_string()),
    }
}

#[test]
fn damaged_files_are_named_in_errors() -> Result<()> {
    let truncate = |file: &'static str| {
        move |dir: &Path| -> Result<()> {
            let p = dir.join(file);
            let bytes = std::fs::read(&p)?;
            std::fs::write(&p, &bytes[..bytes.len() / 2])?;
            Ok(())
        }
    };
    let e = load_error("truncated", truncate(WEIGHTS))?;
    ensure!(e.contains(WEIGHTS), "truncated weights: {e}");

    let e = load_error("corrupt", |dir| {
        let p = dir.join(WEIGHTS);
        let mut bytes = std::fs::read(&p)?;
        bytes[8..40].copy_from_slice(&[b'#'; 32]); // the JSON header
        std::fs::write(&p, bytes)?;
        Ok(())
    })?;
    ensure!(e.contains(WEIGHTS), "corrupt weights: {e}");

    let e = load_error("empty", |dir| Ok(std::fs::write(dir.join(WEIGHTS), b"")?))?;
    ensure!(e.contains(WEIGHTS), "empty weights: {e}");

    let e = load_error("missing-weight", |dir| {
        let p = dir.join(WEIGHTS);
        let arrays = read_safetensors(&p)?;
        let kept: Vec<(String, Vec<usize>, &[f32])> =
            arrays.iter().filter(|(n, _, _)| n != "dense_1/bias").map(|(n, s, v)| (n.clone(), s.clone(), v.as_slice())).collect();
        ensure!(kept.len() + 1 == arrays.len(), "no dense_1/bias in {:?}", arrays.iter().map(|a| &a.0).collect::<Vec<_>>());
        write_safetensors(&p, &kept)?;
        Ok(())
    })?;
    ensure!(e.contains(WEIGHTS) && e.contains("dense_1/bias"), "missing weight: {e}");

    let e = load_error("wrong-shape", |dir| {
        let p = dir.join(WEIGHTS);
        let arrays = read_safetensors(&p)?;
        let changed: Vec<(String, Vec<usize>, &[f32])> = arrays
            .iter()
            .map(|(n, s, v)| if n == "dense_2/bias" { (n.clone(), vec![2, 5], v.as_slice()) } else { (n.clone(), s.clone(), v.as_slice()) })
            .collect();
        write_safetensors(&p, &changed)?;
        Ok(())
    })?;
    ensure!(e.contains(WEIGHTS) && e.contains("dense_2/bias"), "wrong shape: {e}");

    let e = load_error("missing-file", |dir| Ok(std::fs::remove_file(dir.join(WEIGHTS))?))?;
    ensure!(e.contains(WEIGHTS), "missing weights file: {e}");

    let e = load_error("bad-json", |dir| Ok(std::fs::write(dir.join(MODEL_JSON), b"{\"class_name\": \"Sequential\", \"config\": ")?))?;
    ensure!(e.contains(MODEL_JSON), "malformed model.json: {e}");

    let e = load_error("not-a-model", |dir| Ok(std::fs::write(dir.join(MODEL_JSON), b"{\"config\": {}}")?))?;
    ensure!(e.contains(MODEL_JSON), "model.json without class_name: {e}");

    let e = load_error("truncated-optimizer", truncate(OPTIMIZER_STATE))?;
    ensure!(e.contains(OPTIMIZER_STATE), "truncated optimizer state: {e}");
    Ok(())
}

#[test]
fn a_compiled_model_saved_before_any_step_loads_and_trains() -> Result<()> {
    for opt in ["adam", "sgd", "rmsprop", "nadam"] {
        let mut model = Model::from_spec(&tusk_core::presets::by_name("mlp")?, 3)?;
        model.compile(vec![Loss::from_config(&serde_json::json!("categorical_crossentropy"))?], Optimizer::from_name(opt)?, &["accuracy"])?;
        let dir = TempDir::new(&format!("untrained-{opt}"));
        model.save(dir.path())?;
        let mut back = Model::load(dir.path()).with_context(|| format!("loading an untrained model compiled with {opt}"))?;
        let (x, y) = data(64, 1);
        back.fit(&[x], &[y], &FitOptions { epochs: 1, ..FitOptions::default() }, &mut [])?;
    }
    Ok(())
}
