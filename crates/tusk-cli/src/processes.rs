//! `tusk train --processes`: the parameter server runs in this process on a loopback port
//! and each worker is a `tusk worker` child process that loads the data and trains its
//! shard. The job's token goes to the children in a file only they can read. A child that
//! exits with an error is reported lost at once; children still running when the job has
//! ended are stopped.

use crate::args::TrainArgs;
use crate::job;
use anyhow::{Context, Result};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tusk_core::Model;
use tusk_dist::{JobSpec, ServerReport, ServerState};

/// A fresh random token (hex) written to a file readable by this user only.
pub fn token_file(dir: &std::path::Path) -> Result<(Vec<u8>, std::path::PathBuf)> {
    let token = format!("{:032x}", rand::random::<u128>());
    let path = dir.join(format!("tusk-token-{}-{:08x}", std::process::id(), rand::random::<u32>()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).with_context(|| format!("creating {}", path.display()))?;
        f.write_all(token.as_bytes())?;
    }
    #[cfg(not(unix))]
    std::fs::write(&path, &token)?;
    Ok((token.into_bytes(), path))
}

pub fn run(a: &TrainArgs, job: &JobSpec, model: &Model, workers: usize) -> Result<(Model, ServerReport)> {
    if job.algorithm.is_serverless() {
        anyhow::bail!("the {} trainer uses no parameter server; run it without --processes", job.algorithm.name());
    }
    let (token, token_path) = token_file(&std::env::temp_dir())?;
    let (state, mut server) = job::start_server(job, workers, &a.dist, token, model.params(), "127.0.0.1:0")?;
    let addr = server.addr().to_string();
    let exe = std::env::current_exe().context("finding the tusk executable")?;
    let threads = (std::thread::available_parallelism().map_or(1, |n| n.get()) / workers).max(1);
    let mut children = Vec::new();
    for i in 0..workers {
        let mut cmd = Command::new(&exe);
        cmd.args(["--threads", &threads.to_string(), "worker", "--connect", &addr, "--shard", &format!("{i}/{workers}"), "--data", &a.data.data]);
        cmd.arg("--token-file").arg(&token_path);
        if let Some(l) = &a.data.labels {
            cmd.arg("--labels").arg(l);
        }
        for (flag, v) in [("--label-column", &a.data.label_column), ("--format", &a.data.format)] {
            if let Some(v) = v {
                cmd.args([flag, v]);
            }
        }
        if let Some(limit) = a.limit {
            cmd.args(["--limit", &limit.to_string()]);
        }
        children.push(cmd.spawn().with_context(|| format!("starting worker process {i}"))?);
    }
    let children = Arc::new(Mutex::new(children));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = watch(children.clone(), state.clone(), done.clone());
    let waited = state.wait();
    done.store(true, Relaxed);
    let _ = watcher.join();
    if waited.is_err() {
        state.fail("the job failed");
    }
    stop_children(&children);
    server.shutdown();
    let _ = std::fs::remove_file(&token_path);
    let report = waited?;
    Ok((tusk_dist::local::compiled_model(job, &state.weights())?, report))
}

/// Reports a child that exited with a failure as a lost worker.
fn watch(children: Arc<Mutex<Vec<Child>>>, state: Arc<ServerState>, done: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reported = Vec::new();
        while !done.load(Relaxed) {
            for (i, c) in children.lock().expect("children").iter_mut().enumerate() {
                if let Ok(Some(status)) = c.try_wait() {
                    if !status.success() && !reported.contains(&i) {
                        reported.push(i);
                        state.worker_lost(i as u32, &format!("its process exited with {status}"));
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
}

/// Waits a little for children to exit, then kills those still running.
fn stop_children(children: &Mutex<Vec<Child>>) {
    let mut children = children.lock().expect("children");
    for _ in 0..100 {
        if children.iter_mut().all(|c| matches!(c.try_wait(), Ok(Some(_)))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for c in children.iter_mut() {
        let _ = c.kill();
        let _ = c.wait();
    }
}
