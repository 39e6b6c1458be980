//! Compression of the weight deltas that workers commit.
//!
//! [`Compression`] is the setting, written `none`, `fp16`, `bf16` or `topk:F` (F, the fraction of
//! elements sent, in (0, 1]). A [`Compressor`] turns a worker's dense delta into a [`Delta`]:
//! `none` copies it, `fp16`/`bf16` round every element to 16 bits, `topk:F` sends the
//! k = max(1, ceil(F·n)) largest-magnitude elements (indices ascending) and keeps the rest in a
//! residual that is added to the next delta (error feedback), so nothing is lost, only delayed.
//! A `Delta` always stands for `len()` logical `f32` elements, whatever its encoding.

use crate::error::{Error, Result};
use half::slice::{HalfBitsSliceExt, HalfFloatSliceExt};
use half::{bf16, f16};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Compression {
    None,
    Fp16,
    Bf16,
    /// Top-k with error feedback; the fraction of elements sent, in (0, 1].
    TopK(f32),
}

impl Compression {
    pub fn parse(s: &str) -> Result<Compression> {
        match s {
            "none" => Ok(Compression::None),
            "fp16" => Ok(Compression::Fp16),
            "bf16" => Ok(Compression::Bf16),
            _ => {
                let Some(fraction) = s.strip_prefix("topk:") else {
                    return Err(Error::config(format!(
                        "unknown compression {s:?}: expected none, fp16, bf16 or topk:F with F in (0, 1]"
                    )));
                };
                match fraction.parse::<f32>() {
                    Ok(f) if f > 0.0 && f <= 1.0 => Ok(Compression::TopK(f)),
                    _ => Err(Error::config(format!("compression {s:?}: the top-k fraction must be a number in (0, 1]"))),
                }
            }
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compression::None => f.write_str("none"),
            Compression::Fp16 => f.write_str("fp16"),
            Compression::Bf16 => f.write_str("bf16"),
            Compression::TopK(fraction) => write!(f, "topk:{fraction}"),
        }
    }
}

impl Serialize for Compression {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Compression {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Compression::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A committed weight delta as it travels.
#[derive(Clone, Debug, PartialEq)]
pub enum Delta {
    Dense(Vec<f32>),
    /// IEEE half-precision bits.
    F16(Vec<u16>),
    /// bfloat16 bits.
    Bf16(Vec<u16>),
    /// `len` elements of which only those at `indices` (ascending, below `len`) are non-zero.
    TopK { len: u32, indices: Vec<u32>, values: Vec<f32> },
}

/// Elements converted per step when widening f16 (keeps the buffer on the stack).
const F16_CHUNK: usize = 1024;

impl Delta {
    /// No NaN or infinity among the values (checked by the server before it applies a
    /// commit, so that one diverged worker cannot poison the center).
    pub fn is_finite(&self) -> bool {
        // Folds without an early exit, so that the compiler vectorises them (a commit is
        // checked in full anyway when it is finite, the case that matters for speed).
        let f32s = |v: &[f32]| v.iter().fold(0u32, |acc, x| acc | u32::from(x.to_bits() & 0x7F80_0000 == 0x7F80_0000)) == 0;
        let halves = |v: &[u16], exponent: u16| v.iter().fold(0u16, |acc, &b| acc | u16::from(b & exponent == exponent)) == 0;
        match self {
            Delta::Dense(v) => f32s(v),
            Delta::F16(v) => halves(v, 0x7C00),
            Delta::Bf16(v) => halves(v, 0x7F80),
            Delta::TopK { values, .. } => f32s(values),
        }
    }

    /// The number of logical elements (the model's parameter count).
    pub fn len(&self) -> usize {
        match self {
            Delta::Dense(v) => v.len(),
            Delta::F16(v) | Delta::Bf16(v) => v.len(),
            Delta::TopK { len, .. } => *len as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `out[i] += scale * delta[i]` for every element. `out` must have `len()` elements.
    pub fn add_to(&self, out: &mut [f32], scale: f32) {
        debug_assert_eq!(out.len(), self.len(), "delta and weights differ in length");
        match self {
            Delta::Dense(v) => axpy(out, v, scale),
            Delta::F16(bits) => {
                let mut wide = [0f32; F16_CHUNK];
                for (out, bits) in out.chunks_mut(F16_CHUNK).zip(bits.chunks(F16_CHUNK)) {
                    let wide = &mut wide[..bits.len()];
                    bits.reinterpret_cast::<f16>().convert_to_f32_slice(wide);
                    axpy(out, wide, scale);
                }
            }
            Delta::Bf16(bits) => {
                for (o, &b) in out.iter_mut().zip(bits) {
                    *o += scale * bf16::from_bits(b).to_f32();
                }
            }
            Delta::TopK { indices, values, .. } => {
                for (&i, &v) in indices.iter().zip(values) {
                    if let Some(o) = out.get_mut(i as usize) {
                        *o += scale * v;
                    }
                }
            }
        }
    }

    pub fn to_dense(&self) -> Vec<f32> {
        match self {
            Delta::Dense(v) => v.clone(),
            _ => {
                let mut out = vec![0.0; self.len()];
                self.add_to(&mut out, 1.0);
                out
            }
        }
    }

    /// The bytes this delta takes in an encoded message (tag byte included).
    pub fn wire_bytes(&self) -> usize {
        1 + match self {
            Delta::Dense(v) => 4 + 4 * v.len(),
            Delta::F16(v) | Delta::Bf16(v) => 4 + 2 * v.len(),
            Delta::TopK { indices, .. } => 8 + 8 * indices.len(),
        }
    }
}

fn axpy(out: &mut [f32], x: &[f32], scale: f32) {
    for (o, &x) in out.iter_mut().zip(x) {
        *o += scale * x;
    }
}

/// Compresses a worker's successive deltas; holds the top-k residual between commits.
pub struct Compressor {
    kind: Compression,
    /// What top-k has not sent yet; added to the next delta.
    residual: Vec<f32>,
    /// Element indices, partially ordered by magnitude to select the top k.
    order: Vec<u32>,
}

impl Compressor {
    pub fn new(kind: Compression) -> Self {
        Compressor { kind, residual: Vec::new(), order: Vec::new() }
    }

    pub fn kind(&self) -> Compression {
        self.kind
    }

    pub fn compress(&mut self, delta: &[f32]) -> Delta {
        match self.kind {
            Compression::None => Delta::Dense(delta.to_vec()),
            Compression::Fp16 => {
                let mut bits = vec![0u16; delta.len()];
                bits.reinterpret_cast_mut::<f16>().convert_from_f32_slice(delta);
                Delta::F16(bits)
            }
            Compression::Bf16 => Delta::Bf16(delta.iter().map(|&x| bf16::from_f32(x).to_bits()).collect()),
            Compression::TopK(fraction) => self.top_k(delta, fraction),
        }
    }

    fn top_k(&mut self, delta: &[f32], fraction: f32) -> Delta {
        let n = delta.len();
        if self.residual.len() != n {
            // First call, or a different model: nothing owed.
            self.residual.clear();
            self.residual.resize(n, 0.0);
        }
        let acc = &mut self.residual;
        axpy(acc, delta, 1.0);
        // ceil(F·n), less the f32 rounding of F (so that topk:0.3 of 10 elements is 3, not 4).
        let exact = f64::from(fraction) * n as f64;
        let k = ((exact - (exact * f64::from(f32::EPSILON)).min(0.5)).ceil() as usize).max(1).min(n);
        self.order.clear();
        self.order.extend(0..n as u32);
        if k < n {
            self.order.select_nth_unstable_by(k - 1, |&a, &b| acc[b as usize].abs().total_cmp(&acc[a as usize].abs()));
        }
        let mut indices = self.order[..k].to_vec();
        indices.sort_unstable();
        let values = indices.iter().map(|&i| std::mem::take(&mut acc[i as usize])).collect();
        Delta::TopK { len: n as u32, indices, values }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_values_are_seen_in_every_encoding() {
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let values = vec![0.5, bad, -1.0];
            for c in [Compression::None, Compression::Fp16, Compression::Bf16, Compression::TopK(1.0)] {
                let d = Compressor::new(c).compress(&values);
                assert!(!d.is_finite(), "{c} of {bad}");
            }
        }
        for c in [Compression::None, Compression::Fp16, Compression::Bf16, Compression::TopK(0.5)] {
            assert!(Compressor::new(c).compress(&[0.5, 65000.0, -1e-8, 0.0]).is_finite(), "{c}");
        }
    }

    #[test]
    fn parse_and_display_round_trip() {
        for s in ["none", "fp16", "bf16", "topk:0.01", "topk:1"] {
            assert_eq!(Compression::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Compression::parse("topk:0.25").unwrap(), Compression::TopK(0.25));
        let json = serde_json::to_string(&Compression::TopK(0.1)).unwrap();
        assert_eq!(json, "\"topk:0.1\"");
        assert_eq!(serde_json::from_str::<Compression>(&json).unwrap(), Compression::TopK(0.1));
        assert!(serde_json::from_str::<Compression>("\"zip\"").is_err());
    }

    #[test]
    fn parse_errors_name_the_value() {
        for bad in ["", "gzip", "FP16", "topk", "topk:", "topk:0", "topk:1.5", "topk:-0.1", "topk:NaN", "topk:x"] {
            match Compression::parse(bad) {
                Err(Error::Config(m)) => assert!(m.contains(&format!("{bad:?}")), "{m}"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn none_and_half_precision_round_trip() {
        let x: Vec<f32> = (0..3000).map(|i| ((i as f32) * 0.37).sin() * 3.0).collect();
        assert_eq!(Compressor::new(Compression::None).compress(&x).to_dense(), x);
        for (kind, tolerance) in [(Compression::Fp16, 1e-3), (Compression::Bf16, 8e-3)] {
            let d = Compressor::new(kind).compress(&x);
            assert_eq!(d.len(), x.len());
            assert_eq!(d.wire_bytes(), 1 + 4 + 2 * x.len());
            for (a, b) in d.to_dense().iter().zip(&x) {
                assert!((a - b).abs() <= tolerance * b.abs().max(1e-3), "{kind}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn add_to_scales() {
        let d = Delta::TopK { len: 4, indices: vec![1, 3], values: vec![2.0, -4.0] };
        let mut out = vec![1.0; 4];
        d.add_to(&mut out, 0.5);
        assert_eq!(out, [1.0, 2.0, 1.0, -1.0]);
        let mut out = vec![1.0; 3];
        Compressor::new(Compression::Fp16).compress(&[1.0, 2.0, -0.5]).add_to(&mut out, 2.0);
        assert_eq!(out, [3.0, 5.0, 0.0]);
    }

    #[test]
    fn top_k_sends_the_largest_in_ascending_order() {
        let mut c = Compressor::new(Compression::TopK(0.3));
        let d = c.compress(&[0.1, -5.0, 0.2, 3.0, -0.3, 0.0, 4.0, 0.05, 0.01, -0.02]);
        assert_eq!(d, Delta::TopK { len: 10, indices: vec![1, 3, 6], values: vec![-5.0, 3.0, 4.0] });
        assert_eq!(d.wire_bytes(), 1 + 8 + 8 * 3);
        // The residual comes back: 0.3 is now the largest.
        let d = c.compress(&[0.0; 10]);
        assert_eq!(d, Delta::TopK { len: 10, indices: vec![0, 2, 4], values: vec![0.1, 0.2, -0.3] });
        let one = Compressor::new(Compression::TopK(1e-6)).compress(&[1.0, -2.0]);
        assert_eq!(one, Delta::TopK { len: 2, indices: vec![1], values: vec![-2.0] });
        assert_eq!(Compressor::new(Compression::TopK(0.5)).compress(&[]).len(), 0);
        let all = Compressor::new(Compression::TopK(1.0)).compress(&vec![1.0; 10_000_000]);
        assert!(matches!(all, Delta::TopK { indices, .. } if indices.len() == 10_000_000));
    }

    #[test]
    fn error_feedback_delivers_every_input() {
        let n = 200;
        let mut c = Compressor::new(Compression::TopK(0.05));
        let (mut sent, mut total) = (vec![0.0f32; n], vec![0.0f32; n]);
        for step in 0..30 {
            let x: Vec<f32> = (0..n).map(|i| ((i * 7 + step * 13) as f32 * 0.61).sin()).collect();
            axpy(&mut total, &x, 1.0);
            c.compress(&x).add_to(&mut sent, 1.0);
        }
        // Sent plus still owed is what came in; 20 empty commits of 10 elements drain the rest.
        let owed: Vec<f32> = sent.iter().zip(&c.residual).map(|(s, r)| s + r).collect();
        for _ in 0..20 {
            c.compress(&vec![0.0; n]).add_to(&mut sent, 1.0);
        }
        assert!(c.residual.iter().all(|&r| r == 0.0));
        for ((s, o), t) in sent.iter().zip(&owed).zip(&total) {
            assert!((s - t).abs() < 1e-4 && (o - t).abs() < 1e-4, "sent {s}, sent + owed {o}, input {t}");
        }
    }
}
