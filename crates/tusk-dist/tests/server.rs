//! The parameter server over real TCP on loopback: bad frames are refused while a real
//! worker trains, repeated commits apply once, nothing is left listening, unreachable or
//! silent servers and lost workers fail fast with clear errors. Every scenario runs under a
//! hard time limit, so a hang fails the test instead of stalling the run.

mod common;

use common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tusk_core::Tensor;
use tusk_dist::client::{Connection, TcpClient};
use tusk_dist::protocol::{read_frame, write_frame, Commit, Delta, Request, Response, MAGIC, VERSION};
use tusk_dist::{local, run_worker, Algorithm, Error, LocalOptions, ServerConfig, ServerState, TcpServer, Transport, WorkerId, WorkerOutcome};

const TOKEN: &[u8] = b"s3cret-job-token";
const SECOND: Duration = Duration::from_secs(1);

/// Runs `f` on its own thread, one scenario at a time (two cores; the socket census of
/// `nothing_is_left_listening`), and fails the test if it takes longer than `secs`.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let (tx, rx) = mpsc::channel();
    let scenario = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the scenario hung: not done within {secs} s"),
        Err(mpsc::RecvTimeoutError::Disconnected) => std::panic::resume_unwind(scenario.join().expect_err("it failed")),
    }
}

/// 600 Fashion-MNIST samples, loaded once.
fn data() -> (Tensor, Tensor) {
    static DATA: OnceLock<(Tensor, Tensor)> = OnceLock::new();
    DATA.get_or_init(|| {
        let d = fashion(600, 10);
        (d.x, d.y)
    })
    .clone()
}

/// A 1-epoch `mlp` job for `workers` workers, with the token, and its starting weights.
fn job_config(algorithm: Algorithm, workers: usize) -> (ServerConfig, Vec<f32>) {
    let model = mlp(json!({"class_name": "Adam", "config": {"learning_rate": 0.001}}));
    let mut config = ServerConfig::new(job(&model, algorithm, 1, 32), workers);
    config.token = TOKEN.to_vec();
    config.timeouts.io = Duration::from_secs(5);
    (config, model.params().to_vec())
}

fn serve(config: ServerConfig, weights: Vec<f32>) -> TcpServer {
    TcpServer::start(Arc::new(ServerState::new(config, weights, None).unwrap()), "127.0.0.1:0").unwrap()
}

/// Worker `worker` of `workers` on its half-open shard of the data, over TCP with the token.
fn spawn_worker(addr: SocketAddr, worker: u32, workers: usize) -> JoinHandle<tusk_dist::Result<WorkerOutcome>> {
    let (x, y) = data();
    let (a, b) = (x.rows() * worker as usize / workers, x.rows() * (worker as usize + 1) / workers);
    std::thread::spawn(move || {
        let mut conn = TcpClient::connect(&addr.to_string(), TOKEN.to_vec(), Duration::from_secs(5))?;
        run_worker(&mut conn, WorkerId { worker, attempt: 0 }, vec![x.slice_rows(a, b)], vec![y.slice_rows(a, b)])
    })
}

/// Sends `bytes` on a fresh connection; the server must answer with an error frame and then
/// close the connection (not leave it open). Returns the error message.
fn refusal(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(bytes).unwrap();
    let mut got = Vec::new();
    if let Err(e) = s.read_to_end(&mut got) {
        panic!("after {} bytes of answer, the connection was not closed: {e}", got.len());
    }
    let mut payload = Vec::new();
    read_frame(&mut &got[..], &[], 1 << 20, &mut payload).expect("an error answer framed without the token");
    match Response::decode(&payload).unwrap() {
        Response::Error { message } => message,
        other => panic!("expected an error answer, got {other:?}"),
    }
}

/// One frame with `token` and `payload`, its header then changed by `patch`.
fn frame(token: &[u8], payload: &[u8], patch: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut f = Vec::new();
    write_frame(&mut f, token, payload).unwrap();
    patch(&mut f);
    f
}

#[test]
fn bad_frames_are_refused_while_a_real_worker_trains() {
    within(120, || {
        let (config, weights) = job_config(Algorithm::Asynchronous, 1);
        let server = serve(config, weights);
        let addr = server.addr();
        // Each is exactly what the server reads before refusing, so the answer is not lost to a reset.
        let garbage = refusal(addr, b"GET / HTTP/1");
        assert!(garbage.contains("not a tusk frame"), "{garbage}");
        let oversized = refusal(addr, &frame(&[], &[], |f| f[8..12].copy_from_slice(&u32::MAX.to_le_bytes())));
        assert!(oversized.contains("over the limit"), "{oversized}");
        let version = refusal(addr, &frame(&[], &[], |f| f[4..6].copy_from_slice(&(VERSION + 1).to_le_bytes())));
        assert!(version.contains(&format!("version {}", VERSION + 1)), "{version}");
        let token = refusal(addr, &frame(b"not-the-token", &[], |f| assert_eq!(f[..4], MAGIC)));
        assert!(token.contains("auth"), "{token}");
        assert_eq!(server.state().report().refused, 4);
        // A well-formed hello the server turns down (no such worker) does not count as a worker lost.
        let mut stray = TcpClient::connect(&addr.to_string(), TOKEN.to_vec(), SECOND).unwrap();
        match stray.call(Request::Hello { worker: 7, attempt: 0, samples: 10 }).unwrap() {
            Response::Error { message } => assert!(message.contains("out of range"), "{message}"),
            other => panic!("a hello from worker 7 of 1 gave {other:?}"),
        }
        drop(stray);
        let outcome = spawn_worker(addr, 0, 1).join().unwrap().expect("the real worker trains");
        assert_eq!(outcome.history.len(), 1);
        let report = server.state().wait().expect("the job completes");
        assert_eq!((report.refused, report.commits, report.lost_workers.len(), report.per_worker.len()), (4, 1, 0, 1));
    });
}

#[test]
fn a_repeated_commit_is_applied_once() {
    within(60, || {
        for algorithm in [Algorithm::Asynchronous, Algorithm::Downpour, Algorithm::Synchronous] {
            let (config, weights) = job_config(algorithm, 1);
            let state = ServerState::new(config, weights.clone(), None).unwrap();
            assert!(matches!(state.handle(Request::Hello { worker: 0, attempt: 0, samples: 600 }), Response::Welcome { .. }));
            assert!(matches!(state.handle(Request::Pull { worker: 0, round: 0 }), Response::Weights { t: 0, .. }));
            let delta: Vec<f32> = (0..weights.len()).map(|i| if i % 2 == 0 { 0.25 } else { -0.5 }).collect();
            let commit = Commit { worker: 0, attempt: 0, seq: 0, t_pull: 0, round: 0, samples: 1, delta: Delta::Dense(delta.clone()) };
            assert_eq!(state.handle(Request::Commit(commit.clone())), Response::Ack { applied: true, stop: false }, "{algorithm:?}");
            assert_eq!(state.handle(Request::Commit(commit)), Response::Ack { applied: false, stop: false }, "{algorithm:?}");
            let report = state.report();
            assert_eq!((report.commits, report.duplicate_commits, report.updates), (1, 1, 1), "{algorithm:?}");
            let moved: Vec<f32> = weights.iter().zip(&delta).map(|(w, d)| w + d).collect();
            assert_eq!(state.weights(), moved, "{algorithm:?}: the center moved by the delta exactly once");
        }
    });
}

/// This process's sockets: (all, those listening). Linux's /proc; `None` elsewhere.
fn sockets() -> Option<(usize, Vec<u64>)> {
    let inode = |link: std::path::PathBuf| link.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?.parse::<u64>().ok();
    let mine: Vec<u64> = std::fs::read_dir("/proc/self/fd").ok()?.flatten().filter_map(|e| inode(std::fs::read_link(e.path()).ok()?)).collect();
    let tables = ["/proc/self/net/tcp", "/proc/self/net/tcp6"].map(|p| std::fs::read_to_string(p).unwrap_or_default());
    let listening = tables.iter().flat_map(|t| t.lines().skip(1)).filter_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.get(3) == Some(&"0A")).then(|| f.get(9)?.parse::<u64>().ok()).flatten()
    });
    let mut listening: Vec<u64> = listening.filter(|i| mine.contains(i)).collect();
    listening.sort_unstable();
    Some((mine.len(), listening))
}

#[test]
fn nothing_is_left_listening() {
    within(120, || {
        // A server shut down while a worker is connected: the port and the connection close.
        let (config, weights) = job_config(Algorithm::Asynchronous, 1);
        let server = serve(config, weights);
        let addr = server.addr();
        let mut client = TcpClient::connect(&addr.to_string(), TOKEN.to_vec(), SECOND).unwrap();
        assert!(matches!(client.call(Request::Hello { worker: 0, attempt: 0, samples: 600 }).unwrap(), Response::Welcome { .. }));
        drop(server);
        assert!(TcpStream::connect_timeout(&addr, SECOND).is_err(), "{addr} still accepts connections");
        assert!(client.call(Request::Pull { worker: 0, round: 0 }).is_err(), "the open connection was not closed");
        drop(client);
        // local::train over TCP: once it returns, no socket of this process is left behind.
        let before = sockets();
        let (x, y) = data();
        let (config, weights) = job_config(Algorithm::Synchronous, 2);
        let opts = LocalOptions { transport: Transport::Tcp, ..LocalOptions::new(2) };
        let out = local::train(&config.job, &weights, vec![x], vec![y], &opts).unwrap();
        assert!(out.report.bytes_received > 0 && out.report.commits == 2, "{:?}", out.report);
        assert_eq!(sockets(), before, "(sockets, listening sockets) before and after local::train");
    });
}

#[test]
fn unreachable_and_silent_servers_fail_within_the_timeout() {
    within(60, || {
        let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
        let started = Instant::now();
        let Err(e) = TcpClient::connect(&closed, TOKEN.to_vec(), SECOND) else { panic!("connected to the closed port {closed}") };
        assert!(started.elapsed() < SECOND, "refused after {:?}", started.elapsed());
        assert!(e.to_string().contains(&format!("cannot reach the parameter server at {closed}")), "{e}");
        // A listener that accepts (the kernel does) but never answers.
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap().to_string();
        let (x, y) = data();
        let mut conn = TcpClient::connect(&addr, TOKEN.to_vec(), SECOND).unwrap();
        let started = Instant::now();
        let result = run_worker(&mut conn, WorkerId { worker: 0, attempt: 0 }, vec![x], vec![y]);
        let waited = started.elapsed();
        match result {
            Err(Error::Timeout(m)) => assert!(m.contains(&addr), "{m}"),
            other => panic!("expected a timeout, got {:?}", other.map(|o| o.commits)),
        }
        assert!(waited >= Duration::from_millis(900) && waited < 3 * SECOND, "timed out after {waited:?}, the limit is 1 s");
    });
}

/// Worker 0 trains while worker 1 says hello over TCP and then drops its socket.
fn lose_worker_1(algorithm: Algorithm) -> (tusk_dist::Result<WorkerOutcome>, tusk_dist::Result<tusk_dist::ServerReport>, Duration) {
    let (config, weights) = job_config(algorithm, 2);
    let server = serve(config, weights);
    let started = Instant::now();
    let worker0 = spawn_worker(server.addr(), 0, 2);
    let mut worker1 = TcpClient::connect(&server.addr().to_string(), TOKEN.to_vec(), Duration::from_secs(5)).unwrap();
    let hello = worker1.call(Request::Hello { worker: 1, attempt: 0, samples: 300 }).unwrap();
    assert!(matches!(hello, Response::Welcome { .. } | Response::Wait), "{hello:?}");
    drop(worker1);
    let waited = server.state().wait();
    (worker0.join().unwrap(), waited, started.elapsed())
}

#[test]
fn a_lost_worker_fails_a_synchronous_job_at_once() {
    let (worker0, waited, took) = within(60, || lose_worker_1(Algorithm::Synchronous));
    match waited {
        Err(Error::WorkerLost(m)) => assert!(m.contains("worker 1 was lost"), "{m}"),
        other => panic!("expected worker 1 lost, got {:?}", other.map(|r| r.commits)),
    }
    let e = worker0.expect_err("worker 0 cannot finish a synchronous job alone");
    assert!(e.to_string().contains("worker 1"), "{e}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn a_lost_worker_leaves_an_asynchronous_job_going() {
    let (worker0, waited, _) = within(60, || lose_worker_1(Algorithm::Asynchronous));
    assert_eq!(worker0.expect("worker 0 trains on").history.len(), 1);
    let report = waited.expect("the job completes without worker 1");
    assert_eq!(report.lost_workers, [1]);
    let status: Vec<&str> = report.per_worker.iter().map(|w| w.status.as_str()).collect();
    assert_eq!(status, ["done", "lost"]);
    assert!(report.per_worker[1].lost_reason.as_deref().is_some_and(|r| r.contains("connection closed")), "{:?}", report.per_worker[1]);
}

#[test]
fn a_retried_worker_is_not_lost_when_its_old_connection_closes() {
    within(60, || {
        let (config, weights) = job_config(Algorithm::Asynchronous, 1);
        let server = serve(config, weights);
        let connect = || TcpClient::connect(&server.addr().to_string(), TOKEN.to_vec(), Duration::from_secs(5)).unwrap();
        let (mut old, mut new) = (connect(), connect());
        for (conn, attempt) in [(&mut old, 0), (&mut new, 1)] {
            let welcome = conn.call(Request::Hello { worker: 0, attempt, samples: 600 }).unwrap();
            assert!(matches!(welcome, Response::Welcome { .. }), "attempt {attempt}: {welcome:?}");
        }
        drop(old);
        std::thread::sleep(Duration::from_millis(300)); // time for the server to see it close
        assert_eq!(server.state().report().per_worker[0].status, "active", "attempt 1 was taken for lost");
        let (x, y) = data();
        run_worker(&mut new, WorkerId { worker: 0, attempt: 1 }, vec![x], vec![y]).expect("attempt 1 trains");
        assert!(server.state().wait().expect("the job completes").lost_workers.is_empty());
    });
}

#[test]
fn registration_times_out_when_a_worker_never_comes() {
    within(60, || {
        let (mut config, weights) = job_config(Algorithm::Synchronous, 2);
        config.timeouts.registration = SECOND;
        let server = serve(config, weights);
        let started = Instant::now();
        let worker0 = spawn_worker(server.addr(), 0, 2);
        match server.state().wait() {
            Err(Error::Timeout(m)) => assert!(m.contains("1 of 2 workers"), "{m}"),
            other => panic!("expected a registration timeout, got {:?}", other.map(|r| r.commits)),
        }
        assert!(started.elapsed() < 3 * SECOND, "the 1 s registration limit fired after {:?}", started.elapsed());
        let e = worker0.join().unwrap().expect_err("worker 0 cannot train alone");
        assert!(e.to_string().contains("1 of 2 workers"), "{e}");
    });
}

#[test]
fn a_peer_that_stalls_inside_a_frame_is_dropped_after_the_io_limit() {
    within(30, || {
        let (mut config, weights) = job_config(Algorithm::Asynchronous, 1);
        config.timeouts.io = SECOND;
        let server = serve(config, weights);
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        // Half a header, then nothing: the idle limit (600 s) does not apply inside a frame.
        s.write_all(&MAGIC[..2]).unwrap();
        let started = Instant::now();
        let mut got = Vec::new();
        s.read_to_end(&mut got).expect("the server closes the connection");
        assert!(started.elapsed() < Duration::from_secs(5), "dropped after {:?}", started.elapsed());
    });
}

#[test]
fn a_job_whose_workers_are_all_lost_fails_naming_them() {
    let (config, weights) = job_config(Algorithm::Asynchronous, 2);
    let state = ServerState::new(config, weights, None).unwrap();
    for w in 0..2 {
        assert!(matches!(state.handle(Request::Hello { worker: w, attempt: 0, samples: 300 }), Response::Welcome { .. }));
    }
    state.worker_lost(0, "its connection closed");
    assert!(matches!(state.handle(Request::Failed { worker: 1, message: "out of memory".into() }), Response::Ack { .. }));
    match state.wait() {
        Err(Error::WorkerLost(m)) => assert!(m.contains("every worker was lost") && m.contains("worker 0: its connection closed") && m.contains("worker 1: it failed: out of memory"), "{m}"),
        other => panic!("expected the job to fail, got {:?}", other.map(|r| r.lost_workers)),
    }
}

#[test]
fn a_failure_or_loss_of_a_worker_outside_the_job_changes_nothing() {
    let (mut config, weights) = job_config(Algorithm::Asynchronous, 1);
    config.timeouts.registration = Duration::from_millis(300);
    let state = ServerState::new(config, weights, None).unwrap();
    match state.handle(Request::Failed { worker: 7, message: "x".into() }) {
        Response::Error { message } => assert!(message.contains("worker 7 has not said hello"), "{message}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    state.worker_lost(9, "gone");
    let report = state.report();
    assert!(report.per_worker.is_empty() && report.lost_workers.is_empty(), "{:?}", report.per_worker);
    // The job still waits for its one real worker (here: until registration runs out).
    assert!(matches!(state.wait(), Err(Error::Timeout(m)) if m.contains("only 0 of 1 workers")));
}

#[test]
fn an_inflated_attempt_cannot_lock_the_real_worker_out() {
    let (config, weights) = job_config(Algorithm::Asynchronous, 1);
    let state = ServerState::new(config, weights, None).unwrap();
    assert!(matches!(state.handle(Request::Hello { worker: 0, attempt: 0, samples: 600 }), Response::Welcome { .. }));
    match state.handle(Request::Hello { worker: 0, attempt: u32::MAX, samples: 600 }) {
        Response::Error { message } => assert!(message.contains("attempt 4294967295 is more than 16 past attempt 0"), "{message}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The retry Spark really sends takes over.
    assert!(matches!(state.handle(Request::Hello { worker: 0, attempt: 1, samples: 600 }), Response::Welcome { .. }));
    assert!(matches!(state.handle(Request::Hello { worker: 0, attempt: 0, samples: 600 }), Response::Error { .. }), "an older attempt stays refused");
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[test]
fn idle_and_trickling_peers_cannot_exhaust_the_server() {
    within(120, || {
        let (mut config, weights) = job_config(Algorithm::Asynchronous, 1);
        (config.timeouts.auth, config.timeouts.io) = (SECOND, SECOND);
        let server = serve(config, weights);
        let addr = server.addr();
        let before = open_fds();
        // 600 peers connect and send nothing: the server holds at most the cap of them.
        let idle: Vec<TcpStream> = (0..600).filter_map(|_| TcpStream::connect_timeout(&addr, SECOND).ok()).collect();
        assert!(idle.len() > 500, "only {} connected", idle.len());
        std::thread::sleep(Duration::from_millis(300));
        let held = server.open_connections();
        assert!(held <= tusk_dist::server::MAX_UNAUTHENTICATED, "the server holds {held} unauthenticated connections");
        let server_fds = open_fds().saturating_sub(before + idle.len());
        assert!(server_fds <= 2 * tusk_dist::server::MAX_UNAUTHENTICATED + 8, "the server holds {server_fds} file descriptors");
        // A peer trickling a frame one byte at a time is cut off at the frame's deadline.
        let mut trickle = TcpStream::connect(addr).unwrap();
        let header = frame(TOKEN, &[0; 16], |_| {});
        let started = Instant::now();
        let cut_off = header.iter().any(|b| {
            std::thread::sleep(Duration::from_millis(200));
            trickle.write_all(std::slice::from_ref(b)).is_err() || started.elapsed() > 4 * SECOND
        });
        assert!(cut_off && started.elapsed() < 4 * SECOND, "a trickling peer was kept for {:?}", started.elapsed());
        // The real worker is served, flood or not.
        let outcome = spawn_worker(addr, 0, 1).join().unwrap().expect("the real worker trains");
        assert_eq!(outcome.history.len(), 1);
        assert!(server.state().wait().expect("the job completes").lost_workers.is_empty());
        // Unauthenticated peers do not outlive the auth limit.
        std::thread::sleep(Duration::from_millis(1500));
        assert_eq!(server.open_connections(), 0, "idle peers are still held");
        drop(idle);
    });
}

#[test]
fn a_checkpoint_that_cannot_be_written_fails_the_job() {
    let (mut config, weights) = job_config(Algorithm::Asynchronous, 1);
    // Under a regular file nothing can be created, whoever runs the test (root included).
    let file = std::env::temp_dir().join(format!("tusk-not-a-dir-{}", std::process::id()));
    std::fs::write(&file, b"").unwrap();
    (config.checkpoint_dir, config.checkpoint_every) = (Some(file.join("ckpt")), 1);
    let state = ServerState::new(config, weights.clone(), None).unwrap();
    assert!(matches!(state.handle(Request::Hello { worker: 0, attempt: 0, samples: 600 }), Response::Welcome { .. }));
    let commit = Commit { worker: 0, attempt: 0, seq: 0, t_pull: 0, round: 0, samples: 1, delta: Delta::Dense(vec![0.0; weights.len()]) };
    state.handle(Request::Commit(commit));
    match state.wait() {
        Err(Error::Checkpoint(m)) => assert!(m.contains("writing a checkpoint to") && m.contains("tusk-not-a-dir"), "{m}"),
        other => panic!("expected the job to fail, got {:?}", other.map(|r| r.checkpoints_written)),
    }
    let _ = std::fs::remove_file(&file);
}
