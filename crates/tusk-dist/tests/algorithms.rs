//! Every Elephas mode and dist-keras trainer trains the `mlp` preset on a Fashion-MNIST
//! subset to a sensible accuracy, with worker threads in this process.

mod common;

use common::*;
use serde_json::json;
use tusk_dist::{local, Algorithm, Frequency, LocalOptions};

fn train(algorithm: Algorithm, frequency: Frequency, workers: usize, tweak: impl Fn(&mut tusk_dist::JobSpec)) -> (f64, tusk_dist::Outcome) {
    let d = fashion(8000, 2000);
    let model = mlp(json!({"class_name": "Adam", "config": {"learning_rate": 0.001}}));
    let mut job = job(&model, algorithm, 3, 32);
    job.settings.frequency = frequency;
    tweak(&mut job);
    let mut out = local::train(&job, model.params(), vec![d.x.clone()], vec![d.y.clone()], &LocalOptions::new(workers)).unwrap();
    let acc = accuracy(&mut out.model, &d);
    eprintln!("{} {frequency:?} ×{workers}: test accuracy {acc:.4}, commits {}, staleness mean {:.2} max {}", algorithm.name(), out.report.commits, out.report.staleness_mean, out.report.staleness_max);
    (acc, out)
}

#[test]
fn every_mode_and_trainer_learns() {
    let cases: Vec<(Algorithm, Frequency, f64)> = vec![
        (Algorithm::Single, Frequency::Epoch, 0.78),
        (Algorithm::Synchronous, Frequency::Epoch, 0.72),
        (Algorithm::Synchronous, Frequency::Batch, 0.78),
        // Commits interleave by thread timing: asynchronous results vary from run to run,
        // hence the wider margins. Per epoch, Elephas' rule adds whole-epoch deltas of every
        // worker as they are (their sum, not their mean: bench/dist-results.md), which
        // overshoots: 0.54–0.79 seen.
        (Algorithm::Asynchronous, Frequency::Epoch, 0.45),
        (Algorithm::Asynchronous, Frequency::Batch, 0.72),
        (Algorithm::Hogwild, Frequency::Batch, 0.72),
        (Algorithm::Averaging, Frequency::Epoch, 0.72),
        (Algorithm::Ensemble, Frequency::Epoch, 0.70),
        (Algorithm::Downpour, Frequency::Batch, 0.72),
        (Algorithm::Adag, Frequency::Batch, 0.68),
        (Algorithm::DynSgd, Frequency::Batch, 0.72),
        (Algorithm::Aeasgd, Frequency::Batch, 0.70),
        (Algorithm::Eamsgd, Frequency::Batch, 0.68),
    ];
    let mut failures = Vec::new();
    for (alg, freq, min) in cases {
        // EAMSGD's local step is SGD with η and Nesterov momentum: η = 0.1 (α = 0.5) with
        // μ = 0.9 is too hot for this MLP; η = 0.01, ρ = 10 (α = 0.1) is not.
        let (acc, out) = train(alg, freq, 3, |j| {
            if j.algorithm == Algorithm::Eamsgd {
                (j.settings.elastic_lr, j.settings.rho) = (0.01, 10.0);
            }
        });
        if acc < min {
            failures.push(format!("{} {freq:?}: {acc:.4} < {min}", alg.name()));
        }
        if !alg.is_serverless() {
            assert!(out.report.commits > 0, "{}: no commits", alg.name());
            assert_eq!(out.report.per_worker.len(), 3);
            assert!(out.report.per_worker.iter().all(|w| w.history.len() == 3 && w.status == "done"), "{}: {:?}", alg.name(), out.report.per_worker);
        }
    }
    assert!(failures.is_empty(), "below target: {failures:?}");
}

#[test]
fn driver_optimizers_and_compression_still_learn() {
    // A driver SGD with learning rate 1 applies −Δ as a gradient: C ← C + Δ, as plain addition.
    let sgd = json!({"class_name": "SGD", "config": {"learning_rate": 1.0}});
    let (acc, _) = train(Algorithm::Synchronous, Frequency::Batch, 2, |j| j.settings.driver_optimizer = Some(sgd.clone()));
    assert!(acc > 0.78, "synchronous with a driver SGD(1.0): {acc}");
    let (acc, _) = train(Algorithm::Asynchronous, Frequency::Batch, 2, |j| j.settings.driver_optimizer = Some(json!({"class_name": "Adam", "config": {"learning_rate": 0.001}})));
    assert!(acc > 0.6, "asynchronous with a driver Adam: {acc}");
    for c in ["fp16", "bf16", "topk:0.05"] {
        let (acc, out) = train(Algorithm::Downpour, Frequency::Batch, 2, |j| j.settings.compression = tusk_dist::protocol::Compression::parse(c).unwrap());
        assert!(acc > 0.75, "downpour with {c}: {acc}");
        assert!(out.report.bytes_received > 0);
    }
}

#[test]
fn a_stop_target_ends_every_worker_early() {
    let (acc, out) = train(Algorithm::Asynchronous, Frequency::Epoch, 2, |j| {
        j.settings.epochs = 20;
        j.settings.stop_at_accuracy = Some(0.6);
    });
    assert!(out.report.stopped_early, "{:?}", out.report);
    assert!(out.report.per_worker.iter().all(|w| w.history.len() < 20), "{:?}", out.report.per_worker);
    assert!(acc > 0.6);
}
