//! Shared helpers of the integration tests: reading the Keras fixtures in
//! `tests/fixtures/keras/` (see its README.md) and comparing numbers.

#![allow(dead_code)]

use anyhow::{Context, Result};
use serde_json::Value;
use std::path::PathBuf;
use tusk_core::Tensor;

/// `tests/fixtures/keras/<rel>`.
pub fn fixture_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras").join(rel)
}

/// The names (without `.json`) of the JSON files in `tests/fixtures/keras/<dir>`, sorted.
pub fn json_stems(dir: &str) -> Result<Vec<String>> {
    let dir = fixture_path(dir);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .map(|e| Ok(e?.path()))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    Ok(names)
}

/// Parses the JSON file `tests/fixtures/keras/<rel>`.
pub fn fixture(rel: &str) -> Result<Value> {
    let path = fixture_path(rel);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// A fixture tensor `{"shape": [...], "values": [...]}` (values are exact f32s printed as f64).
pub fn tensor(v: &Value) -> Result<Tensor> {
    let shape: Vec<usize> = serde_json::from_value(v["shape"].clone()).context("tensor shape")?;
    let values: Vec<f32> = v["values"]
        .as_array()
        .context("tensor values")?
        .iter()
        .map(|x| x.as_f64().map(|f| f as f32).context("tensor value is not a number"))
        .collect::<Result<_>>()?;
    Ok(Tensor::new(values, shape)?)
}

/// Just the values of a fixture tensor.
pub fn values(v: &Value) -> Result<Vec<f32>> {
    Ok(tensor(v)?.into_data())
}

/// Compares element by element: `|got - want| <= abs + rel * |want|`; the message names
/// the first offending index and how many are off.
pub fn assert_close(got: &[f32], want: &[f32], abs: f64, rel: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {} values, expected {}", got.len(), want.len());
    let bad: Vec<usize> = (0..got.len())
        .filter(|&i| {
            let (g, w) = (got[i] as f64, want[i] as f64);
            let ok = (g - w).abs() <= abs + rel * w.abs(); // false for NaN
            !ok
        })
        .collect();
    if let Some(&i) = bad.first() {
        panic!("{what}: {} of {} values differ; first at [{i}]: got {}, expected {}", bad.len(), got.len(), got[i], want[i]);
    }
}

/// A small deterministic generator (xorshift64*) so tests need no extra crates.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        let u = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * u
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// A tensor of `shape` with values uniform in `[lo, hi)`.
    pub fn tensor(&mut self, shape: &[usize], lo: f32, hi: f32) -> Tensor {
        let data = (0..shape.iter().product::<usize>()).map(|_| self.uniform(lo, hi)).collect();
        Tensor::new(data, shape.to_vec()).expect("sizes agree")
    }
}
