//! tusk-core: a Keras-compatible neural-network engine for CPU.
//!
//! A [`Model`] is a graph of layers whose weights live in one contiguous `f32` buffer
//! (Keras weight names and shapes are views into it). Models are built from Keras JSON
//! ([`keras::model_from_json`]) or from Rust ([`Sequential`]), compiled with a [`Loss`],
//! an [`Optimizer`] and metrics, and trained with [`Model::fit`].

pub mod activations;
pub mod atomic_dir;
pub mod error;
pub mod init;
pub mod io;
pub mod kernels;
pub mod keras;
pub mod layers;
pub mod losses;
pub mod metrics;
pub mod model;
pub mod optimizers;
pub mod presets;
pub mod tensor;
pub mod traced;
pub mod train;

pub use error::{Error, Result};
pub use losses::Loss;
pub use model::{GraphSpec, LayerSpec, Logs, Model, Sequential};
pub use optimizers::Optimizer;
pub use tensor::Tensor;
pub use train::{Callback, FitOptions, History};
