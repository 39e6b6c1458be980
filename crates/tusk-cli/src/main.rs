//! `tusk`: train, evaluate and predict Keras-style models from the command line.
//!
//! ```text
//! tusk train    --model mlp|cnn|MODEL.json|SAVED_DIR --data fashion-mnist|PATH [options]
//! tusk evaluate --model SAVED_DIR --data PATH [--labels PATH]
//! tusk predict  --model SAVED_DIR --data PATH --output preds.csv|preds.npy
//! tusk train    ... --workers N --mode synchronous|asynchronous|hogwild | --trainer NAME
//! tusk ps       --listen ADDR --model ... --workers N [--token-file F]
//! tusk worker   --connect ADDR --shard I/N --data PATH [--token-file F]
//! ```

mod args;
mod commands;
mod data;
mod distributed;
mod job;
mod model_source;
mod outputs;
mod plot;
mod processes;
mod progress;
mod report;
mod run_end;

use clap::Parser;

fn main() {
    let cli = args::Cli::parse();
    // The libraries log through `tracing`; warnings (a refused connection, a lost worker) go
    // to stderr, as the command's own messages do.
    tracing_subscriber::fmt().with_writer(std::io::stderr).without_time().with_target(false).with_max_level(tracing::Level::INFO).init();
    if let Some(n) = cli.threads {
        tusk_core::kernels::set_num_threads(n);
        // The pool may already exist (tests); then the kernel setting alone applies.
        let _ = rayon_pool(n);
    }
    let result = match cli.command {
        args::Command::Train(a) => commands::train::run(a),
        args::Command::Evaluate(a) => commands::evaluate::run(a),
        args::Command::Predict(a) => commands::predict::run(a),
        args::Command::Ps(a) => commands::ps::run(a),
        args::Command::Worker(a) => commands::worker::run(a),
    };
    if let Err(e) = result {
        commands::worker::say(&format!("error: {}", message(&e)));
        std::process::exit(1);
    }
}

/// The error and its causes, joined by `: ` as `{:#}` does, except that a cause whose text
/// already ends the message (an I/O error that its error's own text includes) is not repeated.
fn message(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain().map(|c| c.to_string()) {
        if !msg.ends_with(&cause) {
            if !msg.is_empty() {
                msg.push_str(": ");
            }
            msg.push_str(&cause);
        }
    }
    msg
}

fn rayon_pool(n: usize) -> Result<(), String> {
    rayon::ThreadPoolBuilder::new().num_threads(n).build_global().map_err(|e| e.to_string())
}
