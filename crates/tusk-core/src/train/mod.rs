//! Training: [`Model::fit`](crate::Model::fit) with its options, the per-epoch
//! [`History`], and Keras-style [`callbacks`].

pub mod callbacks;
mod fit;
mod history;
mod steps;

pub use callbacks::{BatchProgress, Callback, Control, EarlyStopping, LearningRateScheduler, StopAtTarget};
pub use fit::FitOptions;
pub use history::{EpochLog, History};
pub use steps::Steps;
