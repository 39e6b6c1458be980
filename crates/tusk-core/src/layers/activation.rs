//! `Activation` (a named activation as its own layer) and `LeakyReLU` (Keras' layer,
//! default slope 0.3). Output shape = input shape; no weights.

use super::fused_activation::FusedActivation;
use super::{single_input, Ctx, Layer};
use crate::activations::Activation;
use crate::error::Result;
use crate::keras::layer_config::{base_config, LayerConfig};
use serde_json::{Map, Value};

pub struct ActivationLayer {
    name: String,
    class: &'static str,
    activation: FusedActivation,
    shape: Vec<usize>,
}

impl ActivationLayer {
    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        let shape = single_input(cfg, inputs, 0..=8)?.to_vec();
        let (class, activation) = if cfg.class == "LeakyReLU" {
            // Keras 3 writes negative_slope, Keras 2 wrote alpha.
            let slope = cfg.f32("negative_slope", cfg.f32("alpha", 0.3)?)?;
            ("LeakyReLU", Activation::LeakyRelu(slope))
        } else {
            ("Activation", cfg.activation("activation")?)
        };
        cfg.finish()?;
        Ok(ActivationLayer { name: cfg.name.clone(), class, activation: FusedActivation::new(activation), shape })
    }
}

impl Layer for ActivationLayer {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        self.class
    }
    fn output_shape(&self) -> &[usize] {
        &self.shape
    }
    fn set_capacity(&mut self, batch: usize) {
        self.activation.set_capacity(batch * self.shape.iter().product::<usize>());
    }
    fn hand_activation_to_loss(&mut self, which: Option<Activation>) -> bool {
        self.activation.hand_to_loss(which)
    }
    fn forward(&mut self, _ctx: &mut Ctx, x: &[&[f32]], _p: &[f32], y: &mut [f32]) {
        y.copy_from_slice(x[0]);
        self.activation.forward(y, *self.shape.last().unwrap_or(&1));
    }
    fn backward(&mut self, _batch: usize, _x: &[&[f32]], y: &[f32], dy: &mut [f32], _p: &[f32], _dp: &mut [f32], dx: &mut [&mut [f32]]) {
        if dx[0].is_empty() {
            return;
        }
        self.activation.backward(y, dy, *self.shape.last().unwrap_or(&1));
        dx[0].copy_from_slice(dy);
    }
    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, true);
        match self.activation.activation {
            Activation::LeakyRelu(slope) if self.class == "LeakyReLU" => {
                m.insert("negative_slope".into(), (slope as f64).into());
            }
            a => {
                m.insert("activation".into(), a.to_config());
            }
        }
        m
    }
}
