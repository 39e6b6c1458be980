//! `tusk train`: build or load a model, fit it, report test accuracy, save, plot, report.

use crate::args::TrainArgs;
use crate::{data, model_source, plot, progress, report};
use anyhow::{Context, Result};
use serde_json::json;
use std::time::Instant;
use tusk_core::train::{Callback, EarlyStopping, StopAtTarget};
use tusk_core::{FitOptions, Loss, Optimizer};

pub fn run(a: TrainArgs) -> Result<()> {
    let started = Instant::now();
    let loaded = data::load(&a.data, a.test_data.as_deref().map(|p| (p, a.test_labels.clone())))?;
    let mut model = model_source::resolve(&a.model, a.seed)?;
    let mut optimizer = Optimizer::from_name(&a.optimizer)?;
    if let Some(lr) = a.lr {
        optimizer.learning_rate = lr;
    }
    let metrics: Vec<&str> = a.metrics.split(',').map(str::trim).filter(|m| !m.is_empty()).collect();
    model.compile(vec![Loss::from_config(&json!(a.loss))?], optimizer, &metrics)?;

    let mut train = loaded.train;
    if let Some(limit) = a.limit.filter(|&l| l < train.len()) {
        train = train.shard(0, train.len().div_ceil(limit))?;
    }
    // The data moves into the model's layout (no copy is kept: memory is dataset + model).
    let n_train = train.len();
    let (x, y) = data::fit_to_model(&model, train, "training data")?;
    eprintln!("{}", model.summary());
    eprintln!("Training on {} samples ({} epochs, batch size {})", x.rows(), a.epochs, a.batch_size);

    let opts = FitOptions { epochs: a.epochs, batch_size: a.batch_size, validation_split: a.validation_split, seed: a.seed, ..FitOptions::default() };
    let mut progress = progress::Progress::new();
    let mut early = a.early_stopping.map(|p| EarlyStopping::new(if a.validation_split > 0.0 { "val_loss" } else { "loss" }, p));
    let mut target = a.stop_at_accuracy.map(|t| StopAtTarget::new("accuracy", t));
    let mut callbacks: Vec<&mut dyn Callback> = vec![&mut progress];
    if let Some(e) = early.as_mut() {
        callbacks.push(e);
    }
    if let Some(t) = target.as_mut() {
        callbacks.push(t);
    }
    let fit_started = Instant::now();
    let history = model.fit(&[x], &[y], &opts, &mut callbacks)?;
    let fit_secs = fit_started.elapsed().as_secs_f64();
    let trained: usize = history.epochs.len() * n_train;

    let test_logs = match loaded.test {
        Some(test) => {
            let (tx, ty) = data::fit_to_model(&model, test, "test data")?;
            let logs = model.evaluate(&[tx], &[ty], 256)?;
            println!("Test: {}", progress::format_logs(&logs));
            if let Some(acc) = logs.get("accuracy") {
                println!("Test accuracy: {acc:.4}");
            }
            Some(logs)
        }
        None => None,
    };
    if let Some(dir) = &a.save {
        model.save(dir).with_context(|| format!("saving to {}", dir.display()))?;
        eprintln!("Saved model to {}", dir.display());
    }
    if let Some(path) = &a.plot {
        plot::write(path, &history)?;
        eprintln!("Wrote plot {}", path.display());
    }
    if let Some(path) = &a.report_json {
        let get = |k: &str| report::num(test_logs.as_ref().and_then(|l| l.get(k)).unwrap_or(f64::NAN));
        let doc = json!({
            "model": a.model, "data": a.data.data, "optimizer": a.optimizer, "batch_size": a.batch_size,
            "test_accuracy": get("accuracy"), "test_loss": get("loss"),
            "train_samples_per_sec": trained as f64 / fit_secs.max(1e-9),
            "total_seconds": started.elapsed().as_secs_f64(),
            "peak_rss_mib": report::peak_rss_mib(),
            "epochs": report::epochs_json(&history),
        });
        report::write(path, &doc)?;
    }
    Ok(())
}
