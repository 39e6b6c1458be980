//! Weight access in Keras' terms (`get_weights`/`set_weights`, per layer, by name) and as
//! the flat parameter buffer distributed training ships (get, set, add a delta).

use super::graph::VarInfo;
use super::model::Model;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

impl Model {
    /// Number of values in the parameter buffer (trainable and not).
    pub fn n_params(&self) -> usize {
        self.params.len()
    }
    /// Number of trainable values.
    pub fn n_trainable(&self) -> usize {
        self.graph.vars.iter().filter(|v| v.trainable).map(|v| v.len).sum()
    }
    /// Every weight: name (`"dense/kernel"`), shape, offset in the flat buffer.
    pub fn vars(&self) -> &[VarInfo] {
        &self.graph.vars
    }

    /// The flat parameter buffer.
    pub fn params(&self) -> &[f32] {
        &self.params
    }
    /// An [`Error::Data`] naming the first weight that holds NaN or infinity (`when`: the
    /// moment, for the message).
    pub fn check_finite_weights(&self, when: &str) -> Result<()> {
        let Some(i) = self.params.iter().position(|v| !v.is_finite()) else { return Ok(()) };
        let var = self.graph.vars.iter().find(|v| (v.offset..v.offset + v.len).contains(&i));
        let name = var.map_or("a weight", |v| v.name.as_str());
        Err(Error::data(format!("training diverged: {name} holds {} {when} (a learning rate too high for this model and data?)", self.params[i])))
    }
    /// Replaces the flat parameter buffer.
    pub fn set_params(&mut self, values: &[f32]) -> Result<()> {
        self.check_flat(values.len())?;
        self.params.copy_from_slice(values);
        Ok(())
    }
    /// `params += delta` over the whole flat buffer.
    pub fn add_to_params(&mut self, delta: &[f32]) -> Result<()> {
        self.check_flat(delta.len())?;
        crate::kernels::add_assign(&mut self.params, delta);
        Ok(())
    }
    fn check_flat(&self, len: usize) -> Result<()> {
        if len != self.params.len() {
            return Err(Error::shape(format!("model '{}' has {} parameters, got a buffer of {len}", self.name, self.params.len())));
        }
        Ok(())
    }

    /// All weights in Keras' `model.get_weights()` order.
    pub fn get_weights(&self) -> Vec<Tensor> {
        self.graph.vars.iter().map(|v| self.var_tensor(v)).collect()
    }

    /// Sets all weights from Keras' `get_weights()` order; every shape must match.
    pub fn set_weights(&mut self, weights: &[Tensor]) -> Result<()> {
        if weights.len() != self.graph.vars.len() {
            return Err(Error::shape(format!("model '{}' has {} weight arrays, got {}", self.name, self.graph.vars.len(), weights.len())));
        }
        let vars = self.graph.vars.clone();
        for (v, w) in vars.iter().zip(weights) {
            self.set_var(v, w)?;
        }
        Ok(())
    }

    /// The weights of layer `name`, in Keras' `layer.get_weights()` order.
    pub fn layer_weights(&self, name: &str) -> Result<Vec<Tensor>> {
        let i = self.layer_index(name)?;
        Ok(self.graph.vars.iter().filter(|v| v.layer == i).map(|v| self.var_tensor(v)).collect())
    }

    /// Sets layer `name`'s weights, in Keras' `layer.get_weights()` order.
    pub fn set_layer_weights(&mut self, name: &str, weights: &[Tensor]) -> Result<()> {
        let i = self.layer_index(name)?;
        let vars: Vec<VarInfo> = self.graph.vars.iter().filter(|v| v.layer == i).cloned().collect();
        if vars.len() != weights.len() {
            return Err(Error::shape(format!("layer '{name}' has {} weight arrays, got {}", vars.len(), weights.len())));
        }
        for (v, w) in vars.iter().zip(weights) {
            self.set_var(v, w)?;
        }
        Ok(())
    }

    /// Sets one weight by its full name (`"dense/kernel"`).
    pub fn set_weight(&mut self, name: &str, value: &Tensor) -> Result<()> {
        let v = self.graph.vars.iter().find(|v| v.name == name).cloned().ok_or_else(|| Error::config(format!("model '{}' has no weight '{name}'", self.name)))?;
        self.set_var(&v, value)
    }

    fn layer_index(&self, name: &str) -> Result<usize> {
        self.graph.find(name).ok_or_else(|| Error::config(format!("model '{}' has no layer '{name}'", self.name)))
    }

    fn var_tensor(&self, v: &VarInfo) -> Tensor {
        Tensor::new(self.params[v.offset..v.offset + v.len].to_vec(), v.shape.clone()).expect("var shape matches its length")
    }

    fn set_var(&mut self, v: &VarInfo, w: &Tensor) -> Result<()> {
        if w.shape() != v.shape.as_slice() {
            return Err(Error::shape(format!("weight '{}' has shape {:?}, got {:?}", v.name, v.shape, w.shape())));
        }
        self.params[v.offset..v.offset + v.len].copy_from_slice(w.data());
        Ok(())
    }

    /// A Keras-like text summary: layer, class, output shape, parameter count.
    pub fn summary(&self) -> String {
        let mut s = format!("Model: \"{}\"\n{:<32}{:<28}{:>12}\n", self.name, "Layer (type)", "Output Shape", "Param #");
        for (i, node) in self.graph.nodes.iter().enumerate() {
            let count: usize = self.graph.vars.iter().filter(|v| v.layer == i).map(|v| v.len).sum();
            let shape = format!("(None, {})", node.layer.output_shape().iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "));
            s += &format!("{:<32}{:<28}{:>12}\n", format!("{} ({})", node.layer.name(), node.layer.class_name()), shape, count);
        }
        s += &format!("Total params: {}\nTrainable params: {}\n", self.n_params(), self.n_trainable());
        s
    }
}
