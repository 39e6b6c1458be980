//! Shared by the integration tests: a Fashion-MNIST subset fitted to the `mlp` preset, and
//! jobs for it.
#![allow(dead_code)]

use serde_json::json;
use tusk_core::keras::model_to_json;
use tusk_core::{presets, Loss, Model, Optimizer, Tensor};
use tusk_dist::{Algorithm, JobSettings, JobSpec};

pub struct Data {
    pub x: Tensor,
    pub y: Tensor,
    pub test_x: Tensor,
    pub test_y: Tensor,
}

/// `n` training and `n_test` test samples of Fashion-MNIST (one-hot labels).
pub fn fashion(n: usize, n_test: usize) -> Data {
    let (train, test) = tusk_data::fashion_mnist::load_default().expect("Fashion-MNIST (apt-get install dataset-fashion-mnist)");
    let cut = |ds: &tusk_data::Dataset, n: usize| {
        let y = tusk_data::to_categorical(&ds.y.as_ref().unwrap().slice_rows(0, n), Some(10)).unwrap();
        (ds.x.slice_rows(0, n).reshape(vec![n, 784]).unwrap(), y)
    };
    let (x, y) = cut(&train, n);
    let (test_x, test_y) = cut(&test, n_test);
    Data { x, y, test_x, test_y }
}

/// The compiled `mlp` preset with `optimizer` (a Keras config).
pub fn mlp(optimizer: serde_json::Value) -> Model {
    let mut m = Model::from_spec(&presets::by_name("mlp").unwrap(), 0).unwrap();
    m.compile(vec![Loss::from_config(&json!("categorical_crossentropy")).unwrap()], Optimizer::from_config(&optimizer).unwrap(), &["accuracy"]).unwrap();
    m
}

/// A job training `model` with `algorithm`.
pub fn job(model: &Model, algorithm: Algorithm, epochs: usize, batch_size: usize) -> JobSpec {
    let settings = JobSettings { epochs, batch_size, ..JobSettings::default() };
    JobSpec::new(algorithm, settings, model_to_json(model), model.training_config().unwrap()).unwrap()
}

pub fn accuracy(model: &mut Model, d: &Data) -> f64 {
    model.evaluate(&[d.test_x.clone()], &[d.test_y.clone()], 256).unwrap().get("accuracy").unwrap()
}
