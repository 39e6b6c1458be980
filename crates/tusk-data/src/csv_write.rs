//! Writing tensors as CSV text: one line per sample (values flattened), for predictions.
//!
//! Contract: [`write_csv`] writes `t.rows()` lines of `t.row_len()` comma-separated values in
//! Rust's shortest round-trip float format (so [`crate::csv::read_csv`] reads back the same
//! `f32`s), after an optional header whose names are quoted when they contain a delimiter,
//! quote, newline or surrounding spaces. A path ending in `.gz` is gzip-compressed.

use std::borrow::Cow;
use std::path::Path;

use tusk_core::Tensor;

use crate::csv_line::quote;
use crate::error::{Error, Result};
use crate::fileio::write_file;

/// Writes one comma-separated line per sample of `t` (its values flattened), after an optional
/// header whose length must equal the values per sample. Gzip if `path` ends in `.gz`.
pub fn write_csv(path: impl AsRef<Path>, t: &Tensor, header: Option<&[String]>) -> Result<()> {
    let path = path.as_ref();
    if t.shape().is_empty() {
        return Err(Error::shape(format!(
            "cannot write {}: tensor is a scalar, CSV needs rows",
            path.display()
        )));
    }
    let width = t.row_len();
    let mut out = String::new();
    if let Some(h) = header {
        if h.len() != width {
            return Err(Error::shape(format!(
                "cannot write {}: header has {} names but each sample has {width} values (shape {:?})",
                path.display(),
                h.len(),
                t.shape()
            )));
        }
        let h: Vec<Cow<str>> = h.iter().map(|s| quote(s)).collect();
        out.push_str(&h.join(","));
        out.push('\n');
    }
    for i in 0..t.rows() {
        for (j, v) in t.row(i).iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str(&v.to_string());
        }
        out.push('\n');
    }
    write_file(path, out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::read_csv_table;
    use crate::fileio::testutil::TempDir;

    #[test]
    fn write_then_read_round_trip() {
        let dir = TempDir::new("csv-write");
        let t = Tensor::new(vec![0.1, -2.0, 1e-7, 3.5e20, 0.0, 1.0], vec![3, 2]).unwrap();
        let p = dir.file("pred.csv.gz");
        let names = vec!["p0".to_string(), "a \"q\", b".to_string()];
        write_csv(&p, &t, Some(&names)).unwrap();
        let back = read_csv_table(&p, b',', None).unwrap();
        assert_eq!(back.names.unwrap(), names);
        assert_eq!(back.data, t.data());
        let p = dir.file("v.csv");
        write_csv(&p, &Tensor::new(vec![1.0, 2.0], vec![2]).unwrap(), None).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "1\n2\n");
        let msg = write_csv(&p, &t, Some(&names[..1])).unwrap_err().to_string();
        assert!(msg.contains("v.csv") && msg.contains("header has 1 names"), "{msg}");
    }
}
