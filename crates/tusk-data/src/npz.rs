//! NumPy `.npz` archives (a zip of `.npy` members, stored or deflated) to and from tensors.
//!
//! Contract: [`read_npz`] returns every member in archive order as `(name, tensor)` with the
//! `.npy` suffix stripped (directory entries are skipped). Errors name the archive and, for a
//! member, `archive.npz:member.npy` plus what is wrong with it (see [`crate::npy::parse_npy`]).
//! [`write_npz`] writes each tensor as a deflated `<name>.npy` holding `<f4`
//! (what `np.savez_compressed` produces); `np.load` reads it back.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use tusk_core::Tensor;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::error::{Error, Result};
use crate::npy::{encode_npy, parse_npy};

/// Reads all arrays of a `.npz` archive, in archive order.
pub fn read_npz(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut archive = ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| Error::format(path, format!("not a readable zip archive (.npz): {e}")))?;
    let mut out = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| Error::format(path, format!("cannot open archive member #{i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        let member = PathBuf::from(format!("{}:{name}", path.display()));
        // Inflated no further than the size the archive declares (plus one byte to see a lie):
        // a small deflated member cannot grow into gigabytes before it is refused.
        let declared = entry.size();
        let mut bytes = Vec::with_capacity(declared.min(1 << 26) as usize);
        (&mut entry)
            .take(declared.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| Error::format(&member, format!("cannot decompress member: {e}")))?;
        if bytes.len() as u64 > declared {
            return Err(Error::format(&member, format!("the member inflates past the {declared} bytes the archive declares for it")));
        }
        let tensor = parse_npy(&member, &bytes)?;
        let key = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        out.push((key, tensor));
    }
    Ok(out)
}

/// Writes `arrays` as a deflated `.npz` archive; each name gets a `.npy` suffix if it lacks one.
pub fn write_npz(path: impl AsRef<Path>, arrays: &[(&str, &Tensor)]) -> Result<()> {
    let path = path.as_ref();
    let io = |e: std::io::Error| Error::io(path, e);
    let zip_err = |e: zip::result::ZipError| Error::io(path, std::io::Error::other(e));
    let file = std::fs::File::create(path).map_err(io)?;
    let mut zip = ZipWriter::new(std::io::BufWriter::new(file));
    for (name, t) in arrays {
        let bytes = encode_npy(t);
        let opts = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        let member = if name.ends_with(".npy") { name.to_string() } else { format!("{name}.npy") };
        zip.start_file(member, opts).map_err(zip_err)?;
        zip.write_all(&bytes).map_err(io)?;
    }
    let mut w = zip.finish().map_err(zip_err)?;
    w.flush().map_err(io)
}

/// The tensor stored under `key`, if any.
pub fn find<'a>(arrays: &'a [(String, Tensor)], key: &str) -> Option<&'a Tensor> {
    arrays.iter().find(|(k, _)| k == key).map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fileio::testutil::TempDir;

    #[test]
    fn round_trip_keeps_order_and_names() {
        let dir = TempDir::new("npz");
        let a = Tensor::new(vec![1.0, 2.0, 3.0, 4.0], vec![2, 2]).unwrap();
        let b = Tensor::new(vec![7.0], vec![1]).unwrap();
        let p = dir.file("a.npz");
        write_npz(&p, &[("x_train", &a), ("y_train.npy", &b)]).unwrap();
        let back = read_npz(&p).unwrap();
        assert_eq!(back, vec![("x_train".to_string(), a.clone()), ("y_train".to_string(), b)]);
        assert_eq!(find(&back, "x_train"), Some(&a));
        assert_eq!(find(&back, "nope"), None);
    }

    #[test]
    fn reads_stored_members_too() {
        let dir = TempDir::new("npz-stored");
        let p = dir.file("s.npz");
        let t = Tensor::new(vec![0.5; 3], vec![3]).unwrap();
        let mut zip = ZipWriter::new(std::fs::File::create(&p).unwrap());
        let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        zip.start_file("arr_0.npy", opts).unwrap();
        zip.write_all(&encode_npy(&t)).unwrap();
        zip.finish().unwrap();
        assert_eq!(read_npz(&p).unwrap(), vec![("arr_0".to_string(), t)]);
    }

    #[test]
    fn bad_archives_name_archive_and_member() {
        let dir = TempDir::new("npz-bad");
        let p = dir.file("junk.npz");
        std::fs::write(&p, b"this is not a zip file").unwrap();
        let msg = read_npz(&p).unwrap_err().to_string();
        assert!(msg.contains("junk.npz") && msg.contains("zip"), "{msg}");

        let p = dir.file("member.npz");
        let mut zip = ZipWriter::new(std::fs::File::create(&p).unwrap());
        zip.start_file("w.npy", SimpleFileOptions::default()).unwrap();
        let good = encode_npy(&Tensor::new(vec![1.0; 8], vec![8]).unwrap());
        zip.write_all(&good[..good.len() - 4]).unwrap();
        zip.finish().unwrap();
        let msg = read_npz(&p).unwrap_err().to_string();
        assert!(msg.contains("member.npz:w.npy") && msg.contains("truncated"), "{msg}");

        let p = dir.file("cut.npz");
        write_npz(&p, &[("x", &Tensor::new(vec![1.0; 1000], vec![1000]).unwrap())]).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
        let e = read_npz(&p).unwrap_err();
        assert!(matches!(e, Error::Format { .. }) && e.to_string().contains("cut.npz"), "{e}");
    }

    #[test]
    fn a_member_that_inflates_past_its_declared_size_is_refused_there() {
        let dir = TempDir::new("npz-bomb");
        let p = dir.file("bomb.npz");
        write_npz(&p, &[("x", &Tensor::new(vec![0.0; 100_000], vec![100_000]).unwrap())]).unwrap();
        // Declare 1000 bytes in the local and central headers; the deflated data holds 400 kB.
        let mut bytes = std::fs::read(&p).unwrap();
        let patch = |bytes: &mut Vec<u8>, signature: &[u8], offset: usize| {
            let at = bytes.windows(4).position(|w| w == signature).unwrap();
            bytes[at + offset..at + offset + 4].copy_from_slice(&1000u32.to_le_bytes());
        };
        patch(&mut bytes, b"PK\x03\x04", 22);
        patch(&mut bytes, b"PK\x01\x02", 24);
        std::fs::write(&p, &bytes).unwrap();
        let msg = read_npz(&p).unwrap_err().to_string();
        assert!(msg.contains("bomb.npz:x.npy") && msg.contains("inflates past the 1000 bytes"), "{msg}");
    }
}
