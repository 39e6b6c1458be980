//! `tusk train --workers N` (with `--mode` or `--trainer`): data-parallel training on this
//! machine, with worker threads (default) or `tusk worker` processes (`--processes`).

use crate::args::{DistArgs, TrainArgs};
use crate::run_end::{finish, Finished};
use crate::{data, job, model_source, processes};
use anyhow::Result;
use std::time::Instant;
use tusk_dist::{local, LocalOptions};

pub fn run(a: TrainArgs) -> Result<()> {
    let started = Instant::now();
    if a.early_stopping.is_some() || a.plot.is_some() {
        anyhow::bail!("--early-stopping and --plot apply to single-process training, not with --workers/--mode/--trainer");
    }
    job::server_settings(&a.dist)?; // checked before the data is read
    let loaded = data::load(&a.data, a.test_data.as_deref().map(|p| (p, a.test_labels.clone())))?;
    let model = model_source::compiled(&a.m)?;
    let job = job::spec(&a.m, &a.dist, a.validation_split, &model)?;
    let workers = a.dist.workers();
    let mut train = loaded.train;
    if let Some(limit) = a.limit.filter(|&l| l < train.len()) {
        train = train.shard(0, train.len().div_ceil(limit))?;
    }
    let n_train = train.len();
    eprintln!("Training {} on {n_train} samples with {workers} {} ({} epochs, batch size {})", job.algorithm, if a.processes { "worker processes" } else { "worker threads" }, job.settings.epochs, job.settings.batch_size);
    let train_started = Instant::now();
    let (trained, members, report, samples) = if a.processes {
        let (m, r) = processes::run(&a, &job, &model, workers)?;
        let samples = r.per_worker.iter().flat_map(|w| &w.history).map(|h| h.samples).sum::<u64>();
        (m, Vec::new(), r, samples)
    } else {
        let (x, y) = data::labelled(train, "training data")?;
        let out = local::train(&job, model.params(), vec![x], vec![y], &local_options(&a.dist, workers)?)?;
        let samples = out.workers.iter().map(|w| w.samples_trained).sum::<u64>();
        (out.model, out.members, out.report, samples)
    };
    let train_secs = train_started.elapsed().as_secs_f64();
    finish(Finished { job: &job, m: &a.m, data: &a.data.data, model: trained, members, report, test: loaded.test, samples, started, train_secs })
}

fn local_options(d: &DistArgs, workers: usize) -> Result<LocalOptions> {
    Ok(LocalOptions { server: job::server_settings(d)?, ..LocalOptions::new(workers) })
}
