//! `tusk train --workers N` (with `--mode` or `--trainer`): data-parallel training on this
//! machine, with worker threads (default) or `tusk worker` processes (`--processes`), and
//! what every distributed run does at the end (evaluate, save, report) — `tusk ps` too.

use crate::args::{DistArgs, ModelArgs, TrainArgs};
use crate::train::{evaluate_test, print_test};
use crate::{data, job, model_source, processes, report};
use anyhow::{Context, Result};
use serde_json::json;
use std::time::Instant;
use tusk_core::{Logs, Model, Tensor};
use tusk_data::Dataset;
use tusk_dist::{local, JobSpec, LocalOptions, ServerReport};

pub fn run(a: TrainArgs) -> Result<()> {
    let started = Instant::now();
    if a.early_stopping.is_some() || a.plot.is_some() {
        anyhow::bail!("--early-stopping and --plot apply to single-process training, not with --workers/--mode/--trainer");
    }
    let loaded = data::load(&a.data, a.test_data.as_deref().map(|p| (p, a.test_labels.clone())))?;
    let model = model_source::compiled(&a.m)?;
    let mut job = job::spec(&a.m, &a.dist, &model)?;
    job.validation_split = a.validation_split;
    job.validate()?;
    let workers = a.dist.workers();
    let mut train = loaded.train;
    if let Some(limit) = a.limit.filter(|&l| l < train.len()) {
        train = train.shard(0, train.len().div_ceil(limit))?;
    }
    let n_train = train.len();
    eprintln!("Training {} on {n_train} samples with {workers} {} ({} epochs, batch size {})", job.algorithm.name(), if a.processes { "worker processes" } else { "worker threads" }, job.epochs, job.batch_size);
    let train_started = Instant::now();
    let (trained, members, report, samples) = if a.processes {
        let (m, r) = processes::run(&a, &job, &model, workers)?;
        let samples = r.per_worker.iter().flat_map(|w| &w.history).map(|h| h.samples).sum::<u64>();
        (m, Vec::new(), r, samples)
    } else {
        let (x, y) = data::fit_to_model(&model, train, "training data")?;
        let out = local::train(&job, model.params(), &[x], &[y], &local_options(&a.dist, workers)?)?;
        let samples = out.workers.iter().map(|w| w.samples_trained).sum::<u64>();
        (out.model, out.members, out.report, samples)
    };
    let train_secs = train_started.elapsed().as_secs_f64();
    finish(Finished { job: &job, m: &a.m, data: &a.data.data, model: trained, members, report, test: loaded.test, samples, started, train_secs })
}

fn local_options(d: &DistArgs, workers: usize) -> Result<LocalOptions> {
    let s = job::settings(d)?;
    let mut o = LocalOptions::new(workers);
    (o.checkpoint_dir, o.checkpoint_every, o.timeouts, o.resume) = (s.checkpoint_dir, s.checkpoint_every, s.timeouts, d.resume.clone());
    Ok(o)
}

/// The end of a distributed run.
pub struct Finished<'a> {
    pub job: &'a JobSpec,
    pub m: &'a ModelArgs,
    pub data: &'a str,
    pub model: Model,
    /// Further ensemble members (the first is `model`).
    pub members: Vec<Model>,
    pub report: ServerReport,
    pub test: Option<Dataset>,
    /// Samples trained over all workers and epochs.
    pub samples: u64,
    pub started: Instant,
    pub train_secs: f64,
}

/// Prints the summary and test metrics, saves the model(s) and writes the report.
pub fn finish(f: Finished) -> Result<()> {
    let Finished { job, m, data: data_name, mut model, mut members, report, test, samples, started, train_secs } = f;
    job::print_summary(&report);
    let test_logs = if members.is_empty() {
        evaluate_test(&mut model, test)?
    } else {
        members.insert(0, model);
        let logs = test.map(|t| ensemble_accuracy(&mut members, t)).transpose()?;
        logs.iter().for_each(print_test);
        model = members.remove(0);
        logs
    };
    if let Some(dir) = &m.save {
        model.save(dir).with_context(|| format!("saving to {}", dir.display()))?;
        for (i, member) in members.iter().enumerate() {
            let d = dir.join(format!("member-{}", i + 1));
            member.save(&d).with_context(|| format!("saving to {}", d.display()))?;
        }
        eprintln!("Saved model to {}", dir.display());
    }
    if let Some(path) = &m.report_json {
        let get = |k: &str| report::num(test_logs.as_ref().and_then(|l| l.get(k)).unwrap_or(f64::NAN));
        let mut doc = json!({
            "model": m.model, "data": data_name, "optimizer": m.optimizer, "batch_size": m.batch_size,
            "test_accuracy": get("accuracy"), "test_loss": get("loss"),
            "train_samples_per_sec": samples as f64 / train_secs.max(1e-9),
            "train_seconds": train_secs,
            "total_seconds": started.elapsed().as_secs_f64(),
            "peak_rss_mib": report::peak_rss_mib(),
        });
        job::report_fields(&mut doc, job, &report);
        report::write(path, &doc)?;
    }
    Ok(())
}

/// The ensemble's accuracy: class scores averaged over the members.
fn ensemble_accuracy(members: &mut [Model], test: Dataset) -> Result<Logs> {
    let (x, y) = data::fit_to_model(&members[0], test, "test data")?;
    let mut mean: Option<Tensor> = None;
    for m in members.iter_mut() {
        let p = m.predict(std::slice::from_ref(&x), 256)?.remove(0);
        mean = Some(match mean {
            None => p,
            Some(acc) => Tensor::new(acc.data().iter().zip(p.data()).map(|(a, b)| a + b).collect(), acc.shape().to_vec())?,
        });
    }
    let mean = mean.context("an ensemble has at least one member")?;
    let k = mean.row_len();
    let argmax = |row: &[f32]| row.iter().enumerate().fold(0, |best, (i, v)| if *v > row[best] { i } else { best });
    let hits = mean.data().chunks(k).zip(y.data().chunks(y.row_len())).filter(|(p, t)| if t.len() == 1 { argmax(p) == t[0] as usize } else { argmax(p) == argmax(t) }).count();
    let mut logs = Logs::default();
    logs.push("accuracy", hits as f64 / y.rows().max(1) as f64);
    Ok(logs)
}
