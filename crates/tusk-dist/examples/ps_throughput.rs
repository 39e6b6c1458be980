//! Parameter-server throughput on loopback TCP: `W` worker threads pull the center and
//! commit a delta as fast as they can for a few seconds, against a DOWNPOUR server holding
//! a model of about `P` parameters. Prints one markdown row per setting: commits/s, MB/s
//! into the server, MB/s both ways, and bytes received per commit (with its pull request).
//!
//! `cargo run --release -p tusk-dist --example ps_throughput -- [PARAMS] [WORKERS] [SECONDS] [COMPRESSION...]`

use std::sync::Arc;
use std::time::{Duration, Instant};
use serde_json::json;
use tusk_dist::client::{Connection, TcpClient};
use tusk_dist::protocol::{Commit, Compression, Compressor, Request, Response};
use tusk_dist::{Algorithm, JobSettings, JobSpec, ServerConfig, ServerState, TcpServer};

/// A one-layer model with about `params` parameters (Dense n → n).
fn model_json(params: usize) -> String {
    let n = (params as f64).sqrt() as usize;
    json!({"class_name": "Sequential", "config": {"name": "bench", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [null, n], "name": "input"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": n, "activation": "linear"}}
    ]}})
    .to_string()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let params: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let workers: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(8);
    let seconds: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3.0);
    let kinds: Vec<String> = if args.len() > 3 { args[3..].to_vec() } else { vec!["none".into()] };
    let model = tusk_core::keras::model_from_json(&model_json(params), 0).expect("model");
    let n = model.n_params();
    for kind in kinds {
        let compression = Compression::parse(&kind).expect("compression");
        let training = json!({"loss": ["mean_squared_error"], "metrics": [], "optimizer": {"class_name": "SGD", "config": {}}});
        let settings = JobSettings { compression, ..JobSettings::default() };
        let job = JobSpec::new(Algorithm::Downpour, settings, model_json(params), training).expect("job");
        let mut config = ServerConfig::new(job, workers);
        config.token = b"bench-token".to_vec();
        let state = Arc::new(ServerState::new(config, model.params().to_vec(), None).expect("server"));
        let server = TcpServer::start(state.clone(), "127.0.0.1:0").expect("listen");
        let addr = server.addr().to_string();
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(seconds);
        let handles: Vec<_> = (0..workers as u32)
            .map(|w| {
                let addr = addr.clone();
                std::thread::spawn(move || {
                    let mut c = TcpClient::connect(&addr, b"bench-token".to_vec(), Duration::from_secs(30)).expect("connect");
                    c.set_max_payload(n * 8 + (1 << 20));
                    c.call(Request::Hello { worker: w, attempt: 0, samples: 1 }).expect("hello");
                    let mut compressor = Compressor::new(compression);
                    let delta: Vec<f32> = (0..n).map(|i| ((i * 7 + w as usize) % 13) as f32 * 1e-6).collect();
                    let mut seq = 0;
                    while Instant::now() < deadline {
                        let t = match c.call(Request::Pull { worker: w, round: 0 }).expect("pull") {
                            Response::Weights { t, .. } => t,
                            other => panic!("{other:?}"),
                        };
                        let commit = Commit { worker: w, attempt: 0, seq, t_pull: t, round: 0, samples: 32, delta: compressor.compress(&delta) };
                        c.call(Request::Commit(commit)).expect("commit");
                        seq += 1;
                    }
                    c.call(Request::Done { worker: w }).expect("done");
                })
            })
            .collect();
        handles.into_iter().for_each(|h| h.join().expect("worker"));
        let secs = started.elapsed().as_secs_f64();
        let report = state.wait().expect("job");
        drop(server);
        let received = report.bytes_received as f64;
        println!(
            "| {n} | {workers} | {kind} | {:.0} | {:.0} | {:.0} | {:.0} |",
            report.commits as f64 / secs,
            received / secs / 1e6,
            (report.bytes_sent as f64 + received) / secs / 1e6,
            received / report.commits.max(1) as f64, // the commit's frame and its pull request's
        );
    }
}
