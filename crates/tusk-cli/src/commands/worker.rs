//! `tusk worker`: one worker process. It loads the data, takes its shard `I/N`, gets the
//! job and model from the parameter server and trains until the server's job ends.

use crate::args::WorkerArgs;
use super::ps::read_token;
use crate::data;
use anyhow::{bail, Context, Result};
use std::time::Duration;
use tusk_dist::client::TcpClient;
use tusk_dist::{WorkerId, worker};

/// `I/N` with `I < N`.
fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let parsed = s.split_once('/').and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((i, n)) if i < n => Ok((i, n)),
        _ => bail!("--shard must be I/N with 0 ≤ I < N (the I-th of N shards), got '{s}'"),
    }
}

pub fn run(a: WorkerArgs) -> Result<()> {
    let (index, count) = parse_shard(&a.shard)?;
    let mut train = data::load(&a.data, None)?.train;
    if let Some(limit) = a.limit.filter(|&l| l < train.len()) {
        train = train.shard(0, train.len().div_ceil(limit))?;
    }
    let shard = train.shard(index, count)?;
    let token = read_token(a.token_file.as_deref())?;
    let mut conn = TcpClient::connect(&a.connect, token, Duration::from_secs(a.timeout.max(1)))?;
    let id = WorkerId { worker: index as u32, attempt: a.attempt };
    let server = || format!("worker {index}/{count} with the parameter server at {}", a.connect);
    let welcome = worker::hello(&mut conn, id, shard.len() as u64).with_context(server)?;
    let (x, y) = data::labelled(shard, "training data")?;
    say(&format!("tusk worker {index}/{count}: {} on {} samples", welcome.job.algorithm, x.rows()));
    let out = worker::train(&mut conn, id, welcome, vec![x], vec![y]).with_context(server)?;
    say(&format!(
        "tusk worker {index}/{count}: done, {} epochs, {} commits, {:.1} MB sent, {:.1} MB received in {:.1} s",
        out.history.len(),
        out.commits,
        out.bytes_sent as f64 / 1e6,
        out.bytes_received as f64 / 1e6,
        out.seconds
    ));
    Ok(())
}

/// Writes a line to stderr in one write, so that the lines of worker processes sharing
/// their parent's stderr (`tusk train --processes`) do not interleave mid-line.
pub fn say(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}
