//! Keras' metrics, accumulated over batches as (sum, count) pairs and reported as means.
//!
//! `"accuracy"`/`"acc"` is resolved as Keras resolves it from the shapes: one output value
//! -> binary accuracy; class-index targets -> sparse categorical; otherwise categorical.
//! Predictions are `[rows, k]`, targets `[rows, k]` or `[rows, 1]` (class indices).

use crate::error::{Error, Result};
use crate::losses::Loss;
use crate::tensor::argmax;

#[derive(Clone, Debug, PartialEq)]
pub enum MetricKind {
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    BinaryAccuracy { threshold: f32 },
    TopK { k: usize, sparse: bool },
    MeanAbsoluteError,
    MeanSquaredError,
    /// A per-value regression loss used as a metric (`mape`, `msle`, `logcosh`): its mean.
    Regression(Loss),
}

/// A metric as the user named it (the name used in logs and history).
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    pub kind: MetricKind,
}

impl Metric {
    /// Resolves a Keras metric name for an output with `k` values per row whose
    /// targets have `target_len` values per row.
    pub fn resolve(name: &str, k: usize, target_len: usize) -> Result<Metric> {
        let kind = match name {
            "accuracy" | "acc" => {
                if k == 1 {
                    MetricKind::BinaryAccuracy { threshold: 0.5 }
                } else if target_len == 1 {
                    MetricKind::SparseCategoricalAccuracy
                } else {
                    MetricKind::CategoricalAccuracy
                }
            }
            "categorical_accuracy" => MetricKind::CategoricalAccuracy,
            "sparse_categorical_accuracy" => MetricKind::SparseCategoricalAccuracy,
            "binary_accuracy" => MetricKind::BinaryAccuracy { threshold: 0.5 },
            "top_k_categorical_accuracy" => MetricKind::TopK { k: 5, sparse: false },
            "sparse_top_k_categorical_accuracy" => MetricKind::TopK { k: 5, sparse: true },
            "mae" | "mean_absolute_error" => MetricKind::MeanAbsoluteError,
            "mse" | "mean_squared_error" => MetricKind::MeanSquaredError,
            "mape" | "mean_absolute_percentage_error" => MetricKind::Regression(Loss::MeanAbsolutePercentageError),
            "msle" | "mean_squared_logarithmic_error" => MetricKind::Regression(Loss::MeanSquaredLogarithmicError),
            "logcosh" | "log_cosh" | "log_cosh_error" => MetricKind::Regression(Loss::LogCosh),
            other => {
                if let Some(k) = other.strip_prefix("top_").and_then(|r| r.strip_suffix("_accuracy")).and_then(|k| k.parse().ok()) {
                    MetricKind::TopK { k, sparse: target_len == 1 }
                } else {
                    return Err(Error::unsupported(format!(
                        "metric '{other}' (supported: accuracy, acc, categorical_accuracy, sparse_categorical_accuracy, \
                         binary_accuracy, top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, top_<k>_accuracy, mae, mse, \
                         mape, msle, logcosh)"
                    )));
                }
            }
        };
        let sparse_kind = matches!(kind, MetricKind::SparseCategoricalAccuracy | MetricKind::TopK { sparse: true, .. });
        let needs = if sparse_kind { 1 } else { k };
        if target_len != needs {
            return Err(Error::shape(format!("metric '{name}' needs targets with {needs} value(s) per sample, got {target_len}")));
        }
        Ok(Metric { name: name.to_string(), kind })
    }

    /// Adds this batch's (sum, count) to `acc`. `k` is the prediction row length.
    pub fn update(&self, y_pred: &[f32], y_true: &[f32], k: usize, acc: &mut (f64, f64)) {
        let rows = y_pred.len() / k;
        let tl = y_true.len() / rows.max(1);
        for r in 0..rows {
            let p = &y_pred[r * k..][..k];
            let t = &y_true[r * tl..][..tl];
            let v = match self.kind {
                MetricKind::CategoricalAccuracy => (argmax(p) == argmax(t)) as u8 as f64,
                MetricKind::SparseCategoricalAccuracy => (argmax(p) as f32 == t[0]) as u8 as f64,
                MetricKind::BinaryAccuracy { threshold } => {
                    p.iter().zip(t).filter(|(pv, tv)| ((**pv > threshold) as u8 as f32) == **tv).count() as f64 / k as f64
                }
                MetricKind::TopK { k: top, sparse } => {
                    let class = if sparse { t[0] as usize } else { argmax(t) };
                    let score = p.get(class).copied().unwrap_or(f32::NEG_INFINITY);
                    (p.iter().filter(|&&v| v > score).count() < top) as u8 as f64
                }
                MetricKind::MeanAbsoluteError => p.iter().zip(t).map(|(a, b)| (a - b).abs() as f64).sum::<f64>() / k as f64,
                MetricKind::MeanSquaredError => p.iter().zip(t).map(|(a, b)| ((a - b) * (a - b)) as f64).sum::<f64>() / k as f64,
                MetricKind::Regression(ref loss) => loss.compute(p, t, k, None).unwrap_or(f64::NAN),
            };
            acc.0 += v;
            acc.1 += 1.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_metrics_are_their_losses_means() {
        // Keras: mape = 100 * mean(|t - p| / max(|t|, 1e-7)) over the last axis, then over rows.
        let m = Metric::resolve("mean_absolute_percentage_error", 2, 2).unwrap();
        let mut acc = (0.0, 0.0);
        m.update(&[1.0, 3.0, 2.0, 2.0], &[2.0, 2.0, 1.0, 4.0], 2, &mut acc);
        assert!((acc.0 / acc.1 - (50.0 + 50.0 + 100.0 + 50.0) / 4.0).abs() < 1e-4, "{acc:?}");
        assert_eq!(Metric::resolve("msle", 2, 2).unwrap().kind, MetricKind::Regression(Loss::MeanSquaredLogarithmicError));
        assert_eq!(Metric::resolve("logcosh", 1, 1).unwrap().kind, MetricKind::Regression(Loss::LogCosh));
    }

    #[test]
    fn accuracy_resolves_like_keras() {
        assert_eq!(Metric::resolve("accuracy", 10, 10).unwrap().kind, MetricKind::CategoricalAccuracy);
        assert_eq!(Metric::resolve("accuracy", 10, 1).unwrap().kind, MetricKind::SparseCategoricalAccuracy);
        assert_eq!(Metric::resolve("acc", 1, 1).unwrap().kind, MetricKind::BinaryAccuracy { threshold: 0.5 });
        assert!(Metric::resolve("f1", 10, 10).unwrap_err().to_string().contains("'f1'"));
    }

    #[test]
    fn top_k_counts_a_hit_within_k() {
        let m = Metric::resolve("top_2_accuracy", 3, 1).unwrap();
        let mut acc = (0.0, 0.0);
        m.update(&[0.1, 0.5, 0.4, 0.7, 0.2, 0.1], &[2.0, 2.0], 3, &mut acc);
        assert_eq!(acc, (1.0, 2.0));
    }
}
