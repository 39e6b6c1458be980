//! NumPy `.npy` files to and from `Tensor`.
//!
//! Layout: magic `\x93NUMPY`, major and minor version bytes, header length (`u16` LE for 1.0,
//! `u32` LE for 2.0/3.0), the header dict (see [`crate::npy_header`]), then the raw values.
//! Readable dtypes: `f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1` in either byte order; C order only
//! (`fortran_order: True` is an error that says so).
//!
//! Contract: [`read_npy`] returns the file's shape (a 0-d array gives shape `[]`) with values
//! converted to `f32`. The data length must equal what the shape promises: a truncated file or
//! trailing bytes is a `Format` error with the byte offset. [`write_npy`] writes format 1.0
//! (2.0 if the header would not fit) with dtype `<f4`, header padded to 64 bytes as NumPy does.

use std::path::Path;

use tusk_core::Tensor;

use crate::error::{Error, Result};
use crate::fileio::{read_maybe_gz, write_file};
use crate::npy_header::{parse_header, Dtype};

/// The six bytes every `.npy` file starts with.
pub const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Reads a `.npy` file (gzip-compressed ones too) into a tensor.
pub fn read_npy(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    parse_npy(path, &read_maybe_gz(path)?)
}

/// Parses `.npy` bytes; `path` names the source in errors (for NPZ: `archive.npz:member`).
pub fn parse_npy(path: &Path, bytes: &[u8]) -> Result<Tensor> {
    let fail = |m: String| Error::format(path, m);
    if !bytes.starts_with(NPY_MAGIC) {
        let got = &bytes[..bytes.len().min(6)];
        return Err(fail(format!(
            "bad magic at byte 0: expected \\x93NUMPY, found {got:02x?} (not a .npy file)"
        )));
    }
    let (major, minor) = match bytes.get(6..8) {
        Some(&[a, b]) => (a, b),
        _ => return Err(fail("truncated: file ends inside the version bytes (6..8)".into())),
    };
    let (len_bytes, start): (usize, usize) = match major {
        1 => (2, 10),
        2 | 3 => (4, 12),
        _ => return Err(fail(format!("unsupported format version {major}.{minor} at byte 6"))),
    };
    let Some(raw_len) = bytes.get(8..8 + len_bytes) else {
        return Err(fail(format!(
            "truncated: file ends inside the header length (bytes 8..{start})"
        )));
    };
    let header_len = raw_len.iter().rev().fold(0usize, |acc, &b| (acc << 8) | b as usize);
    let Some(header) = bytes.get(start..start.saturating_add(header_len)) else {
        return Err(fail(format!(
            "truncated: header of {header_len} bytes at byte {start} runs past the end of the file ({} bytes)",
            bytes.len()
        )));
    };
    let header = std::str::from_utf8(header).map_err(|e| {
        fail(format!("header is not text (bad byte at offset {})", start + e.valid_up_to()))
    })?;
    let h = parse_header(header).map_err(fail)?;
    if h.fortran_order {
        return Err(fail(format!(
            "header field 'fortran_order' is True (shape {:?}); only C-order arrays are supported: save np.ascontiguousarray(a)",
            h.shape
        )));
    }
    let data_start = start + header_len;
    let data = &bytes[data_start..];
    let count = h.shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let need = count.and_then(|c| c.checked_mul(h.dtype.size));
    if need != Some(data.len()) {
        let what = if need.is_some_and(|n| n < data.len()) { "trailing data" } else { "truncated" };
        let need = need.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
        return Err(fail(format!(
            "{what}: shape {:?} of {} needs {need} data bytes after the header (byte offset {data_start}), file has {}",
            h.shape,
            dtype_name(h.dtype),
            data.len()
        )));
    }
    let values: Vec<f32> = data.chunks_exact(h.dtype.size).map(|b| decode(h.dtype, b)).collect();
    Ok(Tensor::new(values, h.shape)?)
}

fn dtype_name(d: Dtype) -> String {
    format!("{}{}{}", if d.big_endian { '>' } else { '<' }, d.kind as char, d.size)
}

/// One element of dtype `d` from exactly `d.size` bytes.
fn decode(d: Dtype, b: &[u8]) -> f32 {
    let mut buf = [0u8; 8];
    buf[..b.len()].copy_from_slice(b);
    if d.big_endian {
        buf[..b.len()].reverse();
    }
    // `buf` now holds the value little-endian, zero-extended to 8 bytes.
    let u = u64::from_le_bytes(buf);
    match (d.kind, d.size) {
        (b'f', 2) => f16_to_f32(u as u16),
        (b'f', 4) => f32::from_bits(u as u32),
        (b'f', 8) => f64::from_bits(u) as f32,
        (b'b', _) => (u != 0) as u8 as f32,
        (b'u', _) => u as f32,
        (b'i', 1) => u as u8 as i8 as f32,
        (b'i', 2) => u as u16 as i16 as f32,
        (b'i', 4) => u as u32 as i32 as f32,
        _ => u as i64 as f32,
    }
}

/// IEEE half precision to single precision.
fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h as u32) & 0x8000) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let mant = (h & 0x3ff) as u32;
    let bits = match exp {
        0 if mant == 0 => sign,
        0 => {
            // Subnormal: value = mant * 2^-24.
            let v = mant as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -v } else { v };
        }
        0x1f => sign | 0x7f80_0000 | (mant << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (mant << 13),
    };
    f32::from_bits(bits)
}

/// The bytes of a `.npy` file holding `t` as `<f4`.
pub fn encode_npy(t: &Tensor) -> Vec<u8> {
    let dims: Vec<String> = t.shape().iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    let padded =
        |preamble: usize| header.len() + 1 + (64 - (preamble + header.len() + 1) % 64) % 64;
    let v1 = padded(10) <= u16::MAX as usize;
    let preamble = if v1 { 10 } else { 12 };
    let pad = padded(preamble) - header.len() - 1;
    header.push_str(&" ".repeat(pad));
    header.push('\n');
    let mut out = Vec::with_capacity(preamble + header.len() + 4 * t.data().len());
    out.extend_from_slice(NPY_MAGIC);
    if v1 {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    for v in t.data() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Writes `t` as a `.npy` file of dtype `<f4`.
pub fn write_npy(path: impl AsRef<Path>, t: &Tensor) -> Result<()> {
    write_file(path.as_ref(), &encode_npy(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fileio::testutil::TempDir;

    /// A `.npy` file as NumPy lays it out, with `data` already encoded.
    fn npy(major: u8, header: &str, data: &[u8]) -> Vec<u8> {
        let mut out = NPY_MAGIC.to_vec();
        out.extend_from_slice(&[major, 0]);
        if major == 1 {
            out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn hdr(descr: &str, shape: &str) -> String {
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n")
    }

    #[test]
    fn reads_every_dtype_and_byte_order() {
        let p = Path::new("t.npy");
        let read = |major, descr: &str, data: &[u8]| {
            parse_npy(p, &npy(major, &hdr(descr, "(2,)"), data)).unwrap()
        };
        assert_eq!(read(1, "<f4", &[0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]).data(), &[1.0, -2.0]);
        assert_eq!(
            read(2, ">f8", &[0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0]).data(),
            &[1.0, -2.0]
        );
        assert_eq!(read(3, "<f2", &[0x00, 0x3c, 0x01, 0x00]).data(), &[1.0, 5.960_464_5e-8]);
        assert_eq!(read(1, "|i1", &[0xff, 0x7f]).data(), &[-1.0, 127.0]);
        assert_eq!(read(1, "|u1", &[0xff, 0x00]).data(), &[255.0, 0.0]);
        assert_eq!(read(1, "|b1", &[1, 0]).data(), &[1.0, 0.0]);
        assert_eq!(read(1, ">i2", &[0xff, 0xfe, 0x01, 0x00]).data(), &[-2.0, 256.0]);
        assert_eq!(read(1, "<u2", &[0xff, 0xff, 1, 0]).data(), &[65535.0, 1.0]);
        assert_eq!(read(1, "<i4", &[0xfe, 0xff, 0xff, 0xff, 3, 0, 0, 0]).data(), &[-2.0, 3.0]);
        assert_eq!(read(1, ">u4", &[0, 0, 1, 0, 0, 0, 0, 7]).data(), &[256.0, 7.0]);
        let i8s: Vec<u8> = (-5i64).to_le_bytes().into_iter().chain(9i64.to_le_bytes()).collect();
        assert_eq!(read(1, "<i8", &i8s).data(), &[-5.0, 9.0]);
        let u8s: Vec<u8> = 5u64.to_be_bytes().into_iter().chain(9u64.to_be_bytes()).collect();
        assert_eq!(read(1, ">u8", &u8s).data(), &[5.0, 9.0]);
        let scalar = parse_npy(p, &npy(1, &hdr("<f4", "()"), &2.5f32.to_le_bytes())).unwrap();
        assert_eq!((scalar.shape(), scalar.data()), (&[][..], &[2.5][..]));
    }

    #[test]
    fn round_trip_through_a_file() {
        let dir = TempDir::new("npy");
        for shape in [vec![2, 3], vec![4], vec![0, 5], vec![1, 2, 1, 2]] {
            let n = shape.iter().product::<usize>();
            let t = Tensor::new((0..n).map(|v| v as f32 * 0.5 - 1.0).collect(), shape).unwrap();
            let p = dir.file("r.npy");
            write_npy(&p, &t).unwrap();
            let bytes = std::fs::read(&p).unwrap();
            assert_eq!((bytes.len() - 4 * n) % 64, 0, "header is padded to 64 bytes");
            assert_eq!(read_npy(&p).unwrap(), t);
        }
        // A header too long for format 1.0 switches to 2.0.
        let t = Tensor::new(vec![3.0], vec![1; 25_000]).unwrap();
        let bytes = encode_npy(&t);
        assert_eq!((bytes[6], (bytes.len() - 4) % 64), (2, 0));
        assert_eq!(parse_npy(Path::new("v2.npy"), &bytes).unwrap(), t);
    }

    #[test]
    fn bad_files_are_format_errors_naming_the_problem() {
        let dir = TempDir::new("npy-bad");
        let good = encode_npy(&Tensor::new(vec![1.0; 6], vec![2, 3]).unwrap());
        let fortran = npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", &[0; 8]);
        let mut ver = good.clone();
        ver[6] = 9;
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "trunc.npy",
                good[..good.len() - 3].to_vec(),
                "truncated: shape [2, 3] of <f4 needs 24 data bytes",
            ),
            ("extra.npy", [good.clone(), vec![0]].concat(), "trailing data"),
            ("magic.npy", b"PK\x03\x04 not npy".to_vec(), "bad magic"),
            ("short.npy", good[..30].to_vec(), "runs past the end"),
            ("tiny.npy", good[..7].to_vec(), "version bytes"),
            ("ver.npy", ver, "unsupported format version 9.0"),
            ("fortran.npy", fortran, "fortran_order"),
            (
                "huge.npy",
                npy(1, &hdr("<f8", "(1000000, 1000000)"), &[0; 8]),
                "needs 8000000000000 data bytes",
            ),
            ("over.npy", npy(1, &hdr("<f8", "(18446744073709551615, 4)"), &[]), "more than 2^64"),
            ("dtype.npy", npy(1, &hdr("<U8", "(1,)"), &[0; 32]), "unsupported dtype '<U8'"),
        ];
        for (name, bytes, want) in cases {
            let p = dir.file(name);
            std::fs::write(&p, &bytes).unwrap();
            let e = read_npy(&p).unwrap_err();
            let msg = e.to_string();
            assert!(matches!(e, Error::Format { .. }), "{msg}");
            assert!(msg.contains(name) && msg.contains(want), "{msg}");
        }
    }
}
