//! `tusk train`: build or load a model, fit it, report test accuracy, save, plot, report.

use crate::args::TrainArgs;
use crate::outputs::{self, Output};
use crate::run_end::evaluate_test;
use crate::{data, distributed, model_source, plot, progress, report};
use anyhow::{Context, Result};
use serde_json::json;
use std::time::Instant;
use tusk_core::train::{Callback, EarlyStopping, StopAtTarget};
use tusk_core::FitOptions;

pub fn run(a: TrainArgs) -> Result<()> {
    outputs::check(&[
        a.m.save.as_deref().map(|p| Output::Dir("--save", p)),
        a.m.report_json.as_deref().map(|p| Output::File("--report-json", p)),
        a.plot.as_deref().map(|p| Output::File("--plot", p)),
        a.dist.checkpoint_dir.as_deref().map(|p| Output::Dir("--checkpoint-dir", p)),
    ])?;
    if a.dist.is_distributed() || a.processes {
        return distributed::run(a);
    }
    let started = Instant::now();
    let loaded = data::load(&a.data, a.test_data.as_deref().map(|p| (p, a.test_labels.clone())))?;
    let mut model = model_source::compiled(&a.m)?;

    let mut train = loaded.train;
    if let Some(limit) = a.limit.filter(|&l| l < train.len()) {
        train = train.shard(0, train.len().div_ceil(limit))?;
    }
    // The data moves into the model's layout (no copy is kept: memory is dataset + model).
    let n_train = train.len();
    let (x, y) = data::fit_to_model(&model, train, "training data")?;
    eprintln!("{}", model.summary());
    eprintln!("Training on {} samples ({} epochs, batch size {})", x.rows(), a.m.epochs, a.m.batch_size);

    let opts = FitOptions { epochs: a.m.epochs, batch_size: a.m.batch_size, validation_split: a.validation_split, seed: a.m.seed, ..FitOptions::default() };
    let mut progress = progress::Progress::new();
    let mut early = a.early_stopping.map(|p| EarlyStopping::new(if a.validation_split > 0.0 { "val_loss" } else { "loss" }, p));
    let mut target = a.m.stop_at_accuracy.map(|t| StopAtTarget::new("accuracy", t));
    let mut loss_target = a.m.stop_at_loss.map(|t| StopAtTarget::new("loss", t));
    let mut callbacks: Vec<&mut dyn Callback> = vec![&mut progress];
    callbacks.extend(early.as_mut().map(|c| c as &mut dyn Callback));
    callbacks.extend(target.as_mut().map(|c| c as &mut dyn Callback));
    callbacks.extend(loss_target.as_mut().map(|c| c as &mut dyn Callback));
    let fit_started = Instant::now();
    let history = model.fit(&[x], &[y], &opts, &mut callbacks)?;
    let fit_secs = fit_started.elapsed().as_secs_f64();
    let trained: usize = history.epochs.len() * n_train;

    let test_logs = evaluate_test(&mut model, loaded.test)?;
    if let Some(dir) = &a.m.save {
        model.save(dir).with_context(|| format!("saving to {}", dir.display()))?;
        eprintln!("Saved model to {}", dir.display());
    }
    if let Some(path) = &a.plot {
        plot::write(path, &history)?;
        eprintln!("Wrote plot {}", path.display());
    }
    if let Some(path) = &a.m.report_json {
        let get = |k: &str| report::num(test_logs.as_ref().and_then(|l| l.get(k)).unwrap_or(f64::NAN));
        let doc = json!({
            "model": a.m.model, "data": a.data.data, "optimizer": a.m.optimizer, "batch_size": a.m.batch_size,
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
