//! `tusk ps`: a parameter server for `tusk worker` processes on this or other hosts. It
//! serves until every worker has finished (or the job fails or times out), then closes its
//! port, evaluates and saves the trained model and writes the report.

use crate::args::PsArgs;
use crate::run_end::{finish, Finished};
use crate::outputs::{self, Output};
use crate::{data, job, model_source};
use anyhow::{bail, Context, Result};
use std::net::ToSocketAddrs;
use std::path::Path;
use std::time::{Duration, Instant};

/// The token in `path` (surrounding whitespace removed); an empty file is an error.
pub fn read_token(path: Option<&Path>) -> Result<Vec<u8>> {
    let Some(path) = path else { return Ok(Vec::new()) };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the token file {}", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        bail!("the token file {} is empty", path.display());
    }
    Ok(token.as_bytes().to_vec())
}

/// The fewest bytes a server's token may have (128 bits).
const MIN_TOKEN_BYTES: usize = 16;

/// The server's token: a file only its owner can read, of at least [`MIN_TOKEN_BYTES`]; no
/// token only on a loopback address, or with `--insecure`.
fn server_token(a: &PsArgs) -> Result<Vec<u8>> {
    let Some(path) = a.token_file.as_deref() else {
        let loopback = a.listen.to_socket_addrs().with_context(|| format!("--listen {}", a.listen))?.all(|addr| addr.ip().is_loopback());
        if !loopback && !a.insecure {
            bail!("--listen {} is reachable from other hosts: give --token-file (or --insecure to run without authentication)", a.listen);
        }
        if !loopback {
            tracing::warn!(listen = %a.listen, "serving without authentication (--insecure)");
        }
        return Ok(Vec::new());
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).with_context(|| format!("reading the token file {}", path.display()))?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!("the token file {} can be read by other users (mode {:o}): chmod 600 it", path.display(), mode & 0o777);
        }
    }
    let token = read_token(Some(path))?;
    if token.len() < MIN_TOKEN_BYTES {
        bail!("the token in {} is {} bytes; at least {MIN_TOKEN_BYTES} (128 bits) are needed, e.g. `head -c 32 /dev/urandom | base64`", path.display(), token.len());
    }
    Ok(token)
}

pub fn run(a: PsArgs) -> Result<()> {
    let started = Instant::now();
    let token = server_token(&a)?;
    outputs::check(&[a.m.save.as_deref().map(|p| Output::Dir("--save", p)), a.m.report_json.as_deref().map(|p| Output::File("--report-json", p)), a.dist.checkpoint_dir.as_deref().map(|p| Output::Dir("--checkpoint-dir", p))])?;
    let workers = a.dist.workers();
    let model = model_source::compiled(&a.m)?;
    let job = job::spec(&a.m, &a.dist, 0.0, &model)?;
    let test = match &a.test_data {
        Some(path) => data::load(&crate::args::DataArgs { data: path.clone(), labels: a.test_labels.clone(), label_column: None, format: None }, None)?.test_or_train(),
        None => None,
    };
    let (state, mut server) = job::start_server(&job, workers, &a.dist, token, model.params(), &a.listen)?;
    let addr = server.addr().to_string();
    eprintln!("tusk ps: {} for {workers} workers, listening on {addr}", job.algorithm.name());
    if let Some(f) = &a.address_file {
        let tmp = f.with_extension("tmp");
        std::fs::write(&tmp, &addr).and_then(|_| std::fs::rename(&tmp, f)).with_context(|| format!("writing {}", f.display()))?;
    }
    let waited = state.wait();
    // The workers' last answers (to `Done`, or the job's failure) may still be on their way:
    // let them read them and hang up (bounded) before the connections are closed under them.
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.open_connections() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    server.shutdown();
    let report = waited?;
    let samples = report.per_worker.iter().flat_map(|w| &w.history).map(|h| h.samples).sum();
    let model = tusk_dist::local::compiled_model(&job, &state.weights())?;
    let secs = started.elapsed().as_secs_f64();
    finish(Finished { job: &job, m: &a.m, data: "", model, members: Vec::new(), report, test, samples, started, train_secs: secs })
}
