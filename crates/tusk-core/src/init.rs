//! Keras' weight initialisers: parsed from a config (a name such as `"he_normal"` or a
//! `{"class_name": "HeNormal", "config": {...}}` object), written back, and used to fill
//! a parameter slice of a given Keras shape (fans computed as Keras does).

use crate::error::{Error, Result};
use rand::Rng;
use rand_distr::StandardNormal;
use serde_json::{json, Value};

/// A Keras initialiser with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    Zeros,
    Ones,
    Constant(f32),
    RandomNormal { mean: f32, stddev: f32 },
    RandomUniform { minval: f32, maxval: f32 },
    TruncatedNormal { mean: f32, stddev: f32 },
    /// Variance scaling: `scale / fan`, `fan` from `mode`, normal (truncated) or uniform.
    VarianceScaling { class: &'static str, scale: f32, mode: FanMode, uniform: bool },
    Orthogonal { gain: f32 },
    /// LSTM's `unit_forget_bias`: the inner initialiser on the `[4 * units]` bias, then ones
    /// on its forget-gate quarter. Written back as the inner initialiser (Keras does the same).
    UnitForgetBias(Box<Initializer>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FanMode {
    In,
    Out,
    Avg,
}

impl Initializer {
    pub fn glorot_uniform() -> Self {
        Self::scaling("GlorotUniform", 1.0, FanMode::Avg, true)
    }
    fn scaling(class: &'static str, scale: f32, mode: FanMode, uniform: bool) -> Self {
        Initializer::VarianceScaling { class, scale, mode, uniform }
    }

    /// Parses a Keras initialiser config: a string name or a `{class_name, config}` object.
    pub fn from_config(v: &Value) -> Result<Self> {
        let (class, cfg) = match v {
            Value::String(s) => (s.as_str(), &Value::Null),
            Value::Object(o) => (
                o.get("class_name").and_then(Value::as_str).unwrap_or(""),
                o.get("config").unwrap_or(&Value::Null),
            ),
            other => return Err(Error::config(format!("initializer must be a name or an object, got {other}"))),
        };
        let f = |key: &str, default: f32| cfg.get(key).and_then(Value::as_f64).map_or(default, |x| x as f32);
        let key: String = class.chars().filter(|c| *c != '_').collect::<String>().to_lowercase();
        Ok(match key.as_str() {
            "zeros" | "zero" => Initializer::Zeros,
            "ones" | "one" => Initializer::Ones,
            "constant" => Initializer::Constant(f("value", 0.0)),
            "randomnormal" | "normal" => Initializer::RandomNormal { mean: f("mean", 0.0), stddev: f("stddev", 0.05) },
            "randomuniform" | "uniform" => Initializer::RandomUniform { minval: f("minval", -0.05), maxval: f("maxval", 0.05) },
            "truncatednormal" => Initializer::TruncatedNormal { mean: f("mean", 0.0), stddev: f("stddev", 0.05) },
            "glorotuniform" => Self::glorot_uniform(),
            "glorotnormal" => Self::scaling("GlorotNormal", 1.0, FanMode::Avg, false),
            "heuniform" => Self::scaling("HeUniform", 2.0, FanMode::In, true),
            "henormal" => Self::scaling("HeNormal", 2.0, FanMode::In, false),
            "lecununiform" => Self::scaling("LecunUniform", 1.0, FanMode::In, true),
            "lecunnormal" => Self::scaling("LecunNormal", 1.0, FanMode::In, false),
            "orthogonal" => Initializer::Orthogonal { gain: f("gain", 1.0) },
            "variancescaling" => {
                let mode = match cfg.get("mode").and_then(Value::as_str).unwrap_or("fan_in") {
                    "fan_in" => FanMode::In,
                    "fan_out" => FanMode::Out,
                    "fan_avg" => FanMode::Avg,
                    m => return Err(Error::config(format!("VarianceScaling mode '{m}'"))),
                };
                let dist = cfg.get("distribution").and_then(Value::as_str).unwrap_or("truncated_normal");
                Self::scaling("VarianceScaling", f("scale", 1.0), mode, dist == "uniform")
            }
            _ => return Err(Error::unsupported(format!("initializer '{class}'"))),
        })
    }

    /// The Keras 3 config object for this initialiser.
    pub fn to_config(&self) -> Value {
        let (class, config) = match self {
            Initializer::Zeros => ("Zeros", json!({})),
            Initializer::Ones => ("Ones", json!({})),
            Initializer::Constant(v) => ("Constant", json!({ "value": v })),
            Initializer::RandomNormal { mean, stddev } => ("RandomNormal", json!({"mean": mean, "stddev": stddev, "seed": null})),
            Initializer::RandomUniform { minval, maxval } => ("RandomUniform", json!({"minval": minval, "maxval": maxval, "seed": null})),
            Initializer::TruncatedNormal { mean, stddev } => ("TruncatedNormal", json!({"mean": mean, "stddev": stddev, "seed": null})),
            Initializer::VarianceScaling { class: "VarianceScaling", scale, mode, uniform } => (
                "VarianceScaling",
                json!({"scale": scale, "mode": match mode { FanMode::In => "fan_in", FanMode::Out => "fan_out", FanMode::Avg => "fan_avg" },
                       "distribution": if *uniform { "uniform" } else { "truncated_normal" }, "seed": null}),
            ),
            Initializer::VarianceScaling { class, .. } => (*class, json!({ "seed": null })),
            Initializer::Orthogonal { gain } => ("Orthogonal", json!({"gain": gain, "seed": null})),
            Initializer::UnitForgetBias(inner) => return inner.to_config(),
        };
        json!({"module": "keras.initializers", "class_name": class, "config": config, "registered_name": null})
    }

    /// Fills `out` (a weight of Keras shape `shape`) with values drawn from `rng`.
    pub fn fill(&self, out: &mut [f32], shape: &[usize], rng: &mut impl Rng) {
        match *self {
            Initializer::Zeros => out.fill(0.0),
            Initializer::Ones => out.fill(1.0),
            Initializer::Constant(v) => out.fill(v),
            Initializer::RandomNormal { mean, stddev } => {
                out.iter_mut().for_each(|v| *v = mean + stddev * rng.sample::<f32, _>(StandardNormal))
            }
            Initializer::RandomUniform { minval, maxval } => out.iter_mut().for_each(|v| *v = rng.gen_range(minval..maxval)),
            Initializer::TruncatedNormal { mean, stddev } => out.iter_mut().for_each(|v| *v = mean + stddev * truncated(rng)),
            Initializer::VarianceScaling { scale, mode, uniform, .. } => {
                let (fan_in, fan_out) = fans(shape);
                let fan = match mode {
                    FanMode::In => fan_in,
                    FanMode::Out => fan_out,
                    FanMode::Avg => (fan_in + fan_out) / 2.0,
                };
                let var = scale / fan.max(1.0);
                if uniform {
                    let limit = (3.0 * var).sqrt();
                    out.iter_mut().for_each(|v| *v = rng.gen_range(-limit..limit));
                } else {
                    // Keras divides by the stddev of a unit normal truncated at ±2.
                    let std = var.sqrt() / 0.879_625_7;
                    out.iter_mut().for_each(|v| *v = std * truncated(rng));
                }
            }
            Initializer::Orthogonal { gain } => orthogonal(out, shape, gain, rng),
            Initializer::UnitForgetBias(ref inner) => {
                inner.fill(out, shape, rng);
                let units = out.len() / 4;
                out[units..2 * units].fill(1.0);
            }
        }
    }
}

/// Keras' `compute_fans`.
fn fans(shape: &[usize]) -> (f32, f32) {
    match shape.len() {
        0 => (1.0, 1.0),
        1 => (shape[0] as f32, shape[0] as f32),
        n => {
            let receptive: usize = shape[..n - 2].iter().product();
            ((shape[n - 2] * receptive) as f32, (shape[n - 1] * receptive) as f32)
        }
    }
}

/// A standard normal sample truncated to [-2, 2] by resampling.
fn truncated(rng: &mut impl Rng) -> f32 {
    loop {
        let x: f32 = rng.sample(StandardNormal);
        if x.abs() <= 2.0 {
            return x;
        }
    }
}

/// Keras' orthogonal initialiser: Q of the QR decomposition of a normal matrix, sign-fixed.
fn orthogonal(out: &mut [f32], shape: &[usize], gain: f32, rng: &mut impl Rng) {
    let cols = *shape.last().unwrap_or(&1);
    let rows = out.len() / cols.max(1);
    let (r, c) = (rows.max(cols), rows.min(cols));
    // Modified Gram–Schmidt on the c columns of an r x c normal matrix (column-major here).
    let mut q: Vec<f64> = (0..r * c).map(|_| rng.sample::<f64, _>(StandardNormal)).collect();
    for j in 0..c {
        for p in 0..j {
            let dot: f64 = (0..r).map(|i| q[p * r + i] * q[j * r + i]).sum();
            for i in 0..r {
                q[j * r + i] -= dot * q[p * r + i];
            }
        }
        let norm = (0..r).map(|i| q[j * r + i].powi(2)).sum::<f64>().sqrt().max(1e-12);
        (0..r).for_each(|i| q[j * r + i] /= norm);
    }
    for i in 0..rows {
        for j in 0..cols {
            // rows >= cols: element (i, j) is Q[i, j]; otherwise the transpose.
            let v = if rows >= cols { q[j * r + i] } else { q[i * r + j] };
            out[i * cols + j] = gain * v as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn glorot_uniform_respects_its_limit() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let mut w = vec![0.0; 784 * 128];
        Initializer::glorot_uniform().fill(&mut w, &[784, 128], &mut rng);
        let limit = (6.0f32 / (784.0 + 128.0)).sqrt();
        assert!(w.iter().all(|v| v.abs() <= limit));
        let mean_sq = w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32;
        assert!((mean_sq - limit * limit / 3.0).abs() < 0.05 * limit * limit);
    }

    #[test]
    fn orthogonal_gives_orthonormal_columns() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(2);
        for (rows, cols) in [(6, 4), (4, 6)] {
            let mut w = vec![0.0; rows * cols];
            Initializer::from_config(&json!("orthogonal")).unwrap().fill(&mut w, &[rows, cols], &mut rng);
            let (outer, inner, stride_o, stride_i) = if rows >= cols { (cols, rows, 1, cols) } else { (rows, cols, cols, 1) };
            for a in 0..outer {
                for b in 0..outer {
                    let dot: f32 = (0..inner).map(|k| w[a * stride_o + k * stride_i] * w[b * stride_o + k * stride_i]).sum();
                    assert!((dot - if a == b { 1.0 } else { 0.0 }).abs() < 1e-4);
                }
            }
        }
    }

    #[test]
    fn configs_round_trip_and_unknown_is_named() {
        for name in ["zeros", "ones", "random_normal", "random_uniform", "he_normal", "he_uniform", "glorot_uniform", "orthogonal"] {
            let init = Initializer::from_config(&json!(name)).unwrap();
            assert_eq!(Initializer::from_config(&init.to_config()).unwrap(), init, "{name}");
        }
        let e = Initializer::from_config(&json!("identity_plus")).unwrap_err().to_string();
        assert!(e.contains("identity_plus"));
    }
}
