//! Synchronous rounds driven by hand on a `ServerState`: the sample-weighted mean of the
//! round's deltas is applied once every worker has committed, an empty shard weighs 0, a
//! pull for the next round waits until the round is complete.

use serde_json::json;
use tusk_dist::protocol::{Commit, Delta, Request, Response};
use tusk_dist::{Algorithm, JobSpec, ServerConfig, ServerState};

const MODEL: &str = r#"{"class_name": "Sequential", "config": {"name": "tiny", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [null, 1], "name": "input"}},
    {"class_name": "Dense", "config": {"name": "dense", "units": 1, "activation": "linear"}}]}}"#;

fn server(algorithm: Algorithm, workers: usize) -> ServerState {
    let training = json!({"loss": ["mean_squared_error"], "metrics": [], "optimizer": {"class_name": "SGD", "config": {}}});
    let job = JobSpec::new(algorithm, tusk_dist::JobSettings::default(), MODEL.into(), training).unwrap();
    ServerState::new(ServerConfig::new(job, workers), vec![0.0, 0.0], None).unwrap()
}

fn commit(s: &ServerState, worker: u32, seq: u64, round: u64, samples: u64, delta: [f32; 2]) -> Response {
    s.handle(Request::Commit(Commit { worker, attempt: 0, seq, t_pull: 0, round, samples, delta: Delta::Dense(delta.to_vec()) }))
}

fn hello_all(s: &ServerState, n: u32) {
    // Each hello of a synchronous job waits for the others: say them from threads.
    std::thread::scope(|scope| {
        for w in 0..n {
            scope.spawn(move || loop {
                match s.handle(Request::Hello { worker: w, attempt: 0, samples: 10 }) {
                    Response::Welcome { .. } => break,
                    Response::Wait => continue,
                    other => panic!("{other:?}"),
                }
            });
        }
    });
}

#[test]
fn synchronous_rounds_apply_the_sample_weighted_mean_and_ignore_empty_shards() {
    let s = server(Algorithm::Synchronous, 3);
    hello_all(&s, 3);
    assert!(matches!(commit(&s, 0, 0, 0, 30, [1.0, 0.0]), Response::Ack { applied: true, .. }));
    assert!(matches!(commit(&s, 1, 0, 0, 10, [0.0, 2.0]), Response::Ack { applied: true, .. }));
    // The round is not complete: a pull for round 1 is told to wait, the center has not moved.
    assert_eq!(s.handle(Request::Pull { worker: 0, round: 1 }), Response::Wait);
    assert_eq!(s.weights(), [0.0, 0.0]);
    // An empty shard commits with weight 0: it completes the round without pulling the model back.
    assert!(matches!(commit(&s, 2, 0, 0, 0, [-100.0, -100.0]), Response::Ack { applied: true, .. }));
    assert_eq!(s.weights(), [0.75, 0.5]);
    match s.handle(Request::Pull { worker: 1, round: 1 }) {
        Response::Weights { round, weights, .. } => assert_eq!((round, weights), (1, vec![0.75, 0.5])),
        other => panic!("{other:?}"),
    }
    // The same commit again (same worker, attempt, seq) is acknowledged but not applied.
    assert!(matches!(commit(&s, 0, 0, 0, 30, [1.0, 0.0]), Response::Ack { applied: false, .. }));
    assert_eq!(s.report().duplicate_commits, 1);
}

#[test]
fn averaging_takes_the_plain_mean_of_the_workers_that_trained() {
    let s = server(Algorithm::Averaging, 3);
    hello_all(&s, 3);
    commit(&s, 0, 0, 0, 30, [1.0, 0.0]);
    commit(&s, 1, 0, 0, 10, [0.0, 2.0]);
    commit(&s, 2, 0, 0, 0, [9.0, 9.0]);
    assert_eq!(s.weights(), [0.5, 1.0]);
}

#[test]
fn a_worker_that_finishes_does_not_hold_up_the_round() {
    let s = server(Algorithm::Synchronous, 2);
    hello_all(&s, 2);
    commit(&s, 0, 0, 0, 10, [1.0, 1.0]);
    assert!(matches!(s.handle(Request::Done { worker: 1 }), Response::Ack { .. }));
    assert_eq!(s.weights(), [1.0, 1.0]);
}

#[test]
fn dynsgd_scales_a_stale_commit() {
    let s = server(Algorithm::DynSgd, 1);
    assert!(matches!(s.handle(Request::Hello { worker: 0, attempt: 0, samples: 1 }), Response::Welcome { .. }));
    // Three fresh commits (t = 0, 1, 2 when pulled), then one pulled at t = 0: τ = 3, scale 1/4.
    for (seq, t_pull) in [(0, 0), (1, 1), (2, 2)] {
        s.handle(Request::Commit(Commit { worker: 0, attempt: 0, seq, t_pull, round: 0, samples: 1, delta: Delta::Dense(vec![1.0, 0.0]) }));
    }
    s.handle(Request::Commit(Commit { worker: 0, attempt: 0, seq: 3, t_pull: 0, round: 0, samples: 1, delta: Delta::Dense(vec![0.0, 4.0]) }));
    assert_eq!(s.weights(), [3.0, 1.0]);
    let r = s.report();
    assert_eq!((r.commits, r.staleness_max), (4, 3));
}
