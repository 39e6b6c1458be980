//! `fit` beyond one output: a two-input, two-output functional model built in Rust,
//! validation data, and the callbacks (early stopping with restored weights, stopping at
//! a target, learning-rate schedules).

use tusk_core::model::Functional;
use tusk_core::train::{EarlyStopping, LearningRateScheduler, StopAtTarget};
use tusk_core::{FitOptions, LayerSpec, Loss, Model, Optimizer, Sequential, Tensor};

/// 3 classes, separable: class c has feature c raised.
fn toy(n: usize) -> (Tensor, Tensor) {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let c = i % 3;
        for f in 0..4 {
            x.push(if f == c { 1.0 } else { 0.0 } + ((i * 7 + f * 3) % 10) as f32 * 0.03);
        }
        y.extend((0..3).map(|k| (k == c) as u8 as f32));
    }
    (Tensor::new(x, vec![n, 4]).unwrap(), Tensor::new(y, vec![n, 3]).unwrap())
}

fn classifier(lr: f32) -> Model {
    let spec = Sequential::new(&[4]).add(LayerSpec::dense(8, "relu")).add(LayerSpec::dense(3, "softmax")).into_spec();
    let mut m = Model::from_spec(&spec, 1).unwrap();
    let mut opt = Optimizer::from_name("sgd").unwrap();
    opt.learning_rate = lr;
    m.compile(vec![Loss::CategoricalCrossentropy { from_logits: false }], opt, &["accuracy"]).unwrap();
    m
}

#[test]
fn functional_model_with_two_inputs_and_two_outputs_trains() {
    let mut f = Functional::new("two_heads");
    let a = f.input(&[4]);
    let b = f.input(&[4]);
    let ha = f.apply(LayerSpec::dense(8, "tanh"), &[a]);
    let hb = f.apply(LayerSpec::dense(8, "tanh"), &[b]);
    let joined = f.apply(LayerSpec::new("Concatenate", serde_json::json!({})), &[ha, hb]);
    let class = f.apply(LayerSpec::dense(3, "softmax").named("class"), &[joined]);
    let sum = f.apply(LayerSpec::new("Add", serde_json::json!({})), &[ha, hb]);
    let value = f.apply(LayerSpec::dense(1, "linear").named("value"), &[sum]);
    let mut model = Model::from_spec(&f.outputs(&[class, value]), 2).unwrap();
    model
        .compile(vec![Loss::CategoricalCrossentropy { from_logits: false }, Loss::MeanSquaredError], Optimizer::from_name("adam").unwrap(), &[])
        .unwrap();
    let (x, y) = toy(120);
    let target = Tensor::new(y.data().chunks(3).map(|r| r[1] * 2.0 - 1.0).collect(), vec![120, 1]).unwrap();
    let before = model.evaluate(&[x.clone(), x.clone()], &[y.clone(), target.clone()], 32).unwrap().get("loss").unwrap();
    let h = model.fit(&[x.clone(), x.clone()], &[y.clone(), target.clone()], &FitOptions { epochs: 60, batch_size: 16, ..Default::default() }, &mut []).unwrap();
    let after = model.evaluate(&[x.clone(), x.clone()], &[y.clone(), target.clone()], 32).unwrap().get("loss").unwrap();
    assert!(after < before * 0.2, "loss {before} -> {after}");
    assert_eq!(h.epochs.len(), 60);
    // Keras' loss_weights: the total is the weighted sum of the per-output losses.
    let whole = model.evaluate(&[x.clone(), x.clone()], &[y.clone(), target.clone()], 32).unwrap().get("loss").unwrap();
    model.set_loss_weights(&[1.0, 0.0]).unwrap();
    let class_only = model.evaluate(&[x.clone(), x.clone()], &[y.clone(), target.clone()], 32).unwrap().get("loss").unwrap();
    model.set_loss_weights(&[0.0, 2.0]).unwrap();
    let value_twice = model.evaluate(&[x.clone(), x.clone()], &[y.clone(), target.clone()], 32).unwrap().get("loss").unwrap();
    assert!((class_only + value_twice / 2.0 - whole).abs() < 1e-5, "{class_only} + {value_twice}/2 vs {whole}");
    assert!(model.set_loss_weights(&[1.0]).unwrap_err().to_string().contains("loss_weights"));
    let outs = model.predict(&[x.clone(), x], 50).unwrap();
    assert_eq!((outs[0].shape(), outs[1].shape()), (&[120, 3][..], &[120, 1][..]));
}

#[test]
fn validation_data_is_reported_per_epoch() {
    let (x, y) = toy(90);
    let (vx, vy) = toy(30);
    let mut m = classifier(0.1);
    let opts = FitOptions { epochs: 3, batch_size: 8, validation_data: Some((vec![vx], vec![vy])), ..Default::default() };
    let h = m.fit(&[x], &[y], &opts, &mut []).unwrap();
    let names: Vec<String> = h.history().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["loss", "accuracy", "val_loss", "val_accuracy"]);
    assert!(h.values("val_accuracy").iter().all(|v| (0.0..=1.0).contains(v)));
}

#[test]
fn early_stopping_stops_and_restores_the_best_weights() {
    let (x, y) = toy(60);
    // A learning rate so large that the loss gets worse after the first epochs.
    let mut m = classifier(40.0);
    let mut es = EarlyStopping::new("loss", 2).restore_best_weights(true);
    let h = m.fit(&[x.clone()], &[y.clone()], &FitOptions { epochs: 50, batch_size: 60, shuffle: false, ..Default::default() }, &mut [&mut es]).unwrap();
    let stopped = es.stopped_epoch.expect("stopped early");
    assert!(h.epochs.len() < 50 && h.epochs.len() == stopped + 1);
    let losses = h.values("loss");
    let best = losses.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(losses.last().unwrap() > &best);
}

#[test]
fn stop_at_target_accuracy() {
    let (x, y) = toy(90);
    let mut m = classifier(0.5);
    let mut stop = StopAtTarget::new("accuracy", 0.9);
    let h = m.fit(&[x], &[y], &FitOptions { epochs: 200, batch_size: 9, ..Default::default() }, &mut [&mut stop]).unwrap();
    let at = stop.reached_at.expect("target reached");
    assert_eq!(h.epochs.len(), at + 1);
    assert!(h.values("accuracy")[at] >= 0.9);
    assert!(h.epochs.len() < 200);
}

#[test]
fn learning_rate_schedule_is_applied_each_epoch() {
    let (x, y) = toy(30);
    let mut m = classifier(0.1);
    let mut sched = LearningRateScheduler::step_decay(0.5, 1);
    m.fit(&[x], &[y], &FitOptions { epochs: 4, batch_size: 10, ..Default::default() }, &mut [&mut sched]).unwrap();
    let lr = m.compiled().unwrap().optimizer.learning_rate;
    assert!((lr - 0.1 * 0.5f32.powi(3)).abs() < 1e-7, "lr {lr}");
}

#[test]
fn fit_rejects_bad_input_with_clear_errors() {
    let (x, y) = toy(30);
    let mut m = classifier(0.1);
    let sparse = Tensor::new((0..30).map(|i| (i % 3) as f32).collect(), vec![30]).unwrap();
    let e = m.fit(&[x.clone()], &[sparse], &FitOptions::default(), &mut []).unwrap_err().to_string();
    assert!(e.contains("sparse_categorical_crossentropy"), "{e}");
    let mut bad = x.clone();
    bad.data_mut()[7] = f32::INFINITY;
    let e = m.fit(&[bad], &[y.clone()], &FitOptions::default(), &mut []).unwrap_err().to_string();
    assert!(e.contains("sample 1"), "{e}");
    let wide = Tensor::new(vec![0.0; 30 * 5], vec![30, 5]).unwrap();
    let e = m.fit(&[wide], &[y.clone()], &FitOptions::default(), &mut []).unwrap_err().to_string();
    assert!(e.contains("[4]") && e.contains("[30, 5]"), "{e}");
    let e = m.fit(&[x.clone()], &[y.slice_rows(0, 20)], &FitOptions::default(), &mut []).unwrap_err().to_string();
    assert!(e.contains("20") && e.contains("30"), "{e}");
    let e = m.fit(&[x], &[y], &FitOptions { validation_split: 1.5, ..Default::default() }, &mut []).unwrap_err().to_string();
    assert!(e.contains("validation_split"), "{e}");
    let mut fresh = Model::from_spec(&Sequential::new(&[4]).add(LayerSpec::dense(3, "softmax")).into_spec(), 0).unwrap();
    let (x, y) = toy(3);
    assert!(fresh.fit(&[x], &[y], &FitOptions::default(), &mut []).unwrap_err().to_string().contains("compile"));
}
