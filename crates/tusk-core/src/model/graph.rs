//! A built model graph: layers in topological order, who reads whom, and where each
//! weight lives in the flat parameter buffer.
//!
//! Parameter layout: nodes in order, each node's weights back to back in Keras'
//! `get_weights()` order; [`VarInfo`] records name (`"dense/kernel"`), shape and offset.

use super::spec::GraphSpec;
use crate::error::{Error, Result};
use crate::keras::layer_config::LayerConfig;
use crate::layers::{build_layer, Layer, ShapeLayer};
use serde_json::Value;
use std::collections::HashMap;

/// One layer applied once in the graph.
pub struct Node {
    pub layer: Box<dyn Layer>,
    /// Indices of the nodes whose outputs this node reads, in argument order.
    pub inputs: Vec<usize>,
    /// This node's slice of the parameter buffer.
    pub params: std::ops::Range<usize>,
}

impl Node {
    pub fn out_len(&self) -> usize {
        self.layer.output_shape().iter().product()
    }
}

/// One weight tensor in the parameter buffer.
#[derive(Clone, Debug)]
pub struct VarInfo {
    /// `"{layer}/{weight}"`, e.g. `"dense/kernel"`.
    pub name: String,
    pub layer: usize,
    pub shape: Vec<usize>,
    pub offset: usize,
    pub len: usize,
    pub trainable: bool,
}

pub struct Graph {
    pub nodes: Vec<Node>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
    pub vars: Vec<VarInfo>,
    pub n_params: usize,
}

impl Graph {
    /// Builds every layer with the shapes flowing from the inputs.
    pub fn build(spec: &GraphSpec) -> Result<Graph> {
        let order = topo_order(spec)?;
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut nodes: Vec<Node> = Vec::with_capacity(order.len());
        let mut vars = Vec::new();
        let mut offset = 0;
        for &si in &order {
            let ns = &spec.nodes[si];
            let name = ns.layer.name().unwrap_or_default();
            let inputs: Vec<usize> = ns.inputs.iter().map(|n| index[n.as_str()]).collect();
            if let Some(dup) = inputs.iter().enumerate().find(|(i, a)| inputs[..*i].contains(a)) {
                return Err(Error::unsupported(format!(
                    "layer '{name}' reads the output of '{}' twice",
                    nodes[*dup.1].layer.name()
                )));
            }
            let shapes: Vec<Vec<usize>> = inputs.iter().map(|&i| nodes[i].layer.output_shape().to_vec()).collect();
            let cfg = LayerConfig::new(&ns.layer.class_name, &ns.layer.config, name);
            let layer: Box<dyn Layer> = if ns.layer.class_name == "InputLayer" {
                Box::new(input_layer(&cfg)?)
            } else {
                if inputs.is_empty() {
                    return Err(Error::config(format!("{}: has no inputs", cfg.who())));
                }
                build_layer(&cfg, &shapes)?
            };
            check_sizes(&cfg.who(), layer.as_ref(), offset)?;
            let start = offset;
            for p in layer.params() {
                vars.push(VarInfo {
                    name: format!("{name}/{}", p.name),
                    layer: nodes.len(),
                    shape: p.shape.clone(),
                    offset,
                    len: p.len(),
                    trainable: p.trainable && cfg.trainable(),
                });
                offset += p.len();
            }
            index.insert(name, nodes.len());
            nodes.push(Node { layer, inputs, params: start..offset });
        }
        let lookup = |names: &[String], what: &str| -> Result<Vec<usize>> {
            names
                .iter()
                .map(|n| index.get(n.as_str()).copied().ok_or_else(|| Error::config(format!("{what} '{n}' is not a layer of the model"))))
                .collect()
        };
        let inputs = lookup(&spec.inputs, "input")?;
        let outputs = lookup(&spec.outputs, "output")?;
        if let Some(&i) = inputs.iter().find(|&&i| !nodes[i].inputs.is_empty()) {
            return Err(Error::config(format!("model input '{}' is not an InputLayer", nodes[i].layer.name())));
        }
        if let Some(n) = nodes.iter().find(|n| n.inputs.is_empty() && !inputs.iter().any(|&i| nodes[i].layer.name() == n.layer.name())) {
            return Err(Error::config(format!("InputLayer '{}' is not listed among the model inputs", n.layer.name())));
        }
        Ok(Graph { nodes, inputs, outputs, vars, n_params: offset })
    }

    /// Node index of the layer called `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.layer.name() == name)
    }
}

/// An `InputLayer` from Keras 3 (`batch_shape`) or Keras 2 (`batch_input_shape`) config.
fn input_layer(cfg: &LayerConfig) -> Result<ShapeLayer> {
    let shape = ["batch_shape", "batch_input_shape"]
        .iter()
        .find_map(|k| cfg_array(cfg, k))
        .ok_or_else(|| Error::config(format!("{}: needs batch_shape (the input shape)", cfg.who())))?;
    let dims: Option<Vec<usize>> = shape.iter().skip(1).map(|d| d.as_u64().map(|d| d as usize)).collect();
    let dims = dims.filter(|d| d.iter().all(|&x| x > 0)).ok_or_else(|| {
        Error::unsupported(format!("{}: input shape {shape:?} must have fixed, positive sizes after the batch axis", cfg.who()))
    })?;
    cfg.require("sparse", &[serde_json::json!(false)])?;
    cfg.require("ragged", &[serde_json::json!(false)])?;
    cfg.ignore(&["optional", "input_tensor"]);
    cfg.finish()?;
    Ok(ShapeLayer::input(&cfg.name, dims))
}

fn cfg_array<'a>(cfg: &LayerConfig<'a>, key: &'a str) -> Option<Vec<Value>> {
    cfg.raw(key).and_then(|v| v.as_array().cloned())
}

/// Node indices of `spec` in an order where every node comes after its inputs.
fn topo_order(spec: &GraphSpec) -> Result<Vec<usize>> {
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, n) in spec.nodes.iter().enumerate() {
        let name = n.layer.name().ok_or_else(|| Error::config(format!("a {} layer has no name", n.layer.class_name)))?;
        if by_name.insert(name, i).is_some() {
            return Err(Error::config(format!("two layers are named '{name}'")));
        }
    }
    let mut state = vec![0u8; spec.nodes.len()]; // 0 new, 1 on stack, 2 done
    let mut order = Vec::new();
    fn visit(i: usize, spec: &GraphSpec, by_name: &HashMap<&str, usize>, state: &mut [u8], order: &mut Vec<usize>) -> Result<()> {
        match state[i] {
            2 => return Ok(()),
            1 => return Err(Error::config(format!("the model graph has a cycle through '{}'", spec.nodes[i].layer.name().unwrap_or("?")))),
            _ => {}
        }
        state[i] = 1;
        for inp in &spec.nodes[i].inputs {
            let &j = by_name.get(inp.as_str()).ok_or_else(|| {
                Error::config(format!("layer '{}' reads '{inp}', which is not a layer of the model", spec.nodes[i].layer.name().unwrap_or("?")))
            })?;
            visit(j, spec, by_name, state, order)?;
        }
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..spec.nodes.len() {
        visit(i, spec, &by_name, &mut state, &mut order)?;
    }
    Ok(order)
}

/// The most parameters a model may have (8 GiB of `f32`, before gradients and optimizer
/// state): checked before anything is allocated, so that a typo such as `Dense(10**12)` is
/// an error naming the layer, not an aborted process.
pub const MAX_PARAMS: usize = 1 << 31;
/// The most values one sample's output of one layer may hold (1 GiB of `f32`).
pub const MAX_ACTIVATION: usize = 1 << 28;

/// `layer`'s output shape has no empty axis and fits [`MAX_ACTIVATION`]; its weights, added
/// to the `before` parameters of the layers built so far, fit [`MAX_PARAMS`].
fn check_sizes(who: &str, layer: &dyn Layer, before: usize) -> Result<()> {
    let shape = layer.output_shape();
    if shape.contains(&0) {
        return Err(Error::config(format!("{who}: its output shape {shape:?} has an empty axis (a size of 0: units, filters, or a window larger than its input?)")));
    }
    let values = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).filter(|&n| n <= MAX_ACTIVATION);
    if values.is_none() {
        return Err(Error::config(format!("{who}: its output shape {shape:?} holds more than {MAX_ACTIVATION} values per sample")));
    }
    let mut total = Some(before);
    for p in layer.params() {
        let len = p.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        total = total.zip(len).and_then(|(t, l)| t.checked_add(l)).filter(|&t| t <= MAX_PARAMS);
        if total.is_none() {
            return Err(Error::config(format!("{who}: its weight '{}' of shape {:?} takes the model past {MAX_PARAMS} parameters", p.name, p.shape)));
        }
    }
    Ok(())
}
