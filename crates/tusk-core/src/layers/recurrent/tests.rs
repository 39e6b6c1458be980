//! Recurrent layers: backward against finite differences (inputs and every weight), the
//! unused-capacity and no-dx paths, options, initialisation and config round trips.

use super::super::grad_check::{build, check_gradients};
use crate::layers::{Ctx, Layer};
use crate::model::{LayerSpec, Model, Sequential};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const SHAPE: [usize; 2] = [5, 3];

fn grad_case(class: &str, cfg: Value) {
    let inputs = vec![SHAPE.to_vec()];
    let mut layer = build(class, cfg.clone(), &inputs);
    check_gradients(layer.as_mut(), &inputs, 2, true, &format!("{class} {cfg}"));
}

#[test]
fn simple_rnn_backward_matches_finite_differences() {
    grad_case("SimpleRNN", json!({"units": 4}));
    grad_case("SimpleRNN", json!({"units": 4, "return_sequences": true}));
    grad_case("SimpleRNN", json!({"units": 4, "return_sequences": true, "go_backwards": true}));
    grad_case("SimpleRNN", json!({"units": 4, "use_bias": false, "activation": "gelu"}));
}

#[test]
fn lstm_backward_matches_finite_differences() {
    grad_case("LSTM", json!({"units": 4}));
    grad_case("LSTM", json!({"units": 4, "return_sequences": true}));
    grad_case("LSTM", json!({"units": 4, "go_backwards": true}));
    grad_case("LSTM", json!({"units": 4, "return_sequences": true, "go_backwards": true, "use_bias": false}));
    grad_case("LSTM", json!({"units": 3, "return_sequences": true, "activation": "swish", "recurrent_activation": "softsign"}));
}

#[test]
fn gru_backward_matches_finite_differences() {
    for reset_after in [true, false] {
        grad_case("GRU", json!({"units": 4, "reset_after": reset_after}));
        grad_case("GRU", json!({"units": 4, "reset_after": reset_after, "return_sequences": true}));
        grad_case("GRU", json!({"units": 4, "reset_after": reset_after, "return_sequences": true, "go_backwards": true}));
        grad_case("GRU", json!({"units": 4, "reset_after": reset_after, "use_bias": false}));
        grad_case("GRU", json!({"units": 3, "reset_after": reset_after, "return_sequences": true, "activation": "swish", "recurrent_activation": "softsign"}));
    }
}

/// Runs forward then backward on `batch` samples of a layer sized for `capacity`.
fn pass(layer: &mut dyn Layer, x: &[f32], p: &[f32], batch: usize, capacity: usize, want_dx: bool) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    layer.set_capacity(capacity);
    let out = batch * layer.output_shape().iter().product::<usize>();
    let mut y = vec![0.0; out];
    let mut rng = SmallRng::seed_from_u64(0);
    layer.forward(&mut Ctx { batch, training: true, rng: &mut rng }, &[x], p, &mut y);
    let mut dy: Vec<f32> = (0..out).map(|i| (i as f32 * 0.7).sin()).collect();
    let mut dp = vec![0.0; p.len()];
    let mut dx = vec![0.0; if want_dx { x.len() } else { 0 }];
    layer.backward(batch, &[x], &y, &mut dy, p, &mut dp, &mut [&mut dx[..]]);
    (y, dp, dx)
}

#[test]
fn spare_capacity_repeated_passes_and_no_dx_give_the_same_numbers() {
    let mut rng = SmallRng::seed_from_u64(3);
    for (class, reset_after) in [("SimpleRNN", true), ("LSTM", true), ("GRU", true), ("GRU", false)] {
        let cfg = json!({"units": 3, "return_sequences": true, "reset_after": reset_after});
        let cfg = if class == "GRU" { cfg } else { json!({"units": 3, "return_sequences": true}) };
        let mut a = build(class, cfg.clone(), &[SHAPE.to_vec()]);
        let mut b = build(class, cfg, &[SHAPE.to_vec()]);
        let n_p: usize = a.params().iter().map(|s| s.len()).sum();
        let p: Vec<f32> = (0..n_p).map(|_| rng.gen_range(-0.5..0.5)).collect();
        let x: Vec<f32> = (0..2 * 15).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let (y1, dp1, dx1) = pass(a.as_mut(), &x, &p, 2, 2, true);
        let other: Vec<f32> = x.iter().map(|v| -v).collect();
        pass(b.as_mut(), &other, &p, 2, 7, true); // a different batch first: no state may leak
        let (y2, dp2, dx2) = pass(b.as_mut(), &x, &p, 2, 7, true);
        let (y3, dp3, _) = pass(b.as_mut(), &x, &p, 2, 7, false);
        assert_eq!(y1, y2, "{class}");
        assert_eq!(y1, y3, "{class}");
        assert_eq!(dx1, dx2, "{class}");
        for (u, v) in dp1.iter().zip(&dp2).chain(dp1.iter().zip(&dp3)) {
            assert!((u - v).abs() <= 1e-6 * (1.0 + u.abs()), "{class}: {u} vs {v}");
        }
    }
}

#[test]
fn shapes_and_keras_weight_layout() {
    let cases = [
        ("SimpleRNN", json!({"units": 4}), vec![vec![3, 4], vec![4, 4], vec![4]]),
        ("LSTM", json!({"units": 4, "return_sequences": true}), vec![vec![3, 16], vec![4, 16], vec![16]]),
        ("GRU", json!({"units": 4}), vec![vec![3, 12], vec![4, 12], vec![2, 12]]),
        ("GRU", json!({"units": 4, "reset_after": false}), vec![vec![3, 12], vec![4, 12], vec![12]]),
        ("GRU", json!({"units": 4, "use_bias": false}), vec![vec![3, 12], vec![4, 12]]),
    ];
    for (class, cfg, want) in cases {
        let seq = cfg.get("return_sequences").is_some();
        let layer = build(class, cfg, &[SHAPE.to_vec()]);
        let shapes: Vec<Vec<usize>> = layer.params().iter().map(|p| p.shape.clone()).collect();
        assert_eq!(shapes, want, "{class}");
        assert_eq!(layer.output_shape(), if seq { &[5, 4][..] } else { &[4][..] });
        assert_eq!(layer.class_name(), class);
    }
}

#[test]
fn unit_forget_bias_sets_the_forget_block_to_one() {
    for (ufb, want) in [(true, 1.0), (false, 0.0)] {
        let spec = Sequential::new(&SHAPE).add(LayerSpec::new("LSTM", json!({"units": 2, "unit_forget_bias": ufb}))).into_spec();
        let model = Model::from_spec(&spec, 1).unwrap();
        let w = model.layer_weights("lstm").unwrap();
        assert_eq!(w[2].data(), &[0.0, 0.0, want, want, 0.0, 0.0, 0.0, 0.0]);
        assert!(w[1].data().iter().any(|v| *v != 0.0));
    }
}

#[test]
fn config_round_trips_through_the_layer() {
    for (class, cfg) in [
        ("SimpleRNN", json!({"units": 2, "activation": "relu", "go_backwards": true})),
        ("LSTM", json!({"units": 2, "return_sequences": true, "unit_forget_bias": false, "recurrent_activation": "hard_sigmoid"})),
        ("GRU", json!({"units": 2, "reset_after": false, "use_bias": false})),
    ] {
        let layer = build(class, cfg.clone(), &[SHAPE.to_vec()]);
        let written = layer.config();
        let again = build(class, Value::Object(written.clone()), &[SHAPE.to_vec()]);
        assert_eq!(again.config(), written, "{class}");
        for (k, v) in cfg.as_object().unwrap() {
            assert_eq!(&written[k], v, "{class} {k}");
        }
    }
}

#[test]
fn unsupported_options_are_named() {
    let shape = [SHAPE.to_vec()];
    for (class, key, value) in [
        ("LSTM", "return_state", json!(true)),
        ("GRU", "stateful", json!(true)),
        ("SimpleRNN", "dropout", json!(0.2)),
        ("LSTM", "recurrent_dropout", json!(0.1)),
        ("GRU", "kernel_regularizer", json!({"class_name": "L2", "config": {"l2": 0.01}})),
        ("LSTM", "recurrent_constraint", json!({"class_name": "NonNeg", "config": {}})),
        ("LSTM", "time_major", json!(true)),
        ("SimpleRNN", "recurrent_activation", json!("sigmoid")),
    ] {
        let map = json!({"units": 2, key: value});
        let map = map.as_object().unwrap();
        let lc = crate::keras::layer_config::LayerConfig::new(class, map, "rnn");
        let err = crate::layers::build_layer(&lc, &shape).err().unwrap_or_else(|| panic!("{class} {key} accepted")).to_string();
        assert!(err.contains("unsupported") && err.contains(key) && err.contains(class) && err.contains("'rnn'"), "{err}");
    }
    for (key, value) in [("dropout", json!(0)), ("unroll", json!(true)), ("implementation", json!(2)), ("seed", json!(7)), ("time_major", json!(false))] {
        build("LSTM", json!({"units": 2, key: value}), &shape);
    }
    let map = json!({"units": 2});
    let lc = crate::keras::layer_config::LayerConfig::new("LSTM", map.as_object().unwrap(), "rnn");
    let err = crate::layers::build_layer(&lc, &[vec![5]]).err().unwrap().to_string();
    assert!(err.contains("rank 3"), "{err}");
}

#[test]
fn fit_learns_a_sequence_task() {
    // Target: the first feature of the first timestep minus that of the last, which a
    // recurrent layer must carry across the sequence.
    let mut rng = SmallRng::seed_from_u64(9);
    let n = 256;
    let x: Vec<f32> = (0..n * 6 * 2).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let y: Vec<f32> = (0..n).map(|i| x[i * 12] - x[i * 12 + 10]).collect();
    let x = crate::Tensor::new(x, vec![n, 6, 2]).unwrap();
    let y = crate::Tensor::new(y, vec![n, 1]).unwrap();
    for (class, cfg) in [
        ("SimpleRNN", json!({"units": 8})),
        ("LSTM", json!({"units": 8})),
        ("GRU", json!({"units": 8})),
        ("GRU", json!({"units": 8, "reset_after": false, "go_backwards": true})),
    ] {
        let spec = Sequential::new(&[6, 2]).add(LayerSpec::new(class, cfg.clone())).add(LayerSpec::dense(1, "linear")).into_spec();
        let mut model = Model::from_spec(&spec, 4).unwrap();
        model.compile(vec![crate::Loss::MeanSquaredError], crate::Optimizer::from_name("adam").unwrap(), &[]).unwrap();
        let before = model.evaluate(&[x.clone()], &[y.clone()], 64).unwrap().get("loss").unwrap();
        let opts = crate::FitOptions { epochs: 60, batch_size: 16, ..Default::default() };
        model.fit(&[x.clone()], &[y.clone()], &opts, &mut []).unwrap();
        let after = model.evaluate(&[x.clone()], &[y.clone()], 64).unwrap().get("loss").unwrap();
        assert!(after < 0.2 * before, "{class} {cfg}: loss {before} -> {after}");
    }
}
