//! LibSVM / SVMlight text to a dense `Dataset`.
//!
//! Format: one sample per line, `label idx:val idx:val ...` separated by whitespace; indices are
//! 1-based and strictly ascending; `#` starts a comment; blank lines are skipped; a `qid:N`
//! token (ranking data) is accepted and ignored. Gzip is detected by magic.
//!
//! Contract: [`read_libsvm`] gives `x` of shape `[rows, n_features]` (missing entries are 0) and
//! `y` of shape `[rows]`. `n_features: None` uses the largest index seen; `Some(n)` fixes the width
//! and makes a larger index an error. Errors name the file, the line and the bad token.

use std::path::Path;

use tusk_core::Tensor;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::fileio::{as_text, read_maybe_gz, try_zeros};

/// Reads a LibSVM file into a dense dataset (see the module docs).
pub fn read_libsvm(path: impl AsRef<Path>, n_features: Option<usize>) -> Result<Dataset> {
    let path = path.as_ref();
    let bytes = read_maybe_gz(path)?;
    let text = as_text(path, &bytes)?;
    let mut labels = Vec::new();
    // Sparse entries of all rows; `starts[r]..starts[r + 1]` are row r's.
    let mut starts = vec![0usize];
    let mut cols: Vec<usize> = Vec::new();
    let mut vals: Vec<f32> = Vec::new();
    let mut max_index = 0usize;
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let err = |m: String| Error::format(path, format!("line {lineno}: {m}"));
        let content = line.split_once('#').map_or(line, |(c, _)| c);
        let mut tokens = content.split_whitespace();
        let Some(label) = tokens.next() else { continue };
        let label: f32 =
            label.parse().map_err(|_| err(format!("bad label '{label}' (expected a number)")))?;
        let mut prev = 0usize;
        for tok in tokens {
            let Some((key, val)) = tok.split_once(':') else {
                return Err(err(format!("bad token '{tok}' (expected index:value)")));
            };
            if key == "qid" {
                continue;
            }
            let idx: usize =
                key.parse().map_err(|_| err(format!("bad feature index in token '{tok}'")))?;
            if idx == 0 {
                return Err(err(format!("feature index 0 in token '{tok}' (indices are 1-based)")));
            }
            if idx <= prev {
                return Err(err(format!(
                    "feature indices must be ascending: {idx} in token '{tok}' follows {prev}"
                )));
            }
            if let Some(n) = n_features {
                if idx > n {
                    return Err(err(format!("feature index {idx} exceeds n_features = {n}")));
                }
            }
            let v: f32 =
                val.parse().map_err(|_| err(format!("bad feature value in token '{tok}'")))?;
            prev = idx;
            max_index = max_index.max(idx);
            cols.push(idx - 1);
            vals.push(v);
        }
        labels.push(label);
        starts.push(cols.len());
    }
    let rows = labels.len();
    if rows == 0 {
        return Err(Error::format(path, "no samples (every line is blank or a comment)"));
    }
    let width = n_features.unwrap_or(max_index);
    let total = rows.checked_mul(width).filter(|&t| t <= isize::MAX as usize / 4);
    let Some(mut dense) = try_zeros(total) else {
        return Err(Error::format(
            path,
            format!("a dense matrix of {rows} rows x {width} features is too large to allocate"),
        ));
    };
    for r in 0..rows {
        for k in starts[r]..starts[r + 1] {
            dense[r * width + cols[k]] = vals[k];
        }
    }
    let x = Tensor::new(dense, vec![rows, width])?;
    Dataset::new(x, Some(Tensor::new(labels, vec![rows])?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fileio::testutil::TempDir;

    fn svm(dir: &TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.file(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_sparse_rows_densely() {
        let dir = TempDir::new("svm");
        let text = "# a comment\n+1 1:0.5 3:2 # trailing\n\n-1 qid:7 2:-1\n0\n";
        let p = svm(&dir, "a.svm", text);
        let d = read_libsvm(&p, None).unwrap();
        assert_eq!(d.x.shape(), &[3, 3]);
        assert_eq!(d.x.data(), &[0.5, 0.0, 2.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(d.y.unwrap().data(), &[1.0, -1.0, 0.0]);
        let d = read_libsvm(&p, Some(5)).unwrap();
        assert_eq!(d.x.shape(), &[3, 5]);
    }

    #[test]
    fn errors_name_file_line_and_token() {
        let dir = TempDir::new("svm-bad");
        let cases = [
            ("tok.svm", "1 1:2\n1 3\n", "line 2: bad token '3'"),
            ("val.svm", "1 1:x\n", "line 1: bad feature value in token '1:x'"),
            ("lab.svm", "1 1:1\n\nyes 1:1\n", "line 3: bad label 'yes'"),
            ("zero.svm", "1 0:1\n", "feature index 0"),
            ("desc.svm", "1 4:1 2:1\n", "ascending: 2 in token '2:1' follows 4"),
            ("dup.svm", "1 2:1 2:1\n", "ascending"),
            ("empty.svm", "# nothing\n\n", "no samples"),
        ];
        for (name, text, want) in cases {
            let p = svm(&dir, name, text);
            let msg = read_libsvm(&p, None).unwrap_err().to_string();
            assert!(msg.contains(name) && msg.contains(want), "{msg}");
        }
        let p = svm(&dir, "wide.svm", "1 9:1\n");
        let msg = read_libsvm(&p, Some(4)).unwrap_err().to_string();
        assert!(msg.contains("wide.svm") && msg.contains("exceeds n_features = 4"), "{msg}");
        let p = svm(&dir, "huge.svm", "1 1:1\n1 4000000000000000000:1\n");
        let msg = read_libsvm(&p, None).unwrap_err().to_string();
        assert!(msg.contains("huge.svm") && msg.contains("too large"), "{msg}");
    }
}
