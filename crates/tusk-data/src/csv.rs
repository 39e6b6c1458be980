//! Numeric CSV (or TSV, any one-byte ASCII delimiter) to and from `Dataset`/`Tensor`.
//!
//! Input: one sample per line, all cells numbers (parsed as `f32`; `nan`/`inf` accepted and
//! caught later by `Dataset::check`), fields optionally double-quoted (`""` escapes a quote;
//! quoted fields may not span lines), blank lines skipped, a UTF-8 BOM and `\r\n` tolerated,
//! gzip detected by magic. A header row is auto-detected (first row has a non-numeric field)
//! unless [`CsvOptions::header`] says otherwise.
//!
//! Contract: [`read_csv`] gives `x` of shape `[rows, cols]`, or `[rows, cols - 1]` with the label
//! column removed and `y` of shape `[rows]`. Errors give the line number (1-based, counting
//! every physical line) and, for cells, the 1-based column and its header name.

use std::fmt;
use std::path::Path;

use tusk_core::Tensor;

use crate::csv_line::{check_delimiter, split_line};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::fileio::{as_text, read_maybe_gz};

/// A column chosen by header name or by 0-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    Name(String),
    Index(usize),
}

impl Column {
    /// All digits => `Index` (0-based), anything else => `Name`.
    pub fn parse(s: &str) -> Column {
        match s.parse::<usize>() {
            Ok(i) if s.bytes().all(|b| b.is_ascii_digit()) => Column::Index(i),
            _ => Column::Name(s.to_string()),
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Name(n) => write!(f, "'{n}'"),
            Column::Index(i) => write!(f, "#{i}"),
        }
    }
}

/// How to read a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// The column holding labels; `None` => no labels.
    pub label_column: Option<Column>,
    /// Field separator, an ASCII byte (`b','`, `b'\t'`, `b';'`, ...).
    pub delimiter: u8,
    /// `Some(true)`: first row is a header; `Some(false)`: it is data; `None`: auto-detect.
    pub header: Option<bool>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { label_column: None, delimiter: b',', header: None }
    }
}

/// A parsed numeric table: `data` is row-major `rows x cols`.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvTable {
    pub names: Option<Vec<String>>,
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

/// Reads a numeric CSV file into a table (see the module docs).
pub fn read_csv_table(
    path: impl AsRef<Path>,
    delimiter: u8,
    header: Option<bool>,
) -> Result<CsvTable> {
    let path = path.as_ref();
    check_delimiter(delimiter)?;
    let bytes = read_maybe_gz(path)?;
    let text = as_text(path, &bytes)?;
    let mut fields = Vec::new();
    let mut names: Option<Vec<String>> = None;
    let mut first_line = 0;
    let mut cols = 0;
    let mut data = Vec::new();
    let mut rows = 0;
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        split_line(line, delimiter, &mut fields)
            .map_err(|m| Error::format(path, format!("line {lineno}: {m}")))?;
        if first_line == 0 {
            first_line = lineno;
            cols = fields.len();
            // Auto-detect: a non-empty, non-numeric field (empty cells are data errors).
            let is_header = header.unwrap_or_else(|| {
                fields.iter().any(|f| !f.is_empty() && f.parse::<f32>().is_err())
            });
            if is_header {
                names = Some(fields.iter().map(|f| f.to_string()).collect());
                continue;
            }
        }
        if fields.len() != cols {
            return Err(Error::format(
                path,
                format!(
                    "line {lineno} has {} fields, expected {cols} (as in line {first_line})",
                    fields.len()
                ),
            ));
        }
        for (c, f) in fields.iter().enumerate() {
            let v = f.parse::<f32>().map_err(|_| {
                let name = names
                    .as_ref()
                    .and_then(|n| n.get(c))
                    .map(|n| format!(" ('{n}')"))
                    .unwrap_or_default();
                let what = if f.is_empty() {
                    "empty cell".to_string()
                } else {
                    format!("cannot parse '{f}' as a number")
                };
                Error::format(path, format!("line {lineno}, column {}{name}: {what}", c + 1))
            })?;
            data.push(v);
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(Error::format(path, "no data rows"));
    }
    Ok(CsvTable { names, rows, cols, data })
}

impl CsvTable {
    /// The 0-based index of `col`; errors name `path` and list the available column names.
    pub fn column_index(&self, path: &Path, col: &Column) -> Result<usize> {
        match col {
            Column::Index(i) if *i < self.cols => Ok(*i),
            Column::Index(i) => Err(Error::config(format!(
                "label column index {i} is out of range for {} with {} columns (indices are 0-based)",
                path.display(),
                self.cols
            ))),
            Column::Name(n) => match &self.names {
                None => Err(Error::config(format!(
                    "label column '{n}' given by name but {} has no header row; use a 0-based column index",
                    path.display()
                ))),
                Some(names) => names.iter().position(|h| h == n).ok_or_else(|| {
                    Error::config(format!(
                        "unknown label column '{n}' in {}; available columns: {}",
                        path.display(),
                        names.join(", ")
                    ))
                }),
            },
        }
    }

    /// Splits off column `label` (if any) as `y`; the rest is `x` of shape `[rows, features]`.
    pub fn into_dataset(self, path: &Path, label: Option<usize>) -> Result<Dataset> {
        let Some(l) = label else {
            return Dataset::new(Tensor::new(self.data, vec![self.rows, self.cols])?, None);
        };
        if self.cols < 2 || l >= self.cols {
            return Err(Error::config(format!(
                "{} has {} column(s): nothing is left for features after taking label column {l}",
                path.display(),
                self.cols
            )));
        }
        let mut x = Vec::with_capacity(self.rows * (self.cols - 1));
        let mut y = Vec::with_capacity(self.rows);
        for row in self.data.chunks_exact(self.cols) {
            x.extend_from_slice(&row[..l]);
            x.extend_from_slice(&row[l + 1..]);
            y.push(row[l]);
        }
        let x = Tensor::new(x, vec![self.rows, self.cols - 1])?;
        Dataset::new(x, Some(Tensor::new(y, vec![self.rows])?))
    }
}

/// Reads a numeric CSV file into a `Dataset` (labels only if `opts.label_column` is set).
pub fn read_csv(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<Dataset> {
    let path = path.as_ref();
    let table = read_csv_table(path, opts.delimiter, opts.header)?;
    let label = opts.label_column.as_ref().map(|c| table.column_index(path, c)).transpose()?;
    table.into_dataset(path, label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fileio::testutil::TempDir;

    fn csv_file(dir: &TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.file(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn column_parse() {
        assert_eq!(Column::parse("3"), Column::Index(3));
        assert_eq!(Column::parse("label"), Column::Name("label".into()));
        assert_eq!(Column::parse("+3"), Column::Name("+3".into()));
        assert_eq!(Column::parse(""), Column::Name(String::new()));
    }

    #[test]
    fn reads_header_label_and_quotes() {
        let dir = TempDir::new("csv");
        let p = csv_file(&dir, "a.csv", "\u{feff}a, \"b,x\",label\r\n1,2,0\r\n\n3,\"4.5\",1\r\n");
        let opts = CsvOptions { label_column: Some(Column::parse("label")), ..Default::default() };
        let d = read_csv(&p, &opts).unwrap();
        assert_eq!(d.x.shape(), &[2, 2]);
        assert_eq!(d.x.data(), &[1.0, 2.0, 3.0, 4.5]);
        assert_eq!(d.y.unwrap().data(), &[0.0, 1.0]);
        let t = read_csv_table(&p, b',', None).unwrap();
        assert_eq!(t.names.unwrap(), vec!["a", "b,x", "label"]);
    }

    #[test]
    fn no_header_tab_delimiter_and_index_label() {
        let dir = TempDir::new("csv-tab");
        let p = csv_file(&dir, "a.tsv", "0\t1.5\t2\n1\t-3\t4e1\n");
        let opts =
            CsvOptions { label_column: Some(Column::Index(0)), delimiter: b'\t', header: None };
        let d = read_csv(&p, &opts).unwrap();
        assert_eq!(d.x.data(), &[1.5, 2.0, -3.0, 40.0]);
        assert_eq!(d.y.unwrap().data(), &[0.0, 1.0]);
        let forced = CsvOptions { header: Some(true), delimiter: b'\t', ..Default::default() };
        assert_eq!(read_csv(&p, &forced).unwrap().len(), 1);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let dir = TempDir::new("csv-bad");
        let p = csv_file(&dir, "ragged.csv", "a,b\n1,2\n3\n");
        let msg = read_csv(&p, &CsvOptions::default()).unwrap_err().to_string();
        assert!(
            msg.contains("ragged.csv") && msg.contains("line 3 has 1 fields, expected 2"),
            "{msg}"
        );
        let p = csv_file(&dir, "cell.csv", "a,b\n1,2\n3,x7\n");
        let msg = read_csv(&p, &CsvOptions::default()).unwrap_err().to_string();
        assert!(
            msg.contains("cell.csv")
                && msg.contains("line 3, column 2 ('b')")
                && msg.contains("'x7'"),
            "{msg}"
        );
        let p = csv_file(&dir, "quote.csv", "1,\"2\n");
        let msg = read_csv(&p, &CsvOptions::default()).unwrap_err().to_string();
        assert!(
            msg.contains("quote.csv") && msg.contains("line 1") && msg.contains("unterminated"),
            "{msg}"
        );
        let p = csv_file(&dir, "gap.csv", "1,,2\n");
        let msg = read_csv(&p, &CsvOptions::default()).unwrap_err().to_string();
        assert!(msg.contains("gap.csv") && msg.contains("line 1, column 2: empty cell"), "{msg}");
        let p = csv_file(&dir, "empty.csv", "a,b\n\n");
        let msg = read_csv(&p, &CsvOptions::default()).unwrap_err().to_string();
        assert!(msg.contains("empty.csv") && msg.contains("no data rows"), "{msg}");
    }

    #[test]
    fn label_column_errors() {
        let dir = TempDir::new("csv-label");
        let p = csv_file(&dir, "h.csv", "sepal,petal,kind\n1,2,0\n");
        let opts =
            CsvOptions { label_column: Some(Column::parse("species")), ..Default::default() };
        let msg = read_csv(&p, &opts).unwrap_err().to_string();
        assert!(
            msg.contains("h.csv")
                && msg.contains("'species'")
                && msg.contains("sepal, petal, kind"),
            "{msg}"
        );
        let opts = CsvOptions { label_column: Some(Column::Index(3)), ..Default::default() };
        let msg = read_csv(&p, &opts).unwrap_err().to_string();
        assert!(msg.contains("h.csv") && msg.contains("out of range"), "{msg}");
        let p = csv_file(&dir, "n.csv", "1,2,0\n");
        let opts = CsvOptions { label_column: Some(Column::parse("kind")), ..Default::default() };
        let msg = read_csv(&p, &opts).unwrap_err().to_string();
        assert!(msg.contains("n.csv") && msg.contains("no header"), "{msg}");
        let bad = CsvOptions { delimiter: b'"', ..Default::default() };
        assert!(matches!(read_csv(&p, &bad), Err(Error::Config(_))));
    }
}
