//! The parameter server on TCP: [`TcpServer::start`] listens (port 0: an ephemeral port),
//! serves each connection on its own thread and stops when dropped or shut down — the
//! listener and every connection are closed, so nothing is left listening.
//!
//! A connection that sends garbage, an oversized or wrong-version frame, or a wrong token
//! gets an error answer (when it can still be sent), a log line, and is closed; the server
//! goes on serving the others. A worker whose connection closes before it said `Done` is
//! reported lost to the [`ServerState`].
//!
//! Against peers without the token: a new connection must send a whole authenticated frame
//! within [`Timeouts::auth`](super::Timeouts) (a few seconds), at most
//! [`MAX_UNAUTHENTICATED`](super::MAX_UNAUTHENTICATED) such connections are held at once, and
//! every frame has one deadline for all its bytes (a peer trickling a byte at a time is cut
//! off when it runs out, not kept alive by each byte).

use super::connections::Connections;
use super::state::ServerState;
use crate::error::{Error, Result};
use crate::protocol::{read_frame, write_frame, Request, Response};
use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub struct TcpServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    shutdown: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    connections: Connections,
}

impl TcpServer {
    /// Binds `listen` (`host:port`) and starts accepting workers.
    pub fn start(state: Arc<ServerState>, listen: &str) -> Result<TcpServer> {
        let listener = TcpListener::bind(listen).map_err(|e| Error::io(format!("listening on {listen}"), e))?;
        let addr = listener.local_addr().map_err(|e| Error::io("reading the listening address", e))?;
        listener.set_nonblocking(true).map_err(|e| Error::io("setting up the listener", e))?;
        let shutdown = Arc::new(AtomicBool::new(false));
        let connections = Connections::default();
        let accept = {
            let (state, shutdown, connections) = (state.clone(), shutdown.clone(), connections.clone());
            std::thread::Builder::new()
                .name("tusk-ps-accept".into())
                .spawn(move || accept_loop(listener, state, shutdown, connections))
                .map_err(|e| Error::io("starting the server thread", e))?
        };
        Ok(TcpServer { addr, state, shutdown, accept: Some(accept), connections })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> &Arc<ServerState> {
        &self.state
    }

    /// Connections still open: a runner lets the workers read their last answer (to `Done`)
    /// and hang up before it shuts the server down.
    pub fn open_connections(&self) -> usize {
        self.connections.count()
    }

    /// Stops accepting, closes every connection and the listening port.
    pub fn shutdown(&mut self) {
        self.shutdown.store(true, Relaxed);
        self.connections.close_all();
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(listener: TcpListener, state: Arc<ServerState>, shutdown: Arc<AtomicBool>, connections: Connections) {
    let mut handlers: Vec<JoinHandle<()>> = Vec::new();
    let mut accepted = 0u64;
    while !shutdown.load(Relaxed) {
        match listener.accept() {
            Ok((stream, peer)) => {
                accepted += 1;
                let id = accepted;
                let Ok(handle) = stream.try_clone() else {
                    tracing::warn!(%peer, "cannot keep a handle on a new connection (out of file descriptors?); closed");
                    continue;
                };
                let evicted = connections.open(id, handle);
                if evicted > 0 {
                    state.refused.fetch_add(evicted as u64, Relaxed);
                    tracing::warn!(evicted, "too many connections without the token: closed the oldest");
                }
                let (state, book) = (state.clone(), connections.clone());
                let spawned = std::thread::Builder::new().name(format!("tusk-ps-{peer}")).spawn(move || {
                    serve(stream, peer, &state, || book.authenticated(id));
                    book.close(id);
                });
                match spawned {
                    Ok(h) => handlers.push(h),
                    Err(e) => {
                        tracing::warn!(%peer, error = %e, "cannot start a thread for a connection; closed");
                        connections.close(id);
                    }
                }
                handlers.retain(|h| !h.is_finished());
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    drop(listener);
    connections.close_all();
    for h in handlers {
        let _ = h.join();
    }
}

/// Serves one connection until it closes, misbehaves, idles past the limit, or the server
/// stops; calls `authenticated` once its first frame has shown the token.
fn serve(stream: TcpStream, peer: SocketAddr, state: &ServerState, authenticated: impl FnOnce()) {
    let cfg = &state.config;
    // Accepted sockets inherit the listener's non-blocking mode on some systems (BSD, macOS).
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(cfg.timeouts.io));
    let _ = stream.set_nodelay(true);
    let max_payload = state.weights_len() * 8 + (1 << 20);
    let (mut buf, mut out) = (Vec::new(), Vec::new());
    let mut worker: Option<(u32, u32)> = None;
    let mut done = false;
    // `Some` until the peer's first frame has shown the token.
    let mut until_authenticated = Some(authenticated);
    let reason = loop {
        // Between messages a worker may be silent for up to the idle limit (it trains); a peer
        // that has not yet shown the token gets `auth` for its first whole frame.
        let wait = if until_authenticated.is_some() { cfg.timeouts.auth } else { cfg.timeouts.idle };
        let waited_from = Instant::now();
        let _ = stream.set_read_timeout(Some(wait));
        match stream.peek(&mut [0u8]) {
            Ok(0) => break "its connection closed".to_string(),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break format!("it sent nothing for {} s", wait.as_secs()),
            Err(e) => break format!("its connection failed ({e})"),
        }
        // Once a frame has begun, all of it must come within the I/O limit (and the first
        // frame of a new connection within the auth limit of its connecting too).
        let mut until = Instant::now() + cfg.timeouts.io;
        if until_authenticated.is_some() {
            until = until.min(waited_from + cfg.timeouts.auth);
        }
        let read = read_frame(&mut Deadline::new(&stream, until), &cfg.token, max_payload, &mut buf);
        let req = match read.and_then(|n| {
            state.bytes_received.fetch_add(n as u64, Relaxed);
            Request::decode(&buf)
        }) {
            Ok(req) => req,
            Err(Error::Io { source, .. }) if matches!(source.kind(), ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
                break "its connection closed".to_string();
            }
            Err(Error::Timeout(_)) => break format!("it did not send a whole frame in time ({:.1} s)", until.saturating_duration_since(waited_from).as_secs_f32()),
            Err(e) => {
                state.refused.fetch_add(1, Relaxed);
                tracing::warn!(%peer, error = %e, "refused a connection");
                out.clear();
                Response::Error { message: e.to_string() }.encode(&mut out);
                // Framed without the token: the peer has not shown it knows it.
                let _ = write_frame(&mut &stream, &[], &out);
                break format!("it sent a bad frame ({e})");
            }
        };
        if let Some(f) = until_authenticated.take() {
            f();
        }
        let hello = match &req {
            Request::Hello { worker: w, attempt, .. } => Some((*w, *attempt)),
            _ => None,
        };
        if let Request::Done { .. } | Request::Failed { .. } = &req {
            done = true;
        }
        let resp = state.handle(req);
        if let (Some(id), Response::Welcome { .. } | Response::Wait) = (hello, &resp) {
            // Only a hello the server took makes this connection that worker's: a refused one
            // (an id out of range, an old attempt) must not report the worker lost when it closes.
            worker = Some(id);
        }
        out.clear();
        resp.encode(&mut out);
        match write_frame(&mut &stream, &cfg.token, &out) {
            Ok(n) => state.bytes_sent.fetch_add(n as u64, Relaxed),
            Err(e) => break format!("answering it failed: {e}"),
        };
    };
    if let (Some((w, attempt)), false) = (worker, done) {
        state.attempt_lost(w, attempt, &format!("{reason} before it finished ({peer})"));
    }
}

/// Reads from a socket with one deadline for all the reads: each read may wait only for
/// about the time left, so a frame's bytes cannot trickle in one at a time past it. The
/// socket's timeout is lowered only when the time left has fallen [`SLACK`] below it (a
/// system call per read would slow large frames), so a read ends at most that much late.
struct Deadline<'a> {
    stream: &'a TcpStream,
    until: Instant,
    /// The read timeout set on the socket, once set.
    set: Option<Duration>,
}

const SLACK: Duration = Duration::from_millis(250);

impl<'a> Deadline<'a> {
    fn new(stream: &'a TcpStream, until: Instant) -> Self {
        Deadline { stream, until, set: None }
    }
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(ErrorKind::TimedOut, "the frame's deadline passed"));
        }
        if !matches!(self.set, Some(set) if set <= left + SLACK) {
            self.stream.set_read_timeout(Some(left))?;
            self.set = Some(left);
        }
        (&mut &*self.stream).read(buf)
    }
}
