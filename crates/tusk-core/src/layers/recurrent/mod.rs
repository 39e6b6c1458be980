//! Keras' recurrent layers `SimpleRNN`, `LSTM` and `GRU`: input `[batch, timesteps,
//! features]`, output `[batch, units]` or, with `return_sequences`, `[batch, timesteps, units]`.
//! Shared options in [`options`], layout plumbing in [`sequence`], one file per cell.

/// The `Layer` methods every recurrent layer answers from its options `self.o`.
macro_rules! layer_options_methods {
    () => {
        fn name(&self) -> &str {
            &self.o.name
        }
        fn class_name(&self) -> &'static str {
            self.o.class_name()
        }
        fn output_shape(&self) -> &[usize] {
            &self.o.out_shape
        }
        fn params(&self) -> &[ParamSpec] {
            &self.o.params
        }
        fn config(&self) -> Map<String, Value> {
            self.o.config()
        }
    };
}

mod gru;
mod gru_reset_after;
mod gru_reset_before;
mod gru_state;
mod lstm;
mod options;
mod sequence;
mod simple_rnn;
#[cfg(test)]
mod tests;

pub use gru::Gru;
pub use lstm::Lstm;
pub use simple_rnn::SimpleRnn;
