//! Optimizers against real Keras 3.15.1: three `apply_gradients` steps on two variables.
//!
//! Fixture: `tests/fixtures/keras/optimizers.json`, made by `tests/fixtures/keras/generate.py`
//! (see that folder's README.md):
//! ```python
//! opt = keras.optimizers.Adam(**args)
//! v0 = keras.Variable(initial[0]); v1 = keras.Variable(initial[1])   # [2, 3] and [3]
//! for g0, g1 in grads:                                               # 3 steps
//!     opt.apply_gradients([(g0, v0), (g1, v1)]); after.append([v0.numpy(), v1.numpy()])
//! ```
//! tusk keeps both variables in one flat buffer, described by [`VarInfo`]s, as a model does.

mod common;

use anyhow::{ensure, Context, Result};
use common::{fixture, tensor};
use serde_json::Value;
use tusk_core::model::VarInfo;
use tusk_core::{Error, Optimizer, Tensor};

/// Keras optimizers tusk does not implement (`Optimizer::from_config` refuses them).
const UNIMPLEMENTED: &[&str] = &["Adamax"];

/// `VarInfo`s for tensors laid out back to back in one buffer.
fn layout(shapes: &[&[usize]]) -> Vec<VarInfo> {
    let mut offset = 0;
    shapes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let len = s.iter().product();
            let v = VarInfo { name: format!("layer/var{i}"), layer: 0, shape: s.to_vec(), offset, len, trainable: true };
            offset += len;
            v
        })
        .collect()
}

fn flat(ts: &[Tensor]) -> Vec<f32> {
    ts.iter().flat_map(|t| t.data().iter().copied()).collect()
}

fn tensors(v: &Value) -> Result<Vec<Tensor>> {
    v.as_array().context("a list of tensors")?.iter().map(tensor).collect()
}

#[test]
fn optimizers_match_keras() -> Result<()> {
    let cases = fixture("optimizers.json")?;
    let cases = cases.as_array().context("optimizers.json is a list")?;
    ensure!(cases.len() >= 22, "expected 22 optimizer cases, found {}", cases.len());
    let (mut ran, mut skipped) = (Vec::new(), Vec::new());
    for case in cases {
        let class = case["optimizer"].as_str().context("optimizer")?;
        let what = format!("{class} ({})", case["description"].as_str().unwrap_or(""));
        let config = serde_json::json!({"class_name": class, "config": case["config"]});
        let built = Optimizer::from_config(&config);
        if UNIMPLEMENTED.contains(&class) {
            ensure!(matches!(built, Err(Error::Unsupported(_))), "{what}: expected an unsupported-optimizer error");
            skipped.push(what);
            continue;
        }
        let mut opt = built.with_context(|| what.clone())?;
        let initial = tensors(&case["initial"])?;
        let shapes: Vec<&[usize]> = initial.iter().map(|t| t.shape()).collect();
        let vars = layout(&shapes);
        let mut params = flat(&initial);
        let steps = case["grads"].as_array().context("grads")?;
        let after = case["after"].as_array().context("after")?;
        ensure!(steps.len() == 3 && after.len() == 3, "{what}: 3 steps");
        for (s, (g, want)) in steps.iter().zip(after).enumerate() {
            let mut grads = flat(&tensors(g)?);
            opt.step(&mut params, &mut grads, &vars);
            let want = flat(&tensors(want)?);
            for (i, (p, w)) in params.iter().zip(&want).enumerate() {
                // float32 on both sides: 1e-6 relative, with 1e-7 absolute for values near 0.
                ensure!(
                    ((p - w).abs() as f64) <= 1e-6 * w.abs() as f64 + 1e-7,
                    "{what}: step {}: value {i}: tusk {p}, Keras {w} (diff {:e})",
                    s + 1,
                    (p - w).abs()
                );
            }
        }
        ensure!(opt.iterations == 3, "{what}: iterations {}", opt.iterations);
        ran.push(what);
    }
    println!("ran {} optimizer case(s):\n  {}", ran.len(), ran.join("\n  "));
    println!("skipped (not implemented in tusk): {}", skipped.join(", "));
    Ok(())
}

/// Frozen variables are neither updated nor count in `global_clipnorm`.
#[test]
fn frozen_variables_are_left_alone() -> Result<()> {
    let mut vars = layout(&[&[2], &[2]]);
    vars[1].trainable = false;
    let mut opt = Optimizer::from_config(&serde_json::json!({"class_name": "SGD", "config": {"learning_rate": 1.0, "global_clipnorm": 1.0}}))?;
    let mut params = vec![1.0, 1.0, 5.0, 5.0];
    let mut grads = vec![0.3, 0.4, 100.0, 100.0];
    opt.step(&mut params, &mut grads, &vars);
    assert_eq!(params[2..], [5.0, 5.0]);
    // |(0.3, 0.4)| = 0.5 < 1: not clipped by the frozen variable's huge gradient.
    assert!((params[0] - 0.7).abs() < 1e-6 && (params[1] - 0.6).abs() < 1e-6, "{params:?}");
    Ok(())
}
