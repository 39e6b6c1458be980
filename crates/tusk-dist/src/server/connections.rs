//! The server's book of open connections: a handle on each (by accept number) so that a
//! shutdown can close them all, and which of them have not yet shown the job's token.
//!
//! Unauthenticated connections are capped ([`MAX_UNAUTHENTICATED`]): when one more arrives,
//! the oldest unauthenticated one is closed. A real worker authenticates with its first frame,
//! milliseconds after connecting, so a flood of idle sockets cannot keep it out; and each such
//! socket lives at most [`super::Timeouts::auth`] anyway. The cap bounds the threads and file
//! descriptors a peer without the token can make the server hold.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};

/// Connections that have not yet sent a frame with the job's token, at most.
pub const MAX_UNAUTHENTICATED: usize = 64;

#[derive(Default)]
struct Book {
    streams: BTreeMap<u64, TcpStream>,
    pending: BTreeSet<u64>,
}

/// Shared between the accept loop and every connection's thread.
#[derive(Clone, Default)]
pub struct Connections(Arc<Mutex<Book>>);

impl Connections {
    fn lock(&self) -> MutexGuard<'_, Book> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Books a new, unauthenticated connection `id`; returns how many older unauthenticated
    /// ones were closed to stay under the cap.
    pub fn open(&self, id: u64, stream: TcpStream) -> usize {
        let mut book = self.lock();
        let mut evicted = 0;
        while book.pending.len() >= MAX_UNAUTHENTICATED {
            let Some(oldest) = book.pending.pop_first() else { break };
            if let Some(s) = book.streams.get(&oldest) {
                let _ = s.shutdown(Shutdown::Both);
            }
            evicted += 1;
        }
        book.streams.insert(id, stream);
        book.pending.insert(id);
        evicted
    }

    /// Connection `id` has shown the token: it no longer counts against the cap.
    pub fn authenticated(&self, id: u64) {
        self.lock().pending.remove(&id);
    }

    /// Connection `id` has ended; dropping the last handle closes the socket.
    pub fn close(&self, id: u64) {
        let mut book = self.lock();
        book.pending.remove(&id);
        book.streams.remove(&id);
    }

    /// Connections open now.
    pub fn count(&self) -> usize {
        self.lock().streams.len()
    }

    /// Closes every connection.
    pub fn close_all(&self) {
        let mut book = self.lock();
        book.pending.clear();
        for (_, s) in std::mem::take(&mut book.streams) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn the_oldest_unauthenticated_connection_makes_room() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let book = Connections::default();
        let mut clients = Vec::new();
        let last = MAX_UNAUTHENTICATED as u64 + 1;
        for id in 0..=last {
            clients.push(TcpStream::connect(listener.local_addr().unwrap()).unwrap());
            let (server_side, _) = listener.accept().unwrap();
            if id == 1 {
                book.authenticated(0);
            }
            let evicted = book.open(id, server_side);
            assert_eq!(evicted, usize::from(id == last), "connection {id}");
        }
        // Connection 0 authenticated, so connection 1 was the oldest pending one: closed.
        let mut byte = [0u8; 1];
        use std::io::Read;
        assert_eq!(clients[1].read(&mut byte).unwrap(), 0, "connection 1 was closed");
        assert_eq!(book.count(), MAX_UNAUTHENTICATED + 2);
        book.close_all();
        assert_eq!(book.count(), 0);
    }
}
