//! The `Layer` trait every layer implements, and the description of its weights.
//!
//! Shape contract: a layer sees whole batches, row-major, batch axis first. Each input `i`
//! is a slice of `batch * prod(input_shape_i)` values and the output a slice of
//! `batch * prod(output_shape())`. A layer's weights are one slice `p` of the model's
//! parameter buffer, holding its [`ParamSpec`]s back to back in Keras' `get_weights()`
//! order and shapes; `dp` is the matching slice of the gradient buffer.

use crate::error::Result;
use crate::activations::Activation;
use crate::init::Initializer;
use rand::rngs::SmallRng;
use serde_json::{Map, Value};

/// One weight of a layer, as Keras names and shapes it.
#[derive(Clone, Debug)]
pub struct ParamSpec {
    /// Keras' weight name within the layer: `kernel`, `bias`, `gamma`, `moving_mean`, ...
    pub name: &'static str,
    /// Keras' shape: Dense kernel `[in, out]`, Conv2D kernel `[kh, kw, in, out]`, ...
    pub shape: Vec<usize>,
    pub init: Initializer,
    /// Updated by the optimizer (false for moving statistics and frozen layers).
    pub trainable: bool,
}

impl ParamSpec {
    pub fn new(name: &'static str, shape: Vec<usize>, init: Initializer) -> Self {
        ParamSpec { name, shape, init, trainable: true }
    }
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a forward pass knows besides its data.
pub struct Ctx<'a> {
    /// Number of samples in this batch (buffers may be larger).
    pub batch: usize,
    /// Training mode: dropout active, batch statistics used and updated.
    pub training: bool,
    pub rng: &'a mut SmallRng,
}

/// A layer with hand-written forward and backward passes.
pub trait Layer: Send {
    /// The layer's name (unique in a model), as in Keras.
    fn name(&self) -> &str;
    /// The Keras class name, e.g. `"Dense"`.
    fn class_name(&self) -> &'static str;
    /// Output shape of one sample (no batch axis).
    fn output_shape(&self) -> &[usize];
    /// The layer's weights, in Keras' `get_weights()` order.
    fn params(&self) -> &[ParamSpec] {
        &[]
    }
    /// Sizes per-batch scratch buffers for batches of up to `batch` samples.
    /// Called before the first pass and whenever the batch capacity grows; never per step.
    fn set_capacity(&mut self, _batch: usize) {}
    /// Computes `y` from the inputs `x` and weights `p`.
    fn forward(&mut self, ctx: &mut Ctx, x: &[&[f32]], p: &[f32], y: &mut [f32]);
    /// Given `dy` = dLoss/dy (which it may overwrite), writes dLoss/dp into `dp`
    /// (overwriting) and dLoss/dx_i into `dx[i]` (overwriting) for every `dx[i]` that is
    /// not empty. Called after `forward` on the same batch, in training mode.
    fn backward(&mut self, batch: usize, x: &[&[f32]], y: &[f32], dy: &mut [f32], p: &[f32], dp: &mut [f32], dx: &mut [&mut [f32]]);
    /// The Keras config dict (`"config"` of the layer's JSON), as Keras 3 writes it.
    fn config(&self) -> Map<String, Value>;
    /// Lets the loss take over this layer's final activation when it is `which` (see
    /// `fused_activation`): backward then receives the gradient w.r.t. the activation's
    /// input. `None` undoes it. Returns whether the layer now hands its activation over.
    fn hand_activation_to_loss(&mut self, _which: Option<Activation>) -> bool {
        false
    }
    /// Whether the layer's output depends on its inputs in a differentiable way
    /// (false for Embedding, whose input is integer ids).
    fn differentiable_input(&self) -> bool {
        true
    }
    /// Writes state computed by the last training-mode `forward` into the layer's own
    /// weights `p` (BatchNormalization's moving statistics). The model calls it right after
    /// each training forward pass of the layer; no-op by default.
    fn update_state(&mut self, _p: &mut [f32]) {}
    /// Validates the values of argument `arg` when that argument is a model input: `x` holds
    /// all samples of it (`n * prod(input_shape)` values). Called by `Model::check_inputs`
    /// (so by `fit`, `predict`, `evaluate`, `train_on_batch`), since `forward` cannot fail.
    /// Errors name the layer, the bad value and the sample. Ok by default.
    fn check_input(&self, _arg: usize, _x: &[f32]) -> Result<()> {
        Ok(())
    }
}
