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
    /// Run a parameter server that `tusk worker` processes connect to.
    Ps(PsArgs),
    /// Run one worker against a parameter server, on one shard of the data.
    Worker(WorkerArgs),
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

/// A whole number of at least 1 (a count of epochs, samples, workers, batches).
fn positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// The model and how each step trains it (shared by `train` and `ps`).
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// `mlp`, `cnn`, a Keras JSON file (model.to_json()), or a directory written by --save.
    #[arg(long)]
    pub model: String,
    #[arg(long, default_value_t = 5, value_parser = positive)]
    pub epochs: usize,
    #[arg(long, default_value_t = 32, value_parser = positive)]
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
    /// Seed for weights, dropout and shuffling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop once training accuracy reaches this value.
    #[arg(long)]
    pub stop_at_accuracy: Option<f64>,
    /// Stop once training loss falls to this value.
    #[arg(long)]
    pub stop_at_loss: Option<f64>,
    /// Save the trained model (Keras JSON + safetensors + optimizer state) to this directory.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Write a JSON report (accuracy, loss, speed, memory, per-epoch history).
    #[arg(long)]
    pub report_json: Option<PathBuf>,
}

/// Data-parallel training: an Elephas mode or a dist-keras trainer, and the server's settings.
#[derive(Args, Debug, Clone)]
pub struct DistArgs {
    /// Train with this many data-parallel workers (threads in this process by default).
    #[arg(long, value_parser = positive)]
    pub workers: Option<usize>,
    /// Elephas mode: synchronous, asynchronous, hogwild.
    #[arg(long, conflicts_with = "trainer")]
    pub mode: Option<String>,
    /// Elephas frequency: epoch or batch (commit every --window batches).
    #[arg(long, default_value = "epoch")]
    pub frequency: String,
    /// Elephas driver optimizer applying deltas on the server: sgd, rmsprop, adagrad, adadelta, adam, adamw, nadam (default: plain addition).
    #[arg(long)]
    pub driver_optimizer: Option<String>,
    /// dist-keras trainer: single, averaging, ensemble, downpour, adag, dynsgd, aeasgd, eamsgd.
    #[arg(long)]
    pub trainer: Option<String>,
    /// λ, local batches between commits (default: the trainer's; 1 for Elephas per batch).
    #[arg(long, value_parser = positive)]
    pub window: Option<usize>,
    /// AEASGD/EAMSGD ρ (α = elastic-lr × rho).
    #[arg(long, default_value_t = 5.0)]
    pub rho: f32,
    /// AEASGD/EAMSGD η.
    #[arg(long, default_value_t = 0.1)]
    pub elastic_lr: f32,
    /// EAMSGD's Nesterov momentum μ.
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f32,
    /// Compress deltas: none, fp16, bf16, topk:F (fraction F, with error feedback).
    #[arg(long, default_value = "none")]
    pub compression: String,
    /// Checkpoint the server every K applied commits (needs --checkpoint-dir).
    #[arg(long)]
    pub checkpoint_every: Option<u64>,
    #[arg(long)]
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue from the newest checkpoint in this directory.
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// Seconds without any message from the workers before the job fails.
    #[arg(long, default_value_t = 600)]
    pub idle_timeout: u64,
    /// Seconds for all workers to connect before the job fails.
    #[arg(long, default_value_t = 120)]
    pub registration_timeout: u64,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub m: ModelArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub dist: DistArgs,
    /// Run the workers as separate local processes (`tusk worker`) talking TCP.
    #[arg(long)]
    pub processes: bool,
    /// Test data (same formats); with `fashion-mnist` the 10k test set is used.
    #[arg(long)]
    pub test_data: Option<String>,
    /// Labels file for the test data.
    #[arg(long)]
    pub test_labels: Option<PathBuf>,
    #[arg(long, default_value_t = 0.0)]
    pub validation_split: f32,
    /// Write a loss/accuracy plot (SVG).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Stop early when validation loss stops improving for this many epochs.
    #[arg(long)]
    pub early_stopping: Option<usize>,
    /// Use at most this many training samples (quick runs).
    #[arg(long, value_parser = positive)]
    pub limit: Option<usize>,
}

#[derive(Args, Debug)]
pub struct PsArgs {
    #[command(flatten)]
    pub m: ModelArgs,
    #[command(flatten)]
    pub dist: DistArgs,
    /// Address to listen on, `host:port` (port 0: any free port, printed on start).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// File holding the job's auth token (at least 16 bytes, readable by its owner only);
    /// workers must present the same. Required unless `--listen` is a loopback address.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Serve a non-loopback address without a token: anyone who can reach the port can join
    /// the job and read the model.
    #[arg(long)]
    pub insecure: bool,
    /// Write the listening address to this file once the server is up.
    #[arg(long)]
    pub address_file: Option<PathBuf>,
    /// Evaluate the trained model on this data at the end (`fashion-mnist`: its test set).
    #[arg(long)]
    pub test_data: Option<String>,
    #[arg(long)]
    pub test_labels: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct WorkerArgs {
    /// The parameter server, `host:port`.
    #[arg(long)]
    pub connect: String,
    /// This worker's shard, `I/N`: the I-th (0-based) of N equal parts of the data.
    #[arg(long)]
    pub shard: String,
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Which try of this worker this is (a restarted worker uses a higher attempt).
    #[arg(long, default_value_t = 0)]
    pub attempt: u32,
    /// Seconds each network call may take.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Use at most this many samples of the data before sharding.
    #[arg(long, value_parser = positive)]
    pub limit: Option<usize>,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A directory written by `tusk train --save`.
    #[arg(long)]
    pub model: String,
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, default_value_t = 256, value_parser = positive)]
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
    #[arg(long, default_value_t = 256, value_parser = positive)]
    pub batch_size: usize,
}
