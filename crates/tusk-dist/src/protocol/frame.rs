//! Frames: how one message travels on a TCP stream.
//!
//! ```text
//! magic "TUSK" (4) | version u16 LE | token_len u16 LE | payload_len u32 LE | token | payload
//! ```
//!
//! The reader checks the header before it allocates anything: the magic, the version (exactly
//! [`VERSION`]), the token length (at most [`MAX_TOKEN`]) and the payload length (at most the
//! caller's limit); then it compares the token with the job's in constant time and only then reads
//! the payload. After any error the stream is out of step and must be closed.

use crate::error::{Error, Result};
use std::io::{self, Read, Write};

pub const MAGIC: [u8; 4] = *b"TUSK";
pub const VERSION: u16 = 1;
/// The longest auth token a frame may carry.
pub const MAX_TOKEN: usize = 1024;
const HEADER: usize = 12;
/// Payloads up to this size go out in the header's write (one segment for small messages,
/// whatever the socket's Nagle setting); larger ones are written from the caller's buffer.
const COALESCE: usize = 64 * 1024;

/// Writes one frame and flushes; returns the bytes written.
pub fn write_frame(w: &mut impl Write, token: &[u8], payload: &[u8]) -> io::Result<usize> {
    let token_len = u16::try_from(token.len()).ok().filter(|&n| usize::from(n) <= MAX_TOKEN).ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("an auth token of {} bytes is over {MAX_TOKEN}", token.len()))
    })?;
    let payload_len = u32::try_from(payload.len()).map_err(|_| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("a message of {} bytes does not fit a frame", payload.len()))
    })?;
    let mut head = Vec::with_capacity(HEADER + token.len() + payload.len().min(COALESCE));
    head.extend_from_slice(&MAGIC);
    head.extend_from_slice(&VERSION.to_le_bytes());
    head.extend_from_slice(&token_len.to_le_bytes());
    head.extend_from_slice(&payload_len.to_le_bytes());
    head.extend_from_slice(token);
    if payload.len() <= COALESCE {
        head.extend_from_slice(payload);
        w.write_all(&head)?;
    } else {
        w.write_all(&head)?;
        w.write_all(payload)?;
    }
    w.flush()?;
    Ok(HEADER + token.len() + payload.len())
}

/// Reads one frame whose token must equal `token` and whose payload is at most `max_payload`
/// bytes, into `buf` (resized, its allocation reused); returns the bytes read. End of stream
/// before or inside the frame is an [`Error::Io`] of kind `UnexpectedEof`; a read timeout is an
/// [`Error::Timeout`].
pub fn read_frame(r: &mut impl Read, token: &[u8], max_payload: usize, buf: &mut Vec<u8>) -> Result<usize> {
    let mut head = [0u8; HEADER];
    read(r, &mut head)?;
    let [m0, m1, m2, m3, v0, v1, t0, t1, p0, p1, p2, p3] = head;
    if [m0, m1, m2, m3] != MAGIC {
        return Err(Error::protocol(format!("not a tusk frame (bad magic \"{}\")", head[..4].escape_ascii())));
    }
    let version = u16::from_le_bytes([v0, v1]);
    if version != VERSION {
        return Err(Error::protocol(format!("frame version {version}, but this end speaks version {VERSION}")));
    }
    let token_len = usize::from(u16::from_le_bytes([t0, t1]));
    if token_len > MAX_TOKEN {
        return Err(Error::protocol(format!("an auth token of {token_len} bytes is over the limit of {MAX_TOKEN}")));
    }
    let payload_len = u32::from_le_bytes([p0, p1, p2, p3]) as usize;
    if payload_len > max_payload {
        return Err(Error::protocol(format!("frame of {payload_len} bytes is over the limit of {max_payload} bytes")));
    }
    let mut sent_token = [0u8; MAX_TOKEN];
    let sent_token = &mut sent_token[..token_len];
    read(r, sent_token)?;
    if !tokens_match(token, sent_token) {
        return Err(Error::Auth("wrong or missing auth token".into()));
    }
    buf.clear();
    buf.resize(payload_len, 0);
    read(r, buf)?;
    Ok(HEADER + token_len + payload_len)
}

fn read(r: &mut impl Read, into: &mut [u8]) -> Result<()> {
    r.read_exact(into).map_err(|e| Error::io("reading a frame", e))
}

/// Compares in a time that depends only on the expected token's length, not on where the
/// tokens differ or on the length sent.
fn tokens_match(expected: &[u8], sent: &[u8]) -> bool {
    let mut diff = u8::from(expected.len() != sent.len());
    for (i, &e) in expected.iter().enumerate() {
        diff |= e ^ sent.get(i).copied().unwrap_or(0);
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const TOKEN: &[u8] = b"s3cret-job-token";

    fn frame(token: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        assert_eq!(write_frame(&mut out, token, payload).unwrap(), out.len());
        out
    }

    fn read_one(bytes: &[u8], max_payload: usize) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        read_frame(&mut Cursor::new(bytes), TOKEN, max_payload, &mut buf).map(|_| buf)
    }

    fn protocol_error(bytes: &[u8], max_payload: usize) -> String {
        match read_one(bytes, max_payload) {
            Err(Error::Protocol(m)) => m,
            other => panic!("expected a protocol error, got {other:?}"),
        }
    }

    #[test]
    fn frames_round_trip_back_to_back() {
        let big: Vec<u8> = (0..COALESCE + 7).map(|i| i as u8).collect();
        let mut stream = frame(TOKEN, b"hello");
        stream.extend(frame(TOKEN, &big));
        stream.extend(frame(TOKEN, b""));
        assert_eq!(&stream[..4], b"TUSK");
        assert_eq!(stream.len(), 3 * (HEADER + TOKEN.len()) + 5 + big.len());
        let (mut r, mut buf) = (Cursor::new(&stream), Vec::new());
        for payload in [&b"hello"[..], &big, b""] {
            assert_eq!(read_frame(&mut r, TOKEN, big.len(), &mut buf).unwrap(), HEADER + TOKEN.len() + payload.len());
            assert_eq!(buf, payload);
        }
        match read_frame(&mut r, TOKEN, big.len(), &mut buf) {
            Err(Error::Io { source, .. }) => assert_eq!(source.kind(), io::ErrorKind::UnexpectedEof),
            other => panic!("expected end of stream, got {other:?}"),
        }
    }

    #[test]
    fn bad_headers_are_refused_before_allocating() {
        assert_eq!(protocol_error(b"GET / HTTP/1.1\r\n\r\n", 100), "not a tusk frame (bad magic \"GET \")");
        let mut old = frame(TOKEN, b"x");
        old[4] = 2;
        assert_eq!(protocol_error(&old, 100), "frame version 2, but this end speaks version 1");
        let mut long_token = frame(TOKEN, b"x");
        long_token[6..8].copy_from_slice(&2000u16.to_le_bytes());
        assert_eq!(protocol_error(&long_token, 100), "an auth token of 2000 bytes is over the limit of 1024");
        let mut huge = frame(TOKEN, b"x");
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut buf = Vec::new();
        assert!(read_frame(&mut Cursor::new(&huge), TOKEN, 1 << 20, &mut buf).is_err());
        assert_eq!(buf.capacity(), 0);
        assert_eq!(protocol_error(&frame(TOKEN, &[0; 101]), 100), "frame of 101 bytes is over the limit of 100 bytes");
    }

    #[test]
    fn wrong_tokens_are_refused() {
        for token in [&b""[..], b"s3cret-job-toke", b"s3cret-job-token!", b"S3cret-job-token"] {
            match read_one(&frame(token, b"payload"), 100) {
                Err(Error::Auth(m)) => assert_eq!(m, "wrong or missing auth token"),
                other => panic!("token {token:?} gave {other:?}"),
            }
        }
        assert!(tokens_match(b"", b""));
        assert!(write_frame(&mut Vec::new(), &[0; MAX_TOKEN + 1], b"").is_err());
    }

    #[test]
    fn truncated_frames_and_timeouts_are_io_errors() {
        let whole = frame(TOKEN, b"payload");
        for n in [0, 5, HEADER, HEADER + 3, whole.len() - 1] {
            match read_one(&whole[..n], 100) {
                Err(Error::Io { context, source }) => {
                    assert_eq!((context.as_str(), source.kind()), ("reading a frame", io::ErrorKind::UnexpectedEof))
                }
                other => panic!("{n} bytes gave {other:?}"),
            }
        }
        struct Silent;
        impl Read for Silent {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
        assert!(matches!(read_frame(&mut Silent, TOKEN, 100, &mut Vec::new()), Err(Error::Timeout(_))));
    }
}
