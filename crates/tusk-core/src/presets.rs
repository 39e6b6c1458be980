//! The two models the seeds use, as presets: `mlp` (the Elephas README model) and `cnn`
//! (the SystemML article model), both for 28x28 grey images and 10 classes.

use crate::error::{Error, Result};
use crate::model::{GraphSpec, LayerSpec, Sequential};

/// Names of the presets.
pub const NAMES: &[&str] = &["mlp", "cnn"];

/// `mlp`: input 784 -> Dense 128 relu -> Dropout .2 -> Dense 128 relu -> Dropout .2 -> Dense 10 softmax.
pub fn mlp() -> GraphSpec {
    Sequential::new(&[784])
        .add(LayerSpec::dense(128, "relu"))
        .add(LayerSpec::dropout(0.2))
        .add(LayerSpec::dense(128, "relu"))
        .add(LayerSpec::dropout(0.2))
        .add(LayerSpec::dense(10, "softmax"))
        .into_spec()
}

/// `cnn`: 28x28x1 -> Conv2D 32 5x5 relu same -> MaxPool 2 -> Conv2D 64 5x5 relu same ->
/// MaxPool 2 -> Flatten -> Dense 512 relu -> Dropout .5 -> Dense 10 softmax.
pub fn cnn() -> GraphSpec {
    Sequential::new(&[28, 28, 1])
        .add(LayerSpec::conv2d(32, 5, "same", "relu"))
        .add(LayerSpec::max_pool2d(2))
        .add(LayerSpec::conv2d(64, 5, "same", "relu"))
        .add(LayerSpec::max_pool2d(2))
        .add(LayerSpec::flatten())
        .add(LayerSpec::dense(512, "relu"))
        .add(LayerSpec::dropout(0.5))
        .add(LayerSpec::dense(10, "softmax"))
        .into_spec()
}

/// A preset by name.
pub fn by_name(name: &str) -> Result<GraphSpec> {
    match name {
        "mlp" => Ok(mlp()),
        "cnn" => Ok(cnn()),
        other => Err(Error::config(format!("no preset model '{other}' (presets: {})", NAMES.join(", ")))),
    }
}
