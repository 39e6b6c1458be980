//! A loss/accuracy plot of the training history as a standalone SVG: two panels
//! (loss, accuracy), training and validation curves per epoch.

use std::fmt::Write;
use tusk_core::train::History;

const W: f64 = 360.0;
const H: f64 = 240.0;
const PAD: f64 = 40.0;

/// One panel: named series over epochs, drawn at horizontal offset `x0`.
fn panel(svg: &mut String, x0: f64, title: &str, series: &[(&str, &str, Vec<f64>)]) {
    let values: Vec<f64> = series.iter().flat_map(|s| s.2.iter().copied()).filter(|v| v.is_finite()).collect();
    let (mut lo, mut hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let epochs = series.iter().map(|s| s.2.len()).max().unwrap_or(1).max(2);
    let px = |i: usize| x0 + PAD + (W - 2.0 * PAD) * i as f64 / (epochs - 1) as f64;
    let py = |v: f64| H - PAD - (H - 2.0 * PAD) * (v - lo) / (hi - lo);
    let _ = write!(svg, r#"<text x="{}" y="20" font-size="14" text-anchor="middle">{title}</text>"#, x0 + W / 2.0);
    let _ = write!(svg, r#"<rect x="{}" y="{PAD}" width="{}" height="{}" fill="none" stroke="gray"/>"#, x0 + PAD, W - 2.0 * PAD, H - 2.0 * PAD);
    for (v, y) in [(hi, PAD), (lo, H - PAD)] {
        let _ = write!(svg, r#"<text x="{}" y="{}" font-size="10" text-anchor="end">{v:.3}</text>"#, x0 + PAD - 4.0, y + 4.0);
    }
    let _ = write!(svg, r#"<text x="{}" y="{}" font-size="10" text-anchor="middle">epoch</text>"#, x0 + W / 2.0, H - 8.0);
    for (k, (name, color, vals)) in series.iter().enumerate() {
        let pts: Vec<String> = vals.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, &v)| format!("{:.1},{:.1}", px(i), py(v))).collect();
        if pts.is_empty() {
            continue;
        }
        let _ = write!(svg, r##"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"##, pts.join(" "));
        let ly = PAD + 14.0 + 14.0 * k as f64;
        let _ = write!(svg, r##"<text x="{}" y="{ly}" font-size="11" fill="{color}">{name}</text>"##, x0 + W - PAD - 70.0);
    }
}

/// The SVG document for `history`.
pub fn history_svg(history: &History) -> String {
    let mut svg = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{H}" font-family="sans-serif">"#, 2.0 * W);
    svg += r#"<rect width="100%" height="100%" fill="white"/>"#;
    panel(&mut svg, 0.0, "loss", &[("train", "#1f77b4", history.values("loss")), ("validation", "#ff7f0e", history.values("val_loss"))]);
    panel(&mut svg, W, "accuracy", &[("train", "#1f77b4", history.values("accuracy")), ("validation", "#ff7f0e", history.values("val_accuracy"))]);
    svg += "</svg>\n";
    svg
}

pub fn write(path: &std::path::Path, history: &History) -> anyhow::Result<()> {
    std::fs::write(path, history_svg(history)).map_err(|e| anyhow::anyhow!("writing plot {}: {e}", path.display()))
}
