//! The activation a layer applies to its own output (`Dense(..., activation="relu")`,
//! `Conv2D`, `Activation`), with what its backward pass needs: the saved pre-activation
//! values for `gelu`/`swish`, sized once for the batch capacity.
//!
//! When the layer is a model output followed by a cross-entropy loss on probabilities
//! (softmax + categorical, sigmoid + binary), the loss may take the activation over:
//! backward then receives the gradient with respect to the pre-activation values and passes
//! it through unchanged. This is what Keras 3 does (it keeps the logits behind the output
//! and computes the loss from them), and it avoids the vanishing gradient of clipped
//! probabilities.

use crate::activations::Activation;

pub struct FusedActivation {
    pub activation: Activation,
    preact: Vec<f32>,
    handed_to_loss: bool,
}

impl FusedActivation {
    pub fn new(activation: Activation) -> Self {
        FusedActivation { activation, preact: Vec::new(), handed_to_loss: false }
    }

    /// Sizes the saved pre-activations for `values` values (batch capacity x output size).
    pub fn set_capacity(&mut self, values: usize) {
        if self.activation.needs_input() {
            self.preact.resize(values, 0.0);
        }
    }

    /// `buf`: pre-activation values in, activated values out.
    pub fn forward(&mut self, buf: &mut [f32], row_len: usize) {
        if self.activation.needs_input() {
            self.preact[..buf.len()].copy_from_slice(buf);
        }
        self.activation.forward(buf, row_len);
    }

    /// `dy` (w.r.t. the output) becomes the gradient w.r.t. the pre-activation, in place;
    /// nothing to do when the loss took the activation over.
    pub fn backward(&self, y: &[f32], dy: &mut [f32], row_len: usize) {
        if !self.handed_to_loss {
            self.activation.backward(&self.preact, y, dy, row_len);
        }
    }

    /// Whether forward and backward may run on any part of a batch on its own (no saved
    /// pre-activations), e.g. inside a layer's parallel loop over samples.
    pub fn is_local(&self) -> bool {
        !self.activation.needs_input()
    }

    /// Forward on a part of the batch; only for [`Self::is_local`] activations.
    pub fn forward_part(&self, buf: &mut [f32], row_len: usize) {
        debug_assert!(self.is_local());
        self.activation.forward(buf, row_len);
    }

    /// Hands the activation to the loss if it is `which`; `None` takes it back.
    pub fn hand_to_loss(&mut self, which: Option<Activation>) -> bool {
        self.handed_to_loss = which == Some(self.activation);
        self.handed_to_loss
    }
}
