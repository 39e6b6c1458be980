//! Keras' losses with their gradients, reduced as Keras' default `sum_over_batch_size`.
//!
//! Predictions are `[rows, k]` (k = last axis of the model output); targets are `[rows, k]`,
//! or `[rows]`/`[rows, 1]` class indices for the sparse loss. The loss of a batch is the
//! mean over rows of the per-row loss (itself a mean over `k` for the regression losses
//! and binary cross-entropy), and the gradient is that of this mean.

use crate::activations::{sigmoid, softplus, Activation};
use crate::error::{Error, Result};
use crate::traced;
use serde_json::{json, Value};

/// Keras' clipping epsilon for probabilities.
const EPSILON: f32 = 1e-7;

#[derive(Clone, Debug, PartialEq)]
pub enum Loss {
    CategoricalCrossentropy { from_logits: bool },
    SparseCategoricalCrossentropy { from_logits: bool },
    BinaryCrossentropy { from_logits: bool },
    MeanSquaredError,
    MeanAbsoluteError,
    /// `100 |t - y| / max(|t|, ε)`, averaged over the row.
    MeanAbsolutePercentageError,
    /// `(ln(max(y, ε) + 1) - ln(max(t, ε) + 1))²`, averaged over the row.
    MeanSquaredLogarithmicError,
    /// `ln(cosh(y - t))`, averaged over the row.
    LogCosh,
    Huber { delta: f32 },
    /// A Python loss traced into an expression of `(y_pred, y_true)` per value
    /// ([`crate::traced`]), averaged (`sum: false`) or summed over each row's last axis.
    Traced { index: usize, sum: bool },
}

impl Loss {
    /// From a Keras loss name (`"categorical_crossentropy"`, `"mse"`, ...) or config
    /// object (`{"class_name": "CategoricalCrossentropy", "config": {"from_logits": true}}`).
    pub fn from_config(v: &Value) -> Result<Self> {
        let (name, cfg) = match v {
            Value::String(s) => (s.as_str(), &Value::Null),
            Value::Object(o) => (o.get("class_name").and_then(Value::as_str).unwrap_or(""), o.get("config").unwrap_or(&Value::Null)),
            _ => return Err(Error::config(format!("loss must be a name or an object, got {v}"))),
        };
        if name == "TracedLoss" {
            let sum = match cfg.get("reduction").and_then(Value::as_str).unwrap_or("mean") {
                "mean" => false,
                "sum" => true,
                other => return Err(Error::unsupported(format!("traced loss: reduction '{other}' over the last axis (mean or sum)"))),
            };
            return Ok(Loss::Traced { index: traced::from_config(v)?, sum });
        }
        let from_logits = cfg.get("from_logits").and_then(Value::as_bool).unwrap_or(false);
        if let Some(s) = cfg.get("label_smoothing").and_then(Value::as_f64).filter(|&s| s != 0.0) {
            return Err(Error::unsupported(format!("loss {name}: label_smoothing={s}")));
        }
        let key: String = name.chars().filter(|c| *c != '_').collect::<String>().to_lowercase();
        Ok(match key.as_str() {
            "categoricalcrossentropy" => Loss::CategoricalCrossentropy { from_logits },
            "sparsecategoricalcrossentropy" => Loss::SparseCategoricalCrossentropy { from_logits },
            "binarycrossentropy" => Loss::BinaryCrossentropy { from_logits },
            "meansquarederror" | "mse" => Loss::MeanSquaredError,
            "meanabsoluteerror" | "mae" => Loss::MeanAbsoluteError,
            "meanabsolutepercentageerror" | "mape" => Loss::MeanAbsolutePercentageError,
            "meansquaredlogarithmicerror" | "msle" => Loss::MeanSquaredLogarithmicError,
            "logcosh" => Loss::LogCosh,
            "huber" | "huberloss" => Loss::Huber { delta: cfg.get("delta").and_then(Value::as_f64).unwrap_or(1.0) as f32 },
            _ => {
                return Err(Error::unsupported(format!(
                    "loss '{name}' (supported: categorical_crossentropy, sparse_categorical_crossentropy, \
                     binary_crossentropy, mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, \
                     mean_squared_logarithmic_error, log_cosh, huber)"
                )))
            }
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Loss::CategoricalCrossentropy { .. } => "categorical_crossentropy",
            Loss::SparseCategoricalCrossentropy { .. } => "sparse_categorical_crossentropy",
            Loss::BinaryCrossentropy { .. } => "binary_crossentropy",
            Loss::MeanSquaredError => "mean_squared_error",
            Loss::Traced { index, .. } => traced::get(*index).name,
            Loss::MeanAbsoluteError => "mean_absolute_error",
            Loss::MeanAbsolutePercentageError => "mean_absolute_percentage_error",
            Loss::MeanSquaredLogarithmicError => "mean_squared_logarithmic_error",
            Loss::LogCosh => "log_cosh",
            Loss::Huber { .. } => "huber",
        }
    }

    /// The config as written in a saved model's training config.
    pub fn to_config(&self) -> Value {
        match self {
            Loss::CategoricalCrossentropy { from_logits } | Loss::SparseCategoricalCrossentropy { from_logits } | Loss::BinaryCrossentropy { from_logits } => {
                json!({"class_name": self.name(), "config": {"from_logits": from_logits}})
            }
            Loss::Huber { delta } => json!({"class_name": "huber", "config": {"delta": delta}}),
            Loss::Traced { index, sum } => {
                let mut c = traced::to_config(*index, "TracedLoss");
                c["config"]["reduction"] = json!(if *sum { "sum" } else { "mean" });
                c
            }
            _ => json!(self.name()),
        }
    }

    pub fn is_sparse(&self) -> bool {
        matches!(self, Loss::SparseCategoricalCrossentropy { .. })
    }

    /// Values per row of targets for predictions with `k` values per row.
    pub fn target_len(&self, k: usize) -> usize {
        if self.is_sparse() {
            1
        } else {
            k
        }
    }

    /// Checks targets of per-sample shape `target` against outputs of per-sample shape
    /// `output` for output `output_name`.
    pub fn check_targets(&self, output_name: &str, output: &[usize], target: &[usize]) -> Result<()> {
        let ok = if self.is_sparse() {
            target == &output[..output.len() - 1] || (target.len() == output.len() && target.last() == Some(&1) && target[..target.len() - 1] == output[..output.len() - 1])
        } else {
            target == output
        };
        if ok {
            return Ok(());
        }
        let hint = match self {
            Loss::CategoricalCrossentropy { .. } if target.len() + 1 == output.len() || target.last() == Some(&1) => {
                " (labels look like class indices: one-hot encode them or use sparse_categorical_crossentropy)"
            }
            Loss::SparseCategoricalCrossentropy { .. } if target == output => " (labels look one-hot: use categorical_crossentropy)",
            _ => "",
        };
        Err(Error::shape(format!(
            "{}: targets of shape [n, {}] do not fit output '{output_name}' of shape [n, {}]{hint}",
            self.name(),
            fmt_dims(target),
            fmt_dims(output)
        )))
    }

    /// The output activation whose input this loss can differentiate against directly:
    /// softmax for the categorical cross-entropies, sigmoid for binary (on probabilities).
    pub fn fusable_activation(&self) -> Option<Activation> {
        match *self {
            Loss::CategoricalCrossentropy { from_logits: false } | Loss::SparseCategoricalCrossentropy { from_logits: false } => Some(Activation::Softmax),
            Loss::BinaryCrossentropy { from_logits: false } => Some(Activation::Sigmoid),
            _ => None,
        }
    }

    /// Like [`Self::compute`] for an output whose activation the loss took over
    /// ([`Self::fusable_activation`]): `y_pred` are the probabilities, and `grad` receives
    /// dLoss/d(logits), i.e. `p - t` scaled, as Keras computes it from the logits.
    pub fn compute_fused(&self, y_pred: &[f32], y_true: &[f32], k: usize, grad: &mut [f32]) -> Result<f64> {
        let rows = y_pred.len() / k;
        let inv_rows = 1.0 / rows.max(1) as f32;
        let ln = |p: f32| (p.max(f32::MIN_POSITIVE) as f64).ln();
        let tl = self.target_len(k);
        let mut total = 0.0f64;
        for r in 0..rows {
            let p = &y_pred[r * k..][..k];
            let t = &y_true[r * tl..][..tl];
            let g = &mut grad[r * k..][..k];
            match self {
                Loss::SparseCategoricalCrossentropy { .. } => {
                    let c = sparse_label(t[0], k, r)?;
                    total -= ln(p[c]);
                    g.iter_mut().zip(p).enumerate().for_each(|(i, (gv, pv))| *gv = (pv - (i == c) as u8 as f32) * inv_rows);
                }
                Loss::CategoricalCrossentropy { .. } => {
                    let tsum: f32 = t.iter().sum();
                    total -= t.iter().zip(p).map(|(tv, pv)| *tv as f64 * ln(*pv)).sum::<f64>();
                    g.iter_mut().zip(p.iter().zip(t)).for_each(|(gv, (pv, tv))| *gv = (pv * tsum - tv) * inv_rows);
                }
                _ => {
                    let inv_k = 1.0 / k as f32;
                    total -= t.iter().zip(p).map(|(tv, pv)| *tv as f64 * ln(*pv) + (1.0 - *tv as f64) * ln(1.0 - pv)).sum::<f64>() * inv_k as f64;
                    g.iter_mut().zip(p.iter().zip(t)).for_each(|(gv, (pv, tv))| *gv = (pv - tv) * inv_k * inv_rows);
                }
            }
        }
        Ok(total * inv_rows as f64)
    }

    /// Mean loss over `rows` rows; writes dLoss/dy_pred into `grad` when given.
    /// `y_pred` has `rows * k` values, `y_true` `rows * target_len(k)`.
    pub fn compute(&self, y_pred: &[f32], y_true: &[f32], k: usize, mut grad: Option<&mut [f32]>) -> Result<f64> {
        let rows = y_pred.len() / k;
        let inv_rows = 1.0 / rows.max(1) as f32;
        let mut total = 0.0f64;
        let tl = self.target_len(k);
        // A traced loss' expression, looked up once per batch (not per row).
        let traced_fn = match *self {
            Loss::Traced { index, .. } => Some(traced::get(index)),
            _ => None,
        };
        for r in 0..rows {
            let p = &y_pred[r * k..][..k];
            let t = &y_true[r * tl..][..tl];
            let g = grad.as_deref_mut().map(|g| &mut g[r * k..][..k]);
            total += match *self {
                Loss::CategoricalCrossentropy { from_logits } => categorical(p, t, from_logits, g, inv_rows),
                Loss::SparseCategoricalCrossentropy { from_logits } => sparse_categorical(p, sparse_label(t[0], k, r)?, from_logits, g, inv_rows),
                Loss::BinaryCrossentropy { from_logits } => elementwise(p, t, g, inv_rows, |y, t| binary(y, t, from_logits)),
                Loss::MeanSquaredError => elementwise(p, t, g, inv_rows, |y, t| ((y - t) * (y - t), 2.0 * (y - t))),
                Loss::MeanAbsoluteError => elementwise(p, t, g, inv_rows, |y, t| ((y - t).abs(), sign(y - t))),
                Loss::MeanAbsolutePercentageError => elementwise(p, t, g, inv_rows, |y, t| {
                    let scale = 100.0 / t.abs().max(EPSILON);
                    ((y - t).abs() * scale, sign(y - t) * scale)
                }),
                Loss::MeanSquaredLogarithmicError => elementwise(p, t, g, inv_rows, |y, t| {
                    let d = (y.max(EPSILON) + 1.0).ln() - (t.max(EPSILON) + 1.0).ln();
                    (d * d, if y > EPSILON { 2.0 * d / (y + 1.0) } else { 0.0 })
                }),
                // ln cosh e = e + softplus(-2e) - ln 2 (stable for large |e|); d/de = tanh e.
                Loss::LogCosh => elementwise(p, t, g, inv_rows, |y, t| {
                    let e = y - t;
                    (e + softplus(-2.0 * e) - std::f32::consts::LN_2, e.tanh())
                }),
                Loss::Traced { sum, .. } => {
                    let f = traced_fn.as_ref().expect("looked up above");
                    // `elementwise` averages over the row; a sum is that mean times k.
                    let scale = if sum { k as f32 } else { 1.0 };
                    elementwise(p, t, g, inv_rows * scale, |y, t| f.expr.dual(y, t)) * scale as f64
                }
                Loss::Huber { delta } => elementwise(p, t, g, inv_rows, |y, t| {
                    let e = y - t;
                    if e.abs() <= delta {
                        (0.5 * e * e, e)
                    } else {
                        (delta * e.abs() - 0.5 * delta * delta, delta * e.signum())
                    }
                }),
            };
        }
        Ok(total * inv_rows as f64)
    }
}

/// The derivative of `|e|`: its sign, 0 at 0 (as TensorFlow's gradient of `abs`).
fn sign(e: f32) -> f32 {
    e.signum() * (e != 0.0) as u8 as f32
}

/// A sparse target as a class index in `0..k`; `row` names it in the error.
fn sparse_label(c: f32, k: usize, row: usize) -> Result<usize> {
    if c < 0.0 || c.fract() != 0.0 || c as usize >= k {
        return Err(Error::data(format!("sparse_categorical_crossentropy: label {c} in row {row} is not a class index in 0..{k}")));
    }
    Ok(c as usize)
}

fn fmt_dims(d: &[usize]) -> String {
    d.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}

/// Per-value losses averaged over the row: `f(y, t) = (loss, dloss/dy)`.
fn elementwise(p: &[f32], t: &[f32], g: Option<&mut [f32]>, inv_rows: f32, f: impl Fn(f32, f32) -> (f32, f32)) -> f64 {
    let inv_k = 1.0 / p.len() as f32;
    let mut sum = 0.0f64;
    match g {
        Some(g) => {
            for ((&y, &tv), gv) in p.iter().zip(t).zip(g.iter_mut()) {
                let (l, d) = f(y, tv);
                sum += l as f64;
                *gv = d * inv_k * inv_rows;
            }
        }
        None => p.iter().zip(t).for_each(|(&y, &tv)| sum += f(y, tv).0 as f64),
    }
    sum * inv_k as f64
}

fn binary(y: f32, t: f32, from_logits: bool) -> (f32, f32) {
    if from_logits {
        (y.max(0.0) - y * t + softplus(-y.abs()), sigmoid(y) - t)
    } else {
        let p = y.clamp(EPSILON, 1.0 - EPSILON);
        let loss = -(t * p.ln() + (1.0 - t) * (1.0 - p).ln());
        let d = if y == p { -(t / p) + (1.0 - t) / (1.0 - p) } else { 0.0 };
        (loss, d)
    }
}

/// `-sum t log(p)` with Keras' handling: logits through log-softmax; probabilities
/// normalised to sum 1 and clipped to `[eps, 1 - eps]`.
fn categorical(y: &[f32], t: &[f32], from_logits: bool, g: Option<&mut [f32]>, scale: f32) -> f64 {
    if from_logits {
        return logits_loss(y, |i| t[i], g, scale);
    }
    let s: f32 = y.iter().sum();
    let mut loss = 0.0f64;
    for (&yv, &tv) in y.iter().zip(t) {
        loss -= (tv * (yv / s).clamp(EPSILON, 1.0 - EPSILON).ln()) as f64;
    }
    if let Some(g) = g {
        // dL/dq_i with q = y / s, zero where q was clipped; then through the normalisation.
        let dq = |i: usize| {
            let q = y[i] / s;
            if q > EPSILON && q < 1.0 - EPSILON { -t[i] / q } else { 0.0 }
        };
        let dot: f32 = (0..y.len()).map(|i| dq(i) * y[i]).sum::<f32>() / (s * s);
        for i in 0..y.len() {
            g[i] = (dq(i) / s - dot) * scale;
        }
    }
    loss
}

/// Cross-entropy of logits `z` against targets `t(i)`: `-sum t_i (z_i - logsumexp(z))`.
fn logits_loss(z: &[f32], t: impl Fn(usize) -> f32, g: Option<&mut [f32]>, scale: f32) -> f64 {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let lse = max + z.iter().map(|v| (v - max).exp()).sum::<f32>().ln();
    let loss = (0..z.len()).map(|i| -(t(i) * (z[i] - lse)) as f64).sum();
    if let Some(g) = g {
        let tsum: f32 = (0..z.len()).map(&t).sum();
        for (i, gv) in g.iter_mut().enumerate() {
            *gv = ((z[i] - lse).exp() * tsum - t(i)) * scale;
        }
    }
    loss
}

fn sparse_categorical(y: &[f32], c: usize, from_logits: bool, g: Option<&mut [f32]>, scale: f32) -> f64 {
    if from_logits {
        return logits_loss(y, |i| (i == c) as u8 as f32, g, scale);
    }
    // Keras: clip, take the log as logits, softmax cross-entropy => -log(p_c / sum p).
    let clipped = |v: f32| v.clamp(EPSILON, 1.0 - EPSILON);
    let s: f32 = y.iter().map(|&v| clipped(v)).sum();
    let loss = -((clipped(y[c]) / s).ln()) as f64;
    if let Some(g) = g {
        for (i, gv) in g.iter_mut().enumerate() {
            let inside = y[i] > EPSILON && y[i] < 1.0 - EPSILON;
            let d = 1.0 / s - if i == c { 1.0 / clipped(y[c]) } else { 0.0 };
            *gv = if inside { d * scale } else { 0.0 };
        }
    }
    loss
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traced_loss_matches_its_builtin_twin_and_sums() {
        // def loss(y_true, y_pred): return mean(square(y_pred - y_true), axis=-1)
        let cfg = |reduction: &str| json!({"class_name": "TracedLoss", "config": {"name": "mse_by_hand", "expr": ["square", ["sub", "x", "t"]], "reduction": reduction}});
        let traced = Loss::from_config(&cfg("mean")).unwrap();
        let (p, t) = ([0.2f32, -1.0, 0.5, 3.0, 0.0, 1.5], [0.0f32, 1.0, 0.5, 2.0, -1.0, 1.0]);
        let (mut g1, mut g2) = ([0.0f32; 6], [0.0f32; 6]);
        let a = traced.compute(&p, &t, 3, Some(&mut g1)).unwrap();
        let b = Loss::MeanSquaredError.compute(&p, &t, 3, Some(&mut g2)).unwrap();
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        assert!(g1.iter().zip(&g2).all(|(x, y)| (x - y).abs() < 1e-6));
        let summed = Loss::from_config(&cfg("sum")).unwrap();
        let mut g3 = [0.0f32; 6];
        let s = summed.compute(&p, &t, 3, Some(&mut g3)).unwrap();
        assert!((s - 3.0 * b).abs() < 1e-5 && g3.iter().zip(&g2).all(|(x, y)| (x - 3.0 * y).abs() < 1e-5));
        assert_eq!(Loss::from_config(&traced.to_config()).unwrap(), traced);
        assert!(Loss::from_config(&cfg("max")).unwrap_err().to_string().contains("max"));
    }
}
