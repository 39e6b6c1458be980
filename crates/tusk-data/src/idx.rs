//! IDX files (the MNIST format), plain or gzip-compressed, to and from `Tensor`.
//!
//! Layout: magic `00 00 <dtype> <ndim>`, then `ndim` big-endian `u32` dimensions, then the values
//! big-endian in row-major order. Dtype codes: `0x08` ubyte, `0x09` sbyte, `0x0B` i16, `0x0C` i32,
//! `0x0D` f32, `0x0E` f64. Compression is detected by the gzip magic, not the file name.
//!
//! Contract: [`read_idx`] returns a tensor with exactly the file's shape and the raw values as
//! `f32` (no scaling). The header is checked against the file length (or, for gzip, the largest
//! size the compressed file could expand to) *before* anything is allocated, so a header
//! claiming 10^12 elements is a `Format` error, not an out-of-memory abort.

use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;
use tusk_core::Tensor;

use crate::error::{Error, Result};
use crate::fileio::{gzip_error, is_gzip, read_file, write_file, MAX_DEFLATE_RATIO};

/// The element types IDX files can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdxType {
    U8 = 0x08,
    I8 = 0x09,
    I16 = 0x0B,
    I32 = 0x0C,
    F32 = 0x0D,
    F64 = 0x0E,
}

impl IdxType {
    pub fn from_code(code: u8) -> Option<IdxType> {
        Some(match code {
            0x08 => IdxType::U8,
            0x09 => IdxType::I8,
            0x0B => IdxType::I16,
            0x0C => IdxType::I32,
            0x0D => IdxType::F32,
            0x0E => IdxType::F64,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            IdxType::U8 | IdxType::I8 => 1,
            IdxType::I16 => 2,
            IdxType::I32 | IdxType::F32 => 4,
            IdxType::F64 => 8,
        }
    }

    fn decode(self, b: &[u8]) -> f32 {
        match self {
            IdxType::U8 => b[0] as f32,
            IdxType::I8 => b[0] as i8 as f32,
            IdxType::I16 => i16::from_be_bytes([b[0], b[1]]) as f32,
            IdxType::I32 => i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f32,
            IdxType::F32 => f32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            IdxType::F64 => {
                f64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
            }
        }
    }

    /// Integer range of the type, `None` for floats.
    fn int_range(self) -> Option<(f64, f64)> {
        match self {
            IdxType::U8 => Some((0.0, 255.0)),
            IdxType::I8 => Some((-128.0, 127.0)),
            IdxType::I16 => Some((i16::MIN as f64, i16::MAX as f64)),
            IdxType::I32 => Some((i32::MIN as f64, i32::MAX as f64)),
            IdxType::F32 | IdxType::F64 => None,
        }
    }

    fn encode(self, v: f32, out: &mut Vec<u8>) {
        match self {
            IdxType::U8 => out.push(v as u8),
            IdxType::I8 => out.push(v as i8 as u8),
            IdxType::I16 => out.extend_from_slice(&(v as i16).to_be_bytes()),
            IdxType::I32 => out.extend_from_slice(&(v as i32).to_be_bytes()),
            IdxType::F32 => out.extend_from_slice(&v.to_be_bytes()),
            IdxType::F64 => out.extend_from_slice(&(v as f64).to_be_bytes()),
        }
    }
}

/// A parsed IDX header.
struct Header {
    dtype: IdxType,
    dims: Vec<usize>,
    /// Bytes of value data the header promises.
    data_bytes: u64,
}

/// Reads the header from `r`, naming `path` and the byte offset in errors.
fn read_header(path: &Path, r: &mut impl Read) -> Result<Header> {
    let mut magic = [0u8; 4];
    read_exact(path, r, &mut magic, 0, "the 4-byte magic")?;
    if magic[0] != 0 || magic[1] != 0 {
        return Err(Error::format(
            path,
            format!(
                "bad magic at byte 0: expected 00 00, found {:02x} {:02x} (not an IDX file)",
                magic[0], magic[1]
            ),
        ));
    }
    let dtype = IdxType::from_code(magic[2]).ok_or_else(|| {
        Error::format(path, format!("unknown data type code 0x{:02x} at byte 2", magic[2]))
    })?;
    let ndim = magic[3] as usize;
    if ndim == 0 {
        return Err(Error::format(path, "header field ndim (byte 3) is 0"));
    }
    let mut dims = Vec::with_capacity(ndim);
    let mut elems: u64 = 1;
    for i in 0..ndim {
        let mut d = [0u8; 4];
        read_exact(path, r, &mut d, 4 + 4 * i, &format!("dimension {i} of {ndim}"))?;
        let d = u32::from_be_bytes(d);
        dims.push(d as usize);
        elems = elems.saturating_mul(d as u64);
    }
    let data_bytes = elems.saturating_mul(dtype.size() as u64);
    Ok(Header { dtype, dims, data_bytes })
}

fn read_exact(path: &Path, r: &mut impl Read, buf: &mut [u8], at: usize, what: &str) -> Result<()> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::format(path, format!("truncated header: file ends before {what} at byte {at}"))
        } else {
            gzip_error(path, at, e)
        }
    })
}

/// Reads an IDX file (plain or gzip) into a tensor of the file's shape with raw values as `f32`.
pub fn read_idx(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let raw = read_file(path)?;
    let (header, data) = if is_gzip(&raw) {
        let mut dec = MultiGzDecoder::new(raw.as_slice());
        let header = read_header(path, &mut dec)?;
        let max = (raw.len() as u64).saturating_mul(MAX_DEFLATE_RATIO);
        if header.data_bytes > max {
            return Err(claims_too_much(
                path,
                &header,
                &format!("a {}-byte gzip file can expand to at most {max}", raw.len()),
            ));
        }
        let mut data = Vec::new();
        dec.take(header.data_bytes + 1)
            .read_to_end(&mut data)
            .map_err(|e| gzip_error(path, data.len(), e))?;
        (header, data)
    } else {
        let mut cursor = raw.as_slice();
        let header = read_header(path, &mut cursor)?;
        let rest = cursor.len() as u64;
        if header.data_bytes > rest {
            let offset = raw.len() as u64 - rest;
            return Err(claims_too_much(
                path,
                &header,
                &format!(
                    "the file has {rest} bytes after the header (which ends at byte {offset})"
                ),
            ));
        }
        (header, cursor.to_vec())
    };
    let want = header.data_bytes as usize;
    if data.len() != want {
        let what = if data.len() < want { "truncated" } else { "trailing data" };
        return Err(Error::format(
            path,
            format!(
                "{what}: header (dims {:?}) promises {want} data bytes, found {}",
                header.dims,
                data.len()
            ),
        ));
    }
    let size = header.dtype.size();
    let values: Vec<f32> = data.chunks_exact(size).map(|b| header.dtype.decode(b)).collect();
    Ok(Tensor::new(values, header.dims)?)
}

fn claims_too_much(path: &Path, h: &Header, why: &str) -> Error {
    Error::format(
        path,
        format!(
            "truncated or corrupt: header claims dims {:?} of {:?} ({} data bytes) but {why}",
            h.dims, h.dtype, h.data_bytes
        ),
    )
}

/// Writes `t` as an IDX file of element type `dtype` (gzip-compressed if `path` ends in `.gz`).
/// Integer types require integer values within the type's range.
pub fn write_idx(path: impl AsRef<Path>, t: &Tensor, dtype: IdxType) -> Result<()> {
    let path = path.as_ref();
    let shape = t.shape();
    if shape.is_empty() || shape.len() > 255 {
        return Err(Error::shape(format!(
            "cannot write {}: IDX needs 1 to 255 dimensions, tensor has shape {shape:?}",
            path.display()
        )));
    }
    let mut out = Vec::with_capacity(4 + 4 * shape.len() + t.data().len() * dtype.size());
    out.extend_from_slice(&[0, 0, dtype as u8, shape.len() as u8]);
    for &d in shape {
        let d = u32::try_from(d).map_err(|_| {
            Error::shape(format!("cannot write {}: dimension {d} exceeds u32", path.display()))
        })?;
        out.extend_from_slice(&d.to_be_bytes());
    }
    let range = dtype.int_range();
    for (i, &v) in t.data().iter().enumerate() {
        if let Some((lo, hi)) = range {
            let v64 = v as f64;
            if v64.fract() != 0.0 || !(lo..=hi).contains(&v64) {
                return Err(Error::data(format!(
                    "cannot write {}: value {v} at flat index {i} is not a {dtype:?} integer",
                    path.display()
                )));
            }
        }
        dtype.encode(v, &mut out);
    }
    write_file(path, &out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fileio::testutil::TempDir;

    #[test]
    fn round_trips_every_type_plain_and_gz() {
        let dir = TempDir::new("idx");
        let t = Tensor::new(vec![0.0, 1.0, 2.0, 100.0, 7.0, 127.0], vec![2, 3]).unwrap();
        let types =
            [IdxType::U8, IdxType::I8, IdxType::I16, IdxType::I32, IdxType::F32, IdxType::F64];
        for ty in types {
            for name in ["a.idx", "a.idx.gz"] {
                let p = dir.file(&format!("{ty:?}-{name}"));
                write_idx(&p, &t, ty).unwrap();
                assert_eq!(read_idx(&p).unwrap(), t, "{ty:?} {name}");
            }
        }
        let f = Tensor::new(vec![-1.5, 0.25], vec![2]).unwrap();
        let p = dir.file("f.idx");
        write_idx(&p, &f, IdxType::F32).unwrap();
        assert_eq!(read_idx(&p).unwrap(), f);
        assert!(write_idx(&p, &f, IdxType::U8).unwrap_err().to_string().contains("f.idx"));
    }

    #[test]
    fn bad_input_gives_format_errors() {
        let dir = TempDir::new("idx-bad");
        let check = |name: &str, bytes: &[u8], want: &str| {
            let p = dir.file(name);
            std::fs::write(&p, bytes).unwrap();
            let e = read_idx(&p).unwrap_err();
            let msg = e.to_string();
            assert!(matches!(e, Error::Format { .. }), "{msg}");
            assert!(msg.contains(name) && msg.contains(want), "{msg}");
        };
        check("magic.idx", &[1, 2, 8, 1, 0, 0, 0, 1, 5], "bad magic");
        check("dtype.idx", &[0, 0, 7, 1, 0, 0, 0, 1, 5], "unknown data type code 0x07");
        check("hdr.idx", &[0, 0, 8, 2, 0, 0, 0, 1, 0], "truncated header");
        check("short.idx", &[0, 0, 8, 1, 0, 0, 0, 3, 5, 6], "truncated");
        check("long.idx", &[0, 0, 8, 1, 0, 0, 0, 1, 5, 6], "trailing data");
        // 10^6 x 10^6 = 10^12 elements: refused before allocating.
        let mut huge = vec![0, 0, 8, 2];
        huge.extend_from_slice(&1_000_000u32.to_be_bytes());
        huge.extend_from_slice(&1_000_000u32.to_be_bytes());
        check("huge.idx", &huge, "1000000000000 data bytes");
        crate::fileio::write_file(&dir.file("huge.idx.gz"), &huge).unwrap();
        let msg = read_idx(dir.file("huge.idx.gz")).unwrap_err().to_string();
        assert!(msg.contains("huge.idx.gz") && msg.contains("can expand to at most"), "{msg}");
        // A gzip stream cut short.
        let p = dir.file("t.idx.gz");
        let t = Tensor::new((0..4000).map(|v| (v % 251) as f32).collect(), vec![40, 100]).unwrap();
        write_idx(&p, &t, IdxType::U8).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() - 20]).unwrap();
        let e = read_idx(&p).unwrap_err();
        assert!(matches!(e, Error::Format { .. }) && e.to_string().contains("t.idx.gz"), "{e}");
    }
}
