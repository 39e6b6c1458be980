//! Binary encoding of [`Request`] and [`Response`] payloads (the frame around them is
//! [`frame`](super::frame)'s).
//!
//! A message is one tag byte, then its fields in declaration order, little-endian: integers and
//! `f64` at their width, `bool` as one byte 0 or 1, strings (UTF-8) and vectors as a `u32` count
//! then the elements, `logs` as a count then (string, `f64`) pairs. A [`Delta`] is a tag byte
//! (0 dense `f32`, 1 f16 bits, 2 bf16 bits, 3 top-k) then its data; top-k is `len` u32, count u32,
//! the indices (u32), the values (f32).
//!
//! Tags. Request: 0 Hello, 1 Pull, 2 Commit, 3 EpochEnd, 4 Done, 5 Failed.
//! Response: 0 Welcome, 1 Weights, 2 Wait, 3 Ack, 4 Error.
//!
//! Decoding is total: every read checks the bytes left, every count is checked against the bytes
//! left before anything is allocated, and an unknown tag, a boolean other than 0 or 1, invalid
//! UTF-8, top-k indices that are not strictly increasing and below `len`, or trailing bytes are
//! an [`Error::Protocol`] naming the field. Encoding is canonical: decoding then encoding gives
//! back the same bytes. A vector of more than `u32::MAX` elements cannot be encoded, but its
//! payload would be over 4 GiB, which [`write_frame`](super::write_frame) refuses anyway.

use super::compression::Delta;
use super::message::{Commit, Request, Response};
use crate::error::{Error, Result};

/// Appends each value's little-endian bytes.
macro_rules! put {
    ($out:expr, $($x:expr),+) => {{
        $($out.extend_from_slice(&$x.to_le_bytes());)+
    }};
}

impl Request {
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Request::Hello { worker, attempt, samples } => put!(out, 0u8, worker, attempt, samples),
            Request::Pull { worker, round } => put!(out, 1u8, worker, round),
            Request::Commit(c) => {
                put!(out, 2u8, c.worker, c.attempt, c.seq, c.t_pull, c.round, c.samples);
                put_delta(out, &c.delta);
            }
            Request::EpochEnd { worker, epoch, seconds, samples, logs } => {
                put!(out, 3u8, worker, epoch, seconds, samples);
                put_count(out, logs.len());
                for (name, value) in logs {
                    put_str(out, name);
                    put!(out, value);
                }
            }
            Request::Done { worker } => put!(out, 4u8, worker),
            Request::Failed { worker, message } => {
                put!(out, 5u8, worker);
                put_str(out, message);
            }
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Request> {
        let mut r = Reader { rest: bytes };
        let request = match r.u8("Request tag")? {
            0 => Request::Hello { worker: r.u32("Hello.worker")?, attempt: r.u32("Hello.attempt")?, samples: r.u64("Hello.samples")? },
            1 => Request::Pull { worker: r.u32("Pull.worker")?, round: r.u64("Pull.round")? },
            2 => Request::Commit(Commit {
                worker: r.u32("Commit.worker")?,
                attempt: r.u32("Commit.attempt")?,
                seq: r.u64("Commit.seq")?,
                t_pull: r.u64("Commit.t_pull")?,
                round: r.u64("Commit.round")?,
                samples: r.u64("Commit.samples")?,
                delta: r.delta("Commit.delta")?,
            }),
            3 => Request::EpochEnd {
                worker: r.u32("EpochEnd.worker")?,
                epoch: r.u32("EpochEnd.epoch")?,
                seconds: r.f64("EpochEnd.seconds")?,
                samples: r.u64("EpochEnd.samples")?,
                logs: r.logs("EpochEnd.logs")?,
            },
            4 => Request::Done { worker: r.u32("Done.worker")? },
            5 => Request::Failed { worker: r.u32("Failed.worker")?, message: r.string("Failed.message")? },
            tag => return Err(Error::protocol(format!("unknown Request tag {tag}"))),
        };
        r.finish("Request")?;
        Ok(request)
    }
}

impl Response {
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Response::Welcome { job, max_samples, start_epoch } => {
                put!(out, 0u8);
                put_str(out, job);
                put!(out, max_samples, start_epoch);
            }
            Response::Weights { t, round, stop, weights } => {
                put!(out, 1u8, t, round, u8::from(*stop));
                put_vec(out, weights, f32::to_le_bytes);
            }
            Response::Wait => put!(out, 2u8),
            Response::Ack { applied, stop } => put!(out, 3u8, u8::from(*applied), u8::from(*stop)),
            Response::Error { message } => {
                put!(out, 4u8);
                put_str(out, message);
            }
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Response> {
        let mut r = Reader { rest: bytes };
        let response = match r.u8("Response tag")? {
            0 => Response::Welcome {
                job: r.string("Welcome.job")?,
                max_samples: r.u64("Welcome.max_samples")?,
                start_epoch: r.u32("Welcome.start_epoch")?,
            },
            1 => Response::Weights {
                t: r.u64("Weights.t")?,
                round: r.u64("Weights.round")?,
                stop: r.bool("Weights.stop")?,
                weights: r.vec("Weights.weights", f32::from_le_bytes)?,
            },
            2 => Response::Wait,
            3 => Response::Ack { applied: r.bool("Ack.applied")?, stop: r.bool("Ack.stop")? },
            4 => Response::Error { message: r.string("Error.message")? },
            tag => return Err(Error::protocol(format!("unknown Response tag {tag}"))),
        };
        r.finish("Response")?;
        Ok(response)
    }
}

fn put_count(out: &mut Vec<u8>, n: usize) {
    debug_assert!(u32::try_from(n).is_ok(), "{n} elements do not fit a u32 count");
    put!(out, n as u32);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_count(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Appends the elements, without a count; sized once, then filled in a loop that vectorizes.
fn put_values<T: Copy, const N: usize>(out: &mut Vec<u8>, values: &[T], to_le: impl Fn(T) -> [u8; N]) {
    let start = out.len();
    out.resize(start + N * values.len(), 0);
    for (dst, &x) in out[start..].chunks_exact_mut(N).zip(values) {
        dst.copy_from_slice(&to_le(x));
    }
}

fn put_vec<T: Copy, const N: usize>(out: &mut Vec<u8>, values: &[T], to_le: impl Fn(T) -> [u8; N]) {
    put_count(out, values.len());
    put_values(out, values, to_le);
}

fn put_delta(out: &mut Vec<u8>, delta: &Delta) {
    match delta {
        Delta::Dense(v) => {
            put!(out, 0u8);
            put_vec(out, v, f32::to_le_bytes);
        }
        Delta::F16(v) => {
            put!(out, 1u8);
            put_vec(out, v, u16::to_le_bytes);
        }
        Delta::Bf16(v) => {
            put!(out, 2u8);
            put_vec(out, v, u16::to_le_bytes);
        }
        Delta::TopK { len, indices, values } => {
            debug_assert_eq!(indices.len(), values.len(), "top-k indices and values differ in count");
            put!(out, 3u8, len);
            put_count(out, indices.len());
            put_values(out, indices, u32::to_le_bytes);
            put_values(out, values, f32::to_le_bytes);
        }
    }
}

/// The unread rest of a payload; every read checks that the bytes are there.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn short(&self, needed: usize, field: &str) -> Error {
        Error::protocol(format!("{field}: the message ends early ({needed} bytes needed, {} left)", self.rest.len()))
    }

    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8]> {
        let (head, rest) = self.rest.split_at_checked(n).ok_or_else(|| self.short(n, field))?;
        self.rest = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N]> {
        let (head, rest) = self.rest.split_first_chunk::<N>().ok_or_else(|| self.short(N, field))?;
        self.rest = rest;
        Ok(*head)
    }

    fn u8(&mut self, field: &str) -> Result<u8> { self.array(field).map(u8::from_le_bytes) }
    fn u32(&mut self, field: &str) -> Result<u32> { self.array(field).map(u32::from_le_bytes) }
    fn u64(&mut self, field: &str) -> Result<u64> { self.array(field).map(u64::from_le_bytes) }
    fn f64(&mut self, field: &str) -> Result<f64> { self.array(field).map(f64::from_le_bytes) }

    fn bool(&mut self, field: &str) -> Result<bool> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(Error::protocol(format!("{field}: {b} is not a boolean (0 or 1)"))),
        }
    }

    /// A u32 count of elements of at least `size` bytes each, checked against the bytes left.
    fn count(&mut self, size: usize, field: &str) -> Result<usize> {
        let n = self.u32(field)? as usize;
        if n.saturating_mul(size) > self.rest.len() {
            return Err(Error::protocol(format!(
                "{field}: {n} elements of {size} bytes do not fit in the {} bytes left",
                self.rest.len()
            )));
        }
        Ok(n)
    }

    fn string(&mut self, field: &str) -> Result<String> {
        let n = self.count(1, field)?;
        let bytes = self.take(n, field)?;
        std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| Error::protocol(format!("{field}: not UTF-8 ({e})")))
    }

    /// (name, value) pairs: a name of at least the 4 bytes of its count, then an f64.
    fn logs(&mut self, field: &str) -> Result<Vec<(String, f64)>> {
        let n = self.count(4 + 8, field)?;
        (0..n).map(|_| Ok((self.string(field)?, self.f64(field)?))).collect()
    }

    /// `n` elements of `N` bytes each, without a count.
    fn values<T, const N: usize>(&mut self, n: usize, field: &str, from_le: impl Fn([u8; N]) -> T) -> Result<Vec<T>> {
        let bytes = self.take(n.saturating_mul(N), field)?;
        Ok(bytes.chunks_exact(N).map(|c| from_le(c.try_into().expect("chunks_exact yields N bytes"))).collect())
    }

    fn vec<T, const N: usize>(&mut self, field: &str, from_le: impl Fn([u8; N]) -> T) -> Result<Vec<T>> {
        let n = self.count(N, field)?;
        self.values(n, field, from_le)
    }

    fn delta(&mut self, field: &str) -> Result<Delta> {
        match self.u8(field)? {
            0 => Ok(Delta::Dense(self.vec(field, f32::from_le_bytes)?)),
            1 => Ok(Delta::F16(self.vec(field, u16::from_le_bytes)?)),
            2 => Ok(Delta::Bf16(self.vec(field, u16::from_le_bytes)?)),
            3 => {
                let len = self.u32(field)?;
                let n = self.count(4 + 4, field)?;
                let indices = self.values(n, field, u32::from_le_bytes)?;
                if let Some(i) = indices.iter().find(|&&i| i >= len) {
                    return Err(Error::protocol(format!("{field}: top-k index {i} is not below the length {len}")));
                }
                if let Some(w) = indices.windows(2).find(|w| w[0] >= w[1]) {
                    return Err(Error::protocol(format!(
                        "{field}: top-k indices are not strictly increasing ({} then {})",
                        w[0], w[1]
                    )));
                }
                let values = self.values(n, field, f32::from_le_bytes)?;
                Ok(Delta::TopK { len, indices, values })
            }
            tag => Err(Error::protocol(format!("{field}: unknown delta encoding {tag}"))),
        }
    }

    fn finish(self, message: &str) -> Result<()> {
        match self.rest.len() {
            0 => Ok(()),
            n => Err(Error::protocol(format!("{message}: {n} trailing bytes after the message"))),
        }
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
