//! One entry point from "a file the user named" to a `Dataset`, for the CLI and Python layer.
//!
//! Contract of [`load`]: the format is `spec.format` or guessed from the extension
//! ([`Format::from_path`]). IDX and NPY read `x` from `path` and `y` from `labels` (any
//! format holding one array; CSV labels files give `[n]` for one column). CSV uses
//! `label_column`, else a column named `label` (any case) if the header has one, else no labels;
//! `.tsv`/`.tab` files are tab-separated. LibSVM always has labels. NPZ takes the pair `x`/`y`,
//! `x_train`/`y_train` (Keras' `mnist.npz`) or `features`/`labels`. Options that do not apply to
//! the format are `Config` errors; features and labels with different row counts are `Shape`
//! errors naming both files.

use std::path::{Path, PathBuf};

use tusk_core::Tensor;

use crate::csv::{read_csv_table, Column};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::{idx, libsvm, npy, npz};

/// The file formats tusk reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Idx,
    Csv,
    LibSvm,
    Npy,
    Npz,
}

impl Format {
    /// Guesses the format from the file name (`.gz` stripped first); a `Config` error naming
    /// the file when the name says nothing.
    pub fn from_path(path: &Path) -> Result<Format> {
        guess(path).ok_or_else(|| {
            Error::config(format!(
                "cannot tell the format of {} from its name; give one of idx, csv, tsv, libsvm, npy, npz",
                path.display()
            ))
        })
    }

    /// Parses a format name (any case): `idx`, `csv`, `tsv`, `libsvm`, `svm`, `svmlight`, `npy`, `npz`.
    pub fn parse(s: &str) -> Result<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "idx" | "ubyte" => Ok(Format::Idx),
            "csv" | "tsv" => Ok(Format::Csv),
            "libsvm" | "svm" | "svmlight" => Ok(Format::LibSvm),
            "npy" => Ok(Format::Npy),
            "npz" => Ok(Format::Npz),
            _ => Err(Error::config(format!(
                "unknown data format '{s}'; expected one of idx, csv, tsv, libsvm, npy, npz"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Idx => "IDX",
            Format::Csv => "CSV",
            Format::LibSvm => "LibSVM",
            Format::Npy => "NPY",
            Format::Npz => "NPZ",
        }
    }
}

/// What to load: a features file, optionally a separate labels file or label column.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataSpec {
    pub path: PathBuf,
    pub labels: Option<PathBuf>,
    pub label_column: Option<Column>,
    pub format: Option<Format>,
}

impl DataSpec {
    /// A spec for `path` with everything else guessed.
    pub fn new(path: impl Into<PathBuf>) -> DataSpec {
        DataSpec { path: path.into(), ..Default::default() }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        Format::parse(s)
    }
}

/// The format a file name suggests, if any.
fn guess(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit_once('.').map(|(_, e)| e);
    if name.ends_with("ubyte") || ext == Some("idx") {
        return Some(Format::Idx);
    }
    match ext? {
        "csv" | "tsv" | "tab" => Some(Format::Csv),
        "svm" | "libsvm" | "svmlight" | "txt" => Some(Format::LibSvm),
        "npy" => Some(Format::Npy),
        "npz" => Some(Format::Npz),
        _ => None,
    }
}

fn resolve(path: &Path, format: Option<Format>) -> Result<Format> {
    format.map_or_else(|| Format::from_path(path), Ok)
}

fn delimiter_for(path: &Path) -> u8 {
    let name =
        path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".tsv") || name.ends_with(".tab") {
        b'\t'
    } else {
        b','
    }
}

/// Reads a file holding one array (IDX, NPY, single-array NPZ, CSV without labels; a
/// one-column CSV gives shape `[n]`), for labels files.
pub fn read_tensor(path: &Path, format: Option<Format>) -> Result<Tensor> {
    match resolve(path, format)? {
        Format::Idx => idx::read_idx(path),
        Format::Npy => npy::read_npy(path),
        Format::Csv => {
            let t = read_csv_table(path, delimiter_for(path), None)?;
            let shape = if t.cols == 1 { vec![t.rows] } else { vec![t.rows, t.cols] };
            Ok(Tensor::new(t.data, shape)?)
        }
        Format::Npz => {
            let mut arrays = npz::read_npz(path)?;
            if arrays.len() == 1 {
                return Ok(arrays.remove(0).1);
            }
            Err(Error::config(format!(
                "{} holds {} arrays ({}); a labels file must hold exactly one",
                path.display(),
                arrays.len(),
                keys(&arrays)
            )))
        }
        Format::LibSvm => Err(Error::config(format!(
            "{} is LibSVM, which holds features and labels together; it cannot be a labels file",
            path.display()
        ))),
    }
}

fn keys(arrays: &[(String, Tensor)]) -> String {
    arrays.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", ")
}

/// Pairs features and labels, naming both sources if their row counts differ.
fn pair(x: Tensor, x_from: &str, y: Option<Tensor>, y_from: &str) -> Result<Dataset> {
    if let Some(y) = &y {
        if y.rows() != x.rows() {
            return Err(Error::shape(format!(
                "features in {x_from} have {} samples (shape {:?}) but labels in {y_from} have {} (shape {:?})",
                x.rows(),
                x.shape(),
                y.rows(),
                y.shape()
            )));
        }
    }
    Dataset::new(x, y)
}

/// Loads the dataset `spec` describes (see the module docs).
pub fn load(spec: &DataSpec) -> Result<Dataset> {
    let path = spec.path.as_path();
    let format = resolve(path, spec.format)?;
    let shown = path.display().to_string();
    if spec.label_column.is_some() && format != Format::Csv {
        return Err(Error::config(format!(
            "a label column applies only to CSV input, but {shown} is {}",
            format.name()
        )));
    }
    if spec.labels.is_some() && matches!(format, Format::LibSvm | Format::Npz) {
        return Err(Error::config(format!(
            "{shown} is {} and holds its own labels; a separate labels file cannot be used",
            format.name()
        )));
    }
    let labels = || -> Result<Option<Tensor>> {
        spec.labels.as_deref().map(|p| read_tensor(p, None)).transpose()
    };
    let labels_shown = spec.labels.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    match format {
        Format::Idx => pair(idx::read_idx(path)?, &shown, labels()?, &labels_shown),
        Format::Npy => pair(npy::read_npy(path)?, &shown, labels()?, &labels_shown),
        Format::LibSvm => libsvm::read_libsvm(path, None),
        Format::Npz => Ok(load_npz_split(path)?.0),
        Format::Csv => {
            if spec.labels.is_some() && spec.label_column.is_some() {
                return Err(Error::config(format!(
                    "give either a label column or a labels file for {shown}, not both"
                )));
            }
            let table = read_csv_table(path, delimiter_for(path), None)?;
            let column = match &spec.label_column {
                Some(c) => Some(table.column_index(path, c)?),
                None => table
                    .names
                    .as_ref()
                    .and_then(|n| n.iter().position(|h| h.eq_ignore_ascii_case("label"))),
            };
            if spec.labels.is_some() {
                let d = table.into_dataset(path, None)?;
                return pair(d.x, &shown, labels()?, &labels_shown);
            }
            table.into_dataset(path, column)
        }
    }
}

/// Reads an NPZ archive as `(train, test)`: train from `x`/`y`, `x_train`/`y_train` or
/// `features`/`labels`; test from `x_test`/`y_test` when the archive has `x_test`.
pub fn load_npz_split(path: impl AsRef<Path>) -> Result<(Dataset, Option<Dataset>)> {
    let path = path.as_ref();
    let mut arrays = npz::read_npz(path)?;
    let all = keys(&arrays);
    let mut take =
        |key: &str| arrays.iter().position(|(k, _)| k == key).map(|i| arrays.remove(i).1);
    let member = |key: &str| format!("{}:{key}", path.display());
    let mut train = None;
    for (xk, yk) in [("x", "y"), ("x_train", "y_train"), ("features", "labels")] {
        if let Some(x) = take(xk) {
            train = Some(pair(x, &member(xk), take(yk), &member(yk))?);
            break;
        }
    }
    let test = match take("x_test") {
        Some(x) => Some(pair(x, &member("x_test"), take("y_test"), &member("y_test"))?),
        None => None,
    };
    match train {
        Some(train) => Ok((train, test)),
        None => Err(Error::format(
            path,
            format!(
                "no features array: expected key 'x', 'x_train' or 'features'; archive has: {all}"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_names() {
        let f = |p: &str| Format::from_path(Path::new(p)).ok();
        assert_eq!(f("/d/train-images-idx3-ubyte.gz"), Some(Format::Idx));
        assert_eq!(f("labels.idx1-ubyte"), Some(Format::Idx));
        assert_eq!(f("a.IDX"), Some(Format::Idx));
        assert_eq!(f("iris.csv.gz"), Some(Format::Csv));
        assert_eq!(f("iris.tsv"), Some(Format::Csv));
        assert_eq!(f("a9a.txt"), Some(Format::LibSvm));
        assert_eq!(f("a.libsvm"), Some(Format::LibSvm));
        assert_eq!(f("x.npy"), Some(Format::Npy));
        assert_eq!(f("mnist.npz"), Some(Format::Npz));
        assert_eq!(f("data.parquet"), None);
        assert_eq!(f("noext"), None);
        assert_eq!(delimiter_for(Path::new("a.TSV.gz")), b'\t');
        assert_eq!(delimiter_for(Path::new("a.csv")), b',');
        assert_eq!(Format::parse("LibSVM").unwrap(), Format::LibSvm);
        assert_eq!("tsv".parse::<Format>().unwrap(), Format::Csv);
        let msg = Format::parse("parquet").unwrap_err().to_string();
        assert!(msg.contains("'parquet'") && msg.contains("npz"), "{msg}");
        let msg = load(&DataSpec::new("data.parquet")).unwrap_err().to_string();
        assert!(msg.contains("data.parquet") && msg.contains("cannot tell the format"), "{msg}");
    }
}
