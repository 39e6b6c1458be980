//! Command-line arguments of the `tusk` binary.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "tusk", version, about = "Train, evaluate and predict Keras-style models on CPU")]
pub struct Cli {
    /// Threads for the compute kernels (default: all cores).
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum Command {
    /// Train a model and report test accuracy.
    Train(TrainArgs),
    /// Evaluate a saved model on labelled data.
    Evaluate(EvalArgs),
    /// Write a saved model's predictions for data to CSV or NPY.
    Predict(PredictArgs),
}

/// Where data comes from: `fashion-mnist` or a file with optional labels.
#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// `fashion-mnist`, or a path to IDX (.gz), CSV, LibSVM, NPY or NPZ data.
    #[arg(long)]
    pub data: String,
    /// Labels file for IDX/NPY data.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// CSV label column (name or 0-based index); default: a column named `label`.
    #[arg(long)]
    pub label_column: Option<String>,
    /// Force the file format: idx, csv, libsvm, npy, npz.
    #[arg(long)]
    pub format: Option<String>,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// `mlp`, `cnn`, a Keras JSON file (model.to_json()), or a directory written by --save.
    #[arg(long)]
    pub model: String,
    #[command(flatten)]
    pub data: DataArgs,
    /// Test data (same formats); with `fashion-mnist` the 10k test set is used.
    #[arg(long)]
    pub test_data: Option<String>,
    /// Labels file for the test data.
    #[arg(long)]
    pub test_labels: Option<PathBuf>,
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// sgd, rmsprop, adagrad, adadelta, adam, adamw, nadam (Keras defaults).
    #[arg(long, default_value = "adam")]
    pub optimizer: String,
    /// Learning rate (default: the optimizer's Keras default).
    #[arg(long)]
    pub lr: Option<f32>,
    /// Loss; default categorical_crossentropy (class-index labels are one-hot encoded).
    #[arg(long, default_value = "categorical_crossentropy")]
    pub loss: String,
    /// Metrics, comma-separated.
    #[arg(long, default_value = "accuracy")]
    pub metrics: String,
    #[arg(long, default_value_t = 0.0)]
    pub validation_split: f32,
    /// Save the trained model (Keras JSON + safetensors + optimizer state) to this directory.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Write a JSON report (accuracy, loss, speed, memory, per-epoch history).
    #[arg(long)]
    pub report_json: Option<PathBuf>,
    /// Write a loss/accuracy plot (SVG).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Seed for weights, dropout and shuffling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop early when validation loss stops improving for this many epochs.
    #[arg(long)]
    pub early_stopping: Option<usize>,
    /// Stop once training accuracy reaches this value.
    #[arg(long)]
    pub stop_at_accuracy: Option<f64>,
    /// Use at most this many training samples (quick runs).
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A directory written by `tusk train --save`.
    #[arg(long)]
    pub model: String,
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, default_value_t = 256)]
    pub batch_size: usize,
    #[arg(long)]
    pub report_json: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// A directory written by `tusk train --save`.
    #[arg(long)]
    pub model: String,
    #[command(flatten)]
    pub data: DataArgs,
    /// Output file: .csv or .npy.
    #[arg(long)]
    pub output: PathBuf,
    /// Write the predicted class index instead of the output values.
    #[arg(long)]
    pub classes: bool,
    #[arg(long, default_value_t = 256)]
    pub batch_size: usize,
}
