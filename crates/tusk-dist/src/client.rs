//! How a worker reaches the server: [`Connection::call`] sends one request and returns
//! the answer. [`InProcess`] calls a [`ServerState`] in the same process (worker threads);
//! [`TcpClient`] speaks the framed protocol over TCP with a time limit on every call.

use crate::error::{Error, Result};
use crate::protocol::{read_frame, write_frame, Request, Response};
use crate::server::ServerState;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

pub trait Connection: Send {
    fn call(&mut self, req: Request) -> Result<Response>;
    /// Bytes sent and received so far.
    fn bytes(&self) -> (u64, u64);
    /// The job's model has `n_params` parameters: answers may be bounded by its size.
    fn expect_model(&mut self, _n_params: usize) {}
}

/// Frame header, message tag and fixed fields: a bound on what a message adds to its payload.
const OVERHEAD: u64 = 64;

/// Payload bytes of a request or a response on the wire (in-process accounting).
fn request_bytes(req: &Request) -> u64 {
    OVERHEAD
        + match req {
            Request::Commit(c) => c.delta.wire_bytes() as u64,
            _ => 0,
        }
}

fn response_bytes(resp: &Response) -> u64 {
    OVERHEAD
        + match resp {
            Response::Weights { weights, .. } => 4 * weights.len() as u64,
            Response::Welcome { job, .. } => job.len() as u64,
            _ => 0,
        }
}

/// A worker thread's line to a server in the same process (no sockets). Bytes are counted
/// as the payloads the same exchange would put on the wire.
pub struct InProcess {
    state: Arc<ServerState>,
    sent: u64,
    received: u64,
}

impl InProcess {
    pub fn new(state: Arc<ServerState>) -> Self {
        InProcess { state, sent: 0, received: 0 }
    }
}

impl Connection for InProcess {
    fn call(&mut self, req: Request) -> Result<Response> {
        let sent = request_bytes(&req);
        let resp = self.state.handle(req);
        let received = response_bytes(&resp);
        self.sent += sent;
        self.received += received;
        self.state.bytes_received.fetch_add(sent, Relaxed);
        self.state.bytes_sent.fetch_add(received, Relaxed);
        Ok(resp)
    }

    fn bytes(&self) -> (u64, u64) {
        (self.sent, self.received)
    }
}

/// A connection to a server over TCP. Every read and write has the time limit given to
/// [`TcpClient::connect`]; answers larger than `max_payload` are refused before allocating.
pub struct TcpClient {
    stream: TcpStream,
    addr: String,
    token: Vec<u8>,
    max_payload: usize,
    buf: Vec<u8>,
    out: Vec<u8>,
    sent: u64,
    received: u64,
}

impl TcpClient {
    /// Connects to `addr` (`host:port`) within `timeout`; a server that cannot be reached is
    /// an error naming the address.
    pub fn connect(addr: &str, token: Vec<u8>, timeout: Duration) -> Result<TcpClient> {
        let addrs: Vec<_> = addr.to_socket_addrs().map_err(|e| Error::io(format!("resolving the server address '{addr}'"), e))?.collect();
        let mut last = None;
        for a in &addrs {
            match TcpStream::connect_timeout(a, timeout) {
                Ok(stream) => {
                    let ctx = |e| Error::io(format!("setting up the connection to {addr}"), e);
                    stream.set_read_timeout(Some(timeout)).map_err(ctx)?;
                    stream.set_write_timeout(Some(timeout)).map_err(ctx)?;
                    stream.set_nodelay(true).map_err(ctx)?;
                    return Ok(TcpClient { stream, addr: addr.into(), token, max_payload: 256 << 20, buf: Vec::new(), out: Vec::new(), sent: 0, received: 0 });
                }
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no address"));
        Err(Error::io(format!("cannot reach the parameter server at {addr}"), e))
    }

    /// Answers larger than this are refused (set from the model's size once it is known).
    pub fn set_max_payload(&mut self, bytes: usize) {
        self.max_payload = bytes;
    }
}

impl Connection for TcpClient {
    fn call(&mut self, req: Request) -> Result<Response> {
        self.out.clear();
        req.encode(&mut self.out);
        drop(req);
        let n = write_frame(&mut self.stream, &self.token, &self.out).map_err(|e| Error::io(format!("sending to the parameter server at {}", self.addr), e))?;
        self.sent += n as u64;
        let n = read_frame(&mut self.stream, &self.token, self.max_payload, &mut self.buf).map_err(|e| match e {
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::UnexpectedEof => Error::Server(format!("the parameter server at {} closed the connection", self.addr)),
            Error::Timeout(_) => Error::Timeout(format!("the parameter server at {} did not answer", self.addr)),
            other => other,
        })?;
        self.received += n as u64;
        Response::decode(&self.buf)
    }

    fn bytes(&self) -> (u64, u64) {
        (self.sent, self.received)
    }

    /// Weights of `n_params` values, with room for the largest other answer (a Welcome).
    fn expect_model(&mut self, n_params: usize) {
        self.set_max_payload(n_params * 8 + (16 << 20));
    }
}
