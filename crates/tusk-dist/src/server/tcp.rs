//! The parameter server on TCP: [`TcpServer::start`] listens (port 0: an ephemeral port),
//! serves each connection on its own thread and stops when dropped or shut down — the
//! listener and every connection are closed, so nothing is left listening.
//!
//! A connection that sends garbage, an oversized or wrong-version frame, or a wrong token
//! gets an error answer (when it can still be sent), a log line, and is closed; the server
//! goes on serving the others. A worker whose connection closes before it said `Done` is
//! reported lost to the [`ServerState`].

use super::state::ServerState;
use crate::error::{Error, Result};
use crate::protocol::{read_frame, write_frame, Request, Response};
use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A handle on each open connection (by accept number), so that a shutdown can close them;
/// a connection's handler removes its own when it ends, which closes the socket.
type Connections = Arc<Mutex<BTreeMap<u64, TcpStream>>>;

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
        let connections = Arc::new(Mutex::new(BTreeMap::new()));
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
        self.connections.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Stops accepting, closes every connection and the listening port.
    pub fn shutdown(&mut self) {
        self.shutdown.store(true, Relaxed);
        close_all(&self.connections);
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

fn close_all(connections: &Connections) {
    for (_, c) in std::mem::take(&mut *connections.lock().unwrap_or_else(|p| p.into_inner())) {
        let _ = c.shutdown(std::net::Shutdown::Both);
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
                if let Ok(clone) = stream.try_clone() {
                    connections.lock().unwrap_or_else(|p| p.into_inner()).insert(id, clone);
                }
                let (state, connections) = (state.clone(), connections.clone());
                let spawned = std::thread::Builder::new().name(format!("tusk-ps-{peer}")).spawn(move || {
                    serve(stream, peer, &state);
                    // Dropping the last handle closes the socket: the peer sees the end at once.
                    connections.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                });
                match spawned {
                    Ok(h) => handlers.push(h),
                    Err(e) => eprintln!("tusk ps: cannot serve {peer}: {e}"),
                }
                handlers.retain(|h| !h.is_finished());
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                eprintln!("tusk ps: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    drop(listener);
    close_all(&connections);
    for h in handlers {
        let _ = h.join();
    }
}

/// Serves one connection until it closes, misbehaves, idles past the limit, or the server stops.
fn serve(mut stream: TcpStream, peer: SocketAddr, state: &ServerState) {
    let cfg = &state.config;
    // Accepted sockets inherit the listener's non-blocking mode on some systems (BSD, macOS).
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(cfg.timeouts.idle));
    let _ = stream.set_write_timeout(Some(cfg.timeouts.io));
    let _ = stream.set_nodelay(true);
    let max_payload = state.weights_len() * 8 + (1 << 20);
    let (mut buf, mut out) = (Vec::new(), Vec::new());
    let mut worker: Option<(u32, u32)> = None;
    let mut done = false;
    let reason = loop {
        // Between messages a worker may be silent for up to the idle limit (it trains); once a
        // frame has begun, the rest must come within the I/O limit.
        match stream.peek(&mut [0u8]) {
            Ok(0) => break "its connection closed".to_string(),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break format!("it sent nothing for {} s", cfg.timeouts.idle.as_secs()),
            Err(e) => break format!("its connection failed ({e})"),
        }
        let _ = stream.set_read_timeout(Some(cfg.timeouts.io));
        let read = read_frame(&mut stream, &cfg.token, max_payload, &mut buf);
        let _ = stream.set_read_timeout(Some(cfg.timeouts.idle));
        let req = match read.and_then(|n| {
            state.bytes_received.fetch_add(n as u64, Relaxed);
            Request::decode(&buf)
        }) {
            Ok(req) => req,
            Err(Error::Io { source, .. }) if matches!(source.kind(), ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
                break "its connection closed".to_string();
            }
            Err(Error::Timeout(_)) => break format!("it sent part of a frame and then nothing for {} s", cfg.timeouts.io.as_secs()),
            Err(e) => {
                state.refused.fetch_add(1, Relaxed);
                eprintln!("tusk ps: refused {peer}: {e}");
                out.clear();
                Response::Error { message: e.to_string() }.encode(&mut out);
                // Framed without the token: the peer has not shown it knows it.
                let _ = write_frame(&mut stream, &[], &out);
                break format!("it sent a bad frame ({e})");
            }
        };
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
        match write_frame(&mut stream, &cfg.token, &out) {
            Ok(n) => state.bytes_sent.fetch_add(n as u64, Relaxed),
            Err(e) => break format!("answering it failed: {e}"),
        };
    };
    if let (Some((w, attempt)), false) = (worker, done) {
        state.attempt_lost(w, attempt, &format!("{reason} before it finished ({peer})"));
    }
}
