//! Small file helpers shared by the readers: whole-file reads with `Io` errors that name the
//! path, transparent gzip (detected by the magic bytes `1f 8b`, never by extension), UTF-8 text
//! decoding with a byte offset on failure, writes that gzip when the path ends in `.gz`, and a
//! fallible zeroed allocation for dense outputs whose size comes from untrusted input.

use std::io::{Read, Write};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};

/// The two magic bytes that start every gzip stream.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Deflate cannot expand data by more than about 1032:1; a header that claims more is lying.
pub const MAX_DEFLATE_RATIO: u64 = 1032;

/// True if `bytes` starts with the gzip magic.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Reads a whole file.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// Reads a whole file, decompressing it if it is gzip.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let bytes = read_file(path)?;
    if is_gzip(&bytes) {
        gunzip(path, &bytes)
    } else {
        Ok(bytes)
    }
}

/// Decompresses a whole gzip stream held in memory; a corrupt or truncated stream is a `Format`
/// error naming `path`.
pub fn gunzip(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes).read_to_end(&mut out).map_err(|e| gzip_error(path, out.len(), e))?;
    Ok(out)
}

/// Maps an error from a gzip decoder into a `Format` error saying how far decoding got.
pub fn gzip_error(path: &Path, decoded: usize, e: std::io::Error) -> Error {
    let what = if e.kind() == std::io::ErrorKind::UnexpectedEof {
        "truncated gzip stream"
    } else {
        "corrupt gzip stream"
    };
    Error::format(path, format!("{what} after {decoded} decompressed bytes: {e}"))
}

/// Decodes `bytes` as UTF-8 text (a leading byte-order mark is dropped).
pub fn as_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        Error::format(path, format!("line {line}: invalid UTF-8 at byte offset {at}"))
    })
}

/// True if the path's file name ends in `.gz` (any case).
pub fn has_gz_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// Writes `bytes` to `path`, gzip-compressed if the path ends in `.gz`.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e| Error::io(path, e);
    if has_gz_extension(path) {
        let file = std::fs::File::create(path).map_err(io)?;
        let mut enc = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        enc.write_all(bytes).map_err(io)?;
        enc.finish().map_err(io)?.sync_all().map_err(io)
    } else {
        std::fs::write(path, bytes).map_err(io)
    }
}

/// A zeroed vector of `len` values, or `None` if `len` is `None` (an overflowed size) or the
/// allocation fails; never aborts the process for a size read from a file.
pub fn try_zeros(len: Option<usize>) -> Option<Vec<f32>> {
    let len = len?;
    let mut v = Vec::new();
    v.try_reserve_exact(len).ok()?;
    v.resize(len, 0.0);
    Some(v)
}

#[cfg(test)]
pub(crate) mod testutil {
    //! A temporary directory removed on drop (no extra dependency).
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new(tag: &str) -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir()
                .join(format!("tusk-data-unit-{}-{n}-{tag}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
        pub fn file(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::TempDir;
    use super::*;

    #[test]
    fn gz_round_trip_is_detected_by_magic() {
        let dir = TempDir::new("fileio");
        let gz = dir.file("a.txt.gz");
        write_file(&gz, b"hello").unwrap();
        assert!(is_gzip(&read_file(&gz).unwrap()));
        assert_eq!(read_maybe_gz(&gz).unwrap(), b"hello");
        // Same gzip bytes under a name without .gz are still decompressed.
        let plain = dir.file("b.txt");
        std::fs::copy(&gz, &plain).unwrap();
        assert_eq!(read_maybe_gz(&plain).unwrap(), b"hello");
    }

    #[test]
    fn truncated_gzip_is_a_format_error() {
        let dir = TempDir::new("fileio-trunc");
        let gz = dir.file("t.gz");
        write_file(&gz, &[7u8; 1000]).unwrap();
        let bytes = read_file(&gz).unwrap();
        std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
        let msg = read_maybe_gz(&gz).unwrap_err().to_string();
        assert!(msg.contains("t.gz") && msg.contains("gzip"), "{msg}");
    }

    #[test]
    fn bad_utf8_names_the_line() {
        let msg = as_text(Path::new("x.csv"), b"a,b\n1,\xff\n").unwrap_err().to_string();
        assert!(msg.contains("x.csv") && msg.contains("line 2"), "{msg}");
    }
}
