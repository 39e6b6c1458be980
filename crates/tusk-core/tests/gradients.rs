//! Finite-difference checks of every layer's backward pass through whole models, using the
//! public `Model::gradients` (MSE loss, training mode) and `Model::set_params`.
//!
//! Each model is `Input -> Dense(linear) -> LAYER -> (Flatten) -> Dense`, so the gradient of
//! the first Dense's weights is only right if LAYER's input gradient is, and the last Dense
//! checks LAYER's output. Every parameter `p_i` is moved by ±h (h = 1e-3) in the flat buffer
//! and `(L(p + h e_i) - L(p - h e_i)) / 2h` compared with the analytic gradient (relative
//! tolerance 1e-2 plus a small absolute floor for float32 rounding of the loss). Where the
//! loss has a kink within ±h (relu, max pooling, Maximum/Minimum, leaky_relu...), the two
//! one-sided differences disagree; where the central difference then misses, the analytic
//! value need only match one of the one-sided ones (the side without the kink), and at most
//! a fifth of the parameters may sit on kinks.

mod common;

use anyhow::{ensure, Result};
use common::Rng;
use serde_json::{json, Value};
use tusk_core::model::{ModelKind, NodeSpec};
use tusk_core::{GraphSpec, LayerSpec, Loss, Model, Optimizer, Sequential, Tensor};

const H: f32 = 1e-3;
const BATCH: usize = 3;

fn layer(class: &str, cfg: Value) -> LayerSpec {
    LayerSpec::new(class, cfg)
}

fn dense(units: usize) -> LayerSpec {
    LayerSpec::dense(units, "linear")
}

/// Sets every weight to a fresh draw: kernels uniform with variance 1/fan_in (so nothing
/// saturates), biases uniform in ±0.1.
fn randomize(model: &mut Model, rng: &mut Rng) -> Result<()> {
    let mut p = model.params().to_vec();
    for v in model.vars() {
        let a = if v.shape.len() >= 2 { (3.0 / v.shape[..v.shape.len() - 1].iter().product::<usize>() as f32).sqrt() } else { 0.1 };
        for x in &mut p[v.offset..v.offset + v.len] {
            *x = rng.uniform(-a, a);
        }
    }
    model.set_params(&p)?;
    Ok(())
}

/// Random inputs in ±1 and targets in ±1 for `model`, `BATCH` samples.
fn data(model: &Model, rng: &mut Rng) -> (Vec<Tensor>, Vec<Tensor>) {
    let with_batch = |s: &Vec<usize>| [vec![BATCH], s.clone()].concat();
    let x = model.input_shapes().iter().map(|s| rng.tensor(&with_batch(s), -1.0, 1.0)).collect();
    let y = model.output_shapes().iter().map(|s| rng.tensor(&with_batch(s), -1.0, 1.0)).collect();
    (x, y)
}

/// Compiles `spec` with an MSE loss and checks its parameter gradient by finite differences.
fn check_spec(spec: &GraphSpec, what: &str, seed: u64) -> Result<()> {
    let mut model = Model::from_spec(spec, seed)?;
    model.compile(vec![Loss::MeanSquaredError], Optimizer::from_name("sgd")?, &[])?;
    let mut rng = Rng::new(seed);
    randomize(&mut model, &mut rng)?;
    let (x, y) = data(&model, &mut rng);
    check_model(&mut model, &x, &y, what, &mut rng)
}

fn check_model(model: &mut Model, x: &[Tensor], y: &[Tensor], what: &str, rng: &mut Rng) -> Result<()> {
    let p0 = model.params().to_vec();
    let (l0, g) = model.gradients(x, y)?;
    let analytic = g.to_vec();
    ensure!(model.params() == p0.as_slice(), "{what}: gradients() changed the weights");
    // Deterministic: the same call gives the same loss and gradient.
    let (l0b, g2) = model.gradients(x, y)?;
    ensure!(l0b == l0 && g2 == analytic.as_slice(), "{what}: gradients() is not repeatable");

    // The first Dense's kernel sees LAYER's input gradient: it must not vanish.
    let first = &model.vars()[0];
    ensure!(first.name.ends_with("/kernel"), "{what}: first weight is {}", first.name);
    let first_range = first.offset..first.offset + first.len;
    let max_first = analytic[first_range.clone()].iter().fold(0f32, |m, v| m.max(v.abs()));
    ensure!(max_first > 1e-4, "{what}: the first Dense gets no gradient (max {max_first})");

    // All parameters, or 30 of the first Dense's kernel and 30 others for big models.
    let n = p0.len();
    let indices: Vec<usize> = if n <= 400 {
        (0..n).collect()
    } else {
        let mut idx: Vec<usize> = (0..30).map(|_| first_range.start + rng.below(first_range.len())).collect();
        idx.extend((0..30).map(|_| rng.below(n)));
        idx.sort_unstable();
        idx.dedup();
        idx
    };
    let mut p = p0.clone();
    let loss_at = |model: &mut Model, p: &[f32]| -> Result<f64> {
        model.set_params(p)?;
        Ok(model.gradients(x, y)?.0)
    };
    let (mut checked, mut kinks, mut worst) = (0usize, 0usize, 0f64);
    for &i in &indices {
        let orig = p[i];
        p[i] = orig + H;
        let up = loss_at(model, &p)?;
        p[i] = orig - H;
        let down = loss_at(model, &p)?;
        p[i] = orig;
        // The step actually taken in float32.
        let (hu, hd) = ((orig + H) as f64 - orig as f64, orig as f64 - (orig - H) as f64);
        let (d_up, d_down) = ((up - l0) / hu, (l0 - down) / hd);
        let numeric = (up - down) / (hu + hd);
        let a = analytic[i] as f64;
        // float32 rounding of the loss (~1e-7 relative) divided by h.
        let noise = 2e-4 * l0.abs().max(1e-3);
        let name = || model.vars().iter().find(|v| (v.offset..v.offset + v.len).contains(&i)).map_or("?".to_string(), |v| v.name.clone());
        let close = |num: f64| (a - num).abs() <= 1e-2 * a.abs().max(num.abs()) + noise;
        // Smooth: one-sided differences differ by about h * f'' plus noise, and the central
        // difference matches. At a kink they differ by the jump in slope.
        if !close(numeric) && (d_up - d_down).abs() > 2e-2 * d_up.abs().max(d_down.abs()) + 4.0 * noise {
            ensure!(
                close(d_up) || close(d_down),
                "{what}: d loss / d param[{i}] ({}) at a kink: backward {a} matches neither side ({d_up}, {d_down})",
                name()
            );
            kinks += 1;
            continue;
        }
        ensure!(
            close(numeric),
            "{what}: d loss / d param[{i}] ({}): backward {a}, finite difference {numeric} (one-sided {d_up}, {d_down})",
            name()
        );
        if a.abs().max(numeric.abs()) > 1e-2 {
            worst = worst.max((a - numeric).abs() / a.abs().max(numeric.abs()));
        }
        checked += 1;
    }
    model.set_params(&p0)?;
    ensure!(kinks * 5 <= indices.len(), "{what}: {kinks} of {} parameters sit on a kink", indices.len());
    println!("{what}: {checked} parameters checked, {kinks} on kinks skipped, worst relative error (gradients > 1e-2) {worst:.2e}");
    Ok(())
}

/// `Input(shape) -> Dense(first_units) -> layers... -> (Flatten) -> Dense(2)`.
fn chain(shape: &[usize], first_units: usize, layers: Vec<LayerSpec>, flatten: bool) -> GraphSpec {
    let mut s = Sequential::new(shape).add(dense(first_units));
    for l in layers {
        s = s.add(l);
    }
    if flatten {
        s = s.add(LayerSpec::flatten());
    }
    s.add(dense(2)).into_spec()
}

const ACTIVATIONS: &[&str] = &[
    "linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign", "gelu", "swish", "silu",
    "leaky_relu", "hard_sigmoid", "exponential", "relu6", "mish", "log_softmax", "hard_silu",
];

#[test]
fn dense_with_each_activation() -> Result<()> {
    for (i, act) in ACTIVATIONS.iter().enumerate() {
        let spec = chain(&[5], 4, vec![LayerSpec::dense(4, act)], false);
        check_spec(&spec, &format!("Dense({act})"), 100 + i as u64)?;
    }
    // use_bias=False, and Dense on a rank-3 input (last axis).
    let spec = chain(&[5], 4, vec![layer("Dense", json!({"units": 3, "use_bias": false, "activation": "tanh"}))], false);
    check_spec(&spec, "Dense(no bias)", 1)?;
    let spec = chain(&[2, 3, 5], 4, vec![LayerSpec::dense(3, "sigmoid")], true);
    check_spec(&spec, "Dense on [2,3,5]", 2)?;
    Ok(())
}

#[test]
fn activation_layers() -> Result<()> {
    for (i, act) in ACTIVATIONS.iter().enumerate() {
        let spec = chain(&[5], 4, vec![LayerSpec::activation(act)], false);
        check_spec(&spec, &format!("Activation({act})"), 200 + i as u64)?;
    }
    for (cfg, what) in [(json!({}), "LeakyReLU()"), (json!({"negative_slope": 0.1}), "LeakyReLU(0.1)")] {
        check_spec(&chain(&[5], 4, vec![layer("LeakyReLU", cfg)], false), what, 3)?;
    }
    // Softmax over the last axis of a rank-3 tensor.
    check_spec(&chain(&[3, 4], 4, vec![LayerSpec::activation("softmax")], true), "Activation(softmax) on [3,4]", 4)?;
    Ok(())
}

#[test]
fn shape_layers() -> Result<()> {
    check_spec(&chain(&[2, 3, 2], 2, vec![], true), "Flatten", 5)?;
    // Reshape then a Dense on the new last axis: the layout must be right, not just the size.
    for (target, what) in [(json!([3, 4]), "Reshape((3,4))"), (json!([-1, 2]), "Reshape((-1,2))")] {
        let spec = Sequential::new(&[12])
            .add(dense(12))
            .add(layer("Reshape", json!({ "target_shape": target })))
            .add(LayerSpec::dense(3, "tanh"))
            .add(LayerSpec::flatten())
            .add(dense(2))
            .into_spec();
        check_spec(&spec, what, 6)?;
    }
    Ok(())
}

#[test]
fn convolutions() -> Result<()> {
    let mut seed = 300;
    for (padding, strides, act) in [("valid", 1, "linear"), ("same", 1, "tanh"), ("valid", 2, "linear"), ("same", 2, "relu")] {
        let conv = layer("Conv1D", json!({"filters": 4, "kernel_size": 3, "strides": strides, "padding": padding, "activation": act}));
        seed += 1;
        check_spec(&chain(&[7, 3], 3, vec![conv], true), &format!("Conv1D(3, {padding}, stride {strides}, {act})"), seed)?;
    }
    for (size, padding, strides, kernel, act) in [
        (6, "valid", 1, 3, "linear"),
        (6, "same", 1, 3, "tanh"),
        (6, "same", 2, 3, "relu"),
        (7, "same", 2, 3, "linear"),
        (7, "valid", 2, 3, "sigmoid"),
        (5, "same", 1, 5, "linear"),
    ] {
        let conv = layer("Conv2D", json!({"filters": 3, "kernel_size": kernel, "strides": strides, "padding": padding, "activation": act}));
        seed += 1;
        let what = format!("Conv2D({kernel}x{kernel}, {padding}, stride {strides}, {act}) on {size}x{size}");
        check_spec(&chain(&[size, size, 2], 2, vec![conv], true), &what, seed)?;
    }
    // Non-square kernel and strides, no bias.
    let conv = layer("Conv2D", json!({"filters": 2, "kernel_size": [3, 2], "strides": [2, 1], "padding": "same", "use_bias": false}));
    check_spec(&chain(&[5, 4, 2], 2, vec![conv], true), "Conv2D(3x2, stride (2,1), same, no bias)", 399)?;
    Ok(())
}

#[test]
fn pooling() -> Result<()> {
    let mut seed = 400;
    for class in ["MaxPooling2D", "AveragePooling2D"] {
        for (size, pool, strides, padding) in [(6, 2, None, "valid"), (6, 3, Some(2), "same"), (7, 3, Some(2), "same"), (5, 2, Some(1), "same"), (5, 2, None, "same")] {
            let mut cfg = json!({"pool_size": pool, "padding": padding});
            if let Some(s) = strides {
                cfg["strides"] = json!(s);
            }
            seed += 1;
            let what = format!("{class}({pool}, strides {strides:?}, {padding}) on {size}x{size}");
            check_spec(&chain(&[size, size, 2], 2, vec![layer(class, cfg)], true), &what, seed)?;
        }
    }
    for class in ["MaxPooling1D", "AveragePooling1D"] {
        for (pool, strides, padding) in [(2, None, "valid"), (2, None, "same"), (3, Some(2), "same"), (3, Some(1), "valid")] {
            let mut cfg = json!({"pool_size": pool, "padding": padding});
            if let Some(s) = strides {
                cfg["strides"] = json!(s);
            }
            seed += 1;
            check_spec(&chain(&[7, 3], 3, vec![layer(class, cfg)], true), &format!("{class}({pool}, strides {strides:?}, {padding})"), seed)?;
        }
    }
    for (class, shape) in [("GlobalAveragePooling1D", vec![5, 3]), ("GlobalAveragePooling2D", vec![3, 4, 3])] {
        for keepdims in [false, true] {
            seed += 1;
            let spec = chain(&shape, 3, vec![layer(class, json!({ "keepdims": keepdims }))], keepdims);
            check_spec(&spec, &format!("{class}(keepdims={keepdims})"), seed)?;
        }
    }
    Ok(())
}

/// `n` inputs of per-sample shape `shape` -> a Dense(3) each -> `merge` -> (Flatten) -> Dense(2).
fn merge_model(merge: LayerSpec, n: usize, shape: &[usize]) -> GraphSpec {
    let mut batch_shape = vec![Value::Null];
    batch_shape.extend(shape.iter().map(|&d| json!(d)));
    let mut nodes = Vec::new();
    let names: Vec<String> = (0..n).map(|i| format!("in_{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        nodes.push(NodeSpec { layer: layer("InputLayer", json!({ "batch_shape": batch_shape })).named(name), inputs: vec![] });
        nodes.push(NodeSpec { layer: dense(3).named(&format!("dense_{i}")), inputs: vec![name.clone()] });
    }
    nodes.push(NodeSpec { layer: merge.named("merge"), inputs: (0..n).map(|i| format!("dense_{i}")).collect() });
    let mut last = "merge".to_string();
    if shape.len() > 1 {
        nodes.push(NodeSpec { layer: LayerSpec::flatten().named("flatten"), inputs: vec![last] });
        last = "flatten".into();
    }
    nodes.push(NodeSpec { layer: dense(2).named("out"), inputs: vec![last] });
    GraphSpec { name: "merge_model".into(), kind: ModelKind::Functional, nodes, inputs: names, outputs: vec!["out".into()] }
}

#[test]
fn merge_layers() -> Result<()> {
    let mut seed = 500;
    for class in ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"] {
        let counts: &[usize] = if class == "Subtract" { &[2] } else { &[2, 3] };
        for &n in counts {
            seed += 1;
            check_spec(&merge_model(layer(class, json!({})), n, &[4]), &format!("{class} of {n}"), seed)?;
        }
    }
    // Concatenate along the middle axis and the last axis of [2, 3] outputs.
    for axis in [1, -1, 2] {
        seed += 1;
        let spec = merge_model(layer("Concatenate", json!({ "axis": axis })), 2, &[2, 4]);
        check_spec(&spec, &format!("Concatenate(axis={axis}) of [2,3]"), seed)?;
    }
    Ok(())
}

/// One node read by two others: its input gradient must be the sum of both paths.
#[test]
fn fan_out_sums_gradients() -> Result<()> {
    let nodes = vec![
        NodeSpec { layer: layer("InputLayer", json!({"batch_shape": [null, 4]})).named("x"), inputs: vec![] },
        NodeSpec { layer: dense(3).named("d0"), inputs: vec!["x".into()] },
        NodeSpec { layer: LayerSpec::dense(3, "tanh").named("a"), inputs: vec!["d0".into()] },
        NodeSpec { layer: LayerSpec::dense(3, "sigmoid").named("b"), inputs: vec!["d0".into()] },
        NodeSpec { layer: layer("Multiply", json!({})).named("m"), inputs: vec!["a".into(), "b".into(), "d0".into()] },
        NodeSpec { layer: dense(2).named("out"), inputs: vec!["m".into()] },
    ];
    let spec = GraphSpec { name: "fan_out".into(), kind: ModelKind::Functional, nodes, inputs: vec!["x".into()], outputs: vec!["out".into()] };
    check_spec(&spec, "fan-out", 600)
}

/// Dropout: the identity at inference; in training, one `gradients` call shows the mask.
///
/// Model `Input(d) -> Dense(d, identity kernel, no bias) -> Dropout(rate)`, one sample of
/// ones, MSE against zeros: the output is the mask `m` (0 or s = 1/(1-rate)), the loss
/// `sum(m^2)/d` and dL/dW_ij = 2 m_j^2 / d, so each kernel column is all 0 (dropped) or
/// all 2 s^2 / d (kept), the loss is `kept * s^2 / d`, and about `rate` of the columns are 0.
#[test]
fn dropout_masks_forward_and_backward_alike() -> Result<()> {
    let d = 500;
    for rate in [0.2f32, 0.5] {
        let spec = Sequential::new(&[d])
            .add(layer("Dense", json!({"units": d, "use_bias": false})))
            .add(LayerSpec::dropout(rate))
            .into_spec();
        let mut model = Model::from_spec(&spec, 7)?;
        let mut eye = vec![0.0; d * d];
        (0..d).for_each(|i| eye[i * d + i] = 1.0);
        model.set_params(&eye)?;
        model.compile(vec![Loss::MeanSquaredError], Optimizer::from_name("sgd")?, &[])?;
        let x = [Tensor::new(vec![1.0; d], vec![1, d])?];
        // Inference: the identity.
        assert_eq!(model.predict(&x, 1)?[0], x[0], "Dropout({rate}) at inference");
        let y = [Tensor::zeros(vec![1, d])];
        let s = 1.0 / (1.0 - rate);
        let (loss, g) = model.gradients(&x, &y)?;
        let kept_value = 2.0 * s * s / d as f32;
        let mut kept = 0;
        for j in 0..d {
            let col: Vec<f32> = (0..d).map(|i| g[i * d + j]).collect();
            let v = col[0];
            ensure!(col.iter().all(|&c| c == v), "Dropout({rate}): column {j} of the kernel gradient is not constant");
            if v != 0.0 {
                ensure!((v - kept_value).abs() <= 1e-6 * kept_value, "Dropout({rate}): kept column {j} has {v}, expected {kept_value}");
                kept += 1;
            }
        }
        let want_loss = kept as f64 * (s as f64).powi(2) / d as f64;
        ensure!((loss - want_loss).abs() <= 1e-5 * want_loss, "Dropout({rate}): loss {loss}, expected {want_loss} from {kept} kept");
        let dropped = (d - kept) as f32 / d as f32;
        ensure!((dropped - rate).abs() < 0.1, "Dropout({rate}): dropped fraction {dropped}");
        // A second training call draws a new mask.
        let g1 = model.gradients(&x, &y)?.1.to_vec();
        let (_, g2) = model.gradients(&x, &y)?;
        ensure!(g1 != g2, "Dropout({rate}): the same mask twice");
    }
    Ok(())
}
