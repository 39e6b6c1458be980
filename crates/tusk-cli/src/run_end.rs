//! The end of a run, shared by `tusk train` (one process or distributed) and `tusk ps`:
//! evaluate on the test data and print it, save the model (and an ensemble's members), write
//! the report JSON.

use crate::args::ModelArgs;
use crate::{data, job, progress, report};
use anyhow::{Context, Result};
use serde_json::json;
use std::time::Instant;
use tusk_core::{Logs, Model, Tensor};
use tusk_data::Dataset;
use tusk_dist::{JobSpec, ServerReport};

/// Loss and metrics of `model` on the test set, printed (`Test accuracy: …`).
pub fn evaluate_test(model: &mut Model, test: Option<Dataset>) -> Result<Option<Logs>> {
    let Some(test) = test else { return Ok(None) };
    let (tx, ty) = data::fit_to_model(model, test, "test data")?;
    let logs = model.evaluate(&[tx], &[ty], 256)?;
    print_test(&logs);
    Ok(Some(logs))
}

pub fn print_test(logs: &Logs) {
    println!("Test: {}", progress::format_logs(logs));
    if let Some(acc) = logs.get("accuracy") {
        println!("Test accuracy: {acc:.4}");
    }
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
