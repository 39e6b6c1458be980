//! Keras' recurrent layers `SimpleRNN`, `LSTM` and `GRU`: input `[batch, timesteps,
//! features]`, output `[batch, units]` or, with `return_sequences`, `[batch, timesteps, units]`.
//! Shared options in [`options`], layout plumbing in [`sequence`], one file per cell.

mod gru;
mod gru_reset_before;
mod lstm;
mod options;
mod sequence;
mod simple_rnn;
#[cfg(test)]
mod tests;

pub use gru::Gru;
pub use lstm::Lstm;
pub use simple_rnn::SimpleRnn;
