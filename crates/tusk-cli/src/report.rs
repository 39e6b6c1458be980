//! The `--report-json` document and the process' peak memory.

use serde_json::{json, Value};
use tusk_core::train::History;

/// Peak resident set size of this process in MiB (Linux `VmHWM`), 0 if unknown.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Per-epoch entries: epoch (1-based), loss, accuracy, val_loss, val_accuracy, seconds, samples_per_sec.
pub fn epochs_json(history: &History) -> Vec<Value> {
    history
        .epochs
        .iter()
        .map(|e| {
            let mut m = serde_json::Map::new();
            m.insert("epoch".into(), json!(e.epoch + 1));
            for (k, v) in e.logs.iter() {
                m.insert(k.clone(), num(*v));
            }
            for k in ["loss", "accuracy", "val_loss", "val_accuracy"] {
                m.entry(k).or_insert(Value::Null);
            }
            m.insert("seconds".into(), json!(e.seconds));
            m.insert("samples_per_sec".into(), json!(e.samples_per_sec));
            Value::Object(m)
        })
        .collect()
}

/// A number, or null for NaN/infinity (which JSON cannot hold).
pub fn num(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

pub fn write(path: &std::path::Path, doc: &Value) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(doc)?).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
}
