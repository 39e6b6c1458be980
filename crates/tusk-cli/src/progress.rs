//! Training progress: a bar per epoch on a terminal, one plain line per epoch otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use tusk_core::model::Logs;
use tusk_core::train::{BatchProgress, Callback, Control, EpochLog};
use tusk_core::Model;

pub struct Progress {
    bar: Option<ProgressBar>,
    tty: bool,
}

impl Progress {
    pub fn new() -> Self {
        Progress { bar: None, tty: std::io::stderr().is_terminal() }
    }
}

/// "loss: 0.4321 - accuracy: 0.8765 - val_loss: ..." as Keras prints it.
pub fn format_logs(logs: &Logs) -> String {
    logs.iter().map(|(k, v)| format!("{k}: {v:.4}")).collect::<Vec<_>>().join(" - ")
}

impl Callback for Progress {
    fn on_batch_end(&mut self, p: &BatchProgress) {
        if !self.tty {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::new(p.steps as u64);
            bar.set_style(ProgressStyle::with_template("Epoch {prefix} [{bar:30}] {pos}/{len} {msg}").expect("template").progress_chars("=> "));
            bar.set_prefix(format!("{}/{}", p.epoch + 1, p.epochs));
            bar
        });
        if p.step.is_multiple_of(20) || p.step == p.steps {
            bar.set_position(p.step as u64);
            bar.set_message(format!("loss: {:.4}", p.loss));
        }
    }

    fn on_epoch_end(&mut self, log: &EpochLog, _model: &mut Model) -> Control {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        eprintln!(
            "Epoch {} - {:.1}s - {:.0} samples/s - {}",
            log.epoch + 1,
            log.seconds,
            log.samples_per_sec,
            format_logs(&log.logs)
        );
        Control::Continue
    }
}
