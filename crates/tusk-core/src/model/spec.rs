//! Model descriptions before they are built: a layer is a Keras `{class_name, config}`
//! pair ([`LayerSpec`]); a model is a list of nodes, each a layer with the names of the
//! nodes it reads ([`GraphSpec`]). Keras JSON and the Rust builders both produce these.

use serde_json::{Map, Value};

/// One layer as Keras describes it: class name and config dict.
#[derive(Clone, Debug)]
pub struct LayerSpec {
    pub class_name: String,
    pub config: Map<String, Value>,
}

impl LayerSpec {
    /// A layer from a class name and a config object (`serde_json::json!({...})`).
    pub fn new(class_name: &str, config: Value) -> Self {
        let config = match config {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        LayerSpec { class_name: class_name.to_string(), config }
    }

    /// Sets the layer's name.
    pub fn named(mut self, name: &str) -> Self {
        self.config.insert("name".into(), name.into());
        self
    }

    pub fn name(&self) -> Option<&str> {
        self.config.get("name").and_then(Value::as_str)
    }

    /// `Dense(units, activation=...)`.
    pub fn dense(units: usize, activation: &str) -> Self {
        Self::new("Dense", serde_json::json!({"units": units, "activation": activation}))
    }
    /// `Conv2D(filters, (k, k), padding=..., activation=...)`.
    pub fn conv2d(filters: usize, kernel: usize, padding: &str, activation: &str) -> Self {
        Self::new("Conv2D", serde_json::json!({"filters": filters, "kernel_size": [kernel, kernel], "padding": padding, "activation": activation}))
    }
    /// `MaxPooling2D(pool)`.
    pub fn max_pool2d(pool: usize) -> Self {
        Self::new("MaxPooling2D", serde_json::json!({"pool_size": [pool, pool]}))
    }
    /// `Dropout(rate)`.
    pub fn dropout(rate: f32) -> Self {
        Self::new("Dropout", serde_json::json!({ "rate": rate }))
    }
    /// `Flatten()`.
    pub fn flatten() -> Self {
        Self::new("Flatten", serde_json::json!({}))
    }
    /// `Activation(name)`.
    pub fn activation(name: &str) -> Self {
        Self::new("Activation", serde_json::json!({ "activation": name }))
    }
}

/// A node of a model graph: a layer and the nodes whose outputs it reads (by node name).
#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub layer: LayerSpec,
    pub inputs: Vec<String>,
}

/// Whether the model was described as Keras' `Sequential` or as a functional `Model`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    Sequential,
    Functional,
}

/// A whole model before it is built: nodes (inputs are `InputLayer` nodes with a
/// `batch_shape`), and the names of the input and output nodes in order.
#[derive(Clone, Debug)]
pub struct GraphSpec {
    pub name: String,
    pub kind: ModelKind,
    pub nodes: Vec<NodeSpec>,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

/// Builds a `Sequential` model description: an input shape, then layers in order.
#[derive(Clone, Debug)]
pub struct Sequential {
    input_shape: Vec<usize>,
    layers: Vec<LayerSpec>,
    name: String,
}

impl Sequential {
    /// A model whose samples have shape `input_shape` (without the batch axis).
    pub fn new(input_shape: &[usize]) -> Self {
        Sequential { input_shape: input_shape.to_vec(), layers: Vec::new(), name: "sequential".into() }
    }
    pub fn add(mut self, layer: LayerSpec) -> Self {
        self.layers.push(layer);
        self
    }
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }
    pub fn into_spec(self) -> GraphSpec {
        let mut shape = vec![Value::Null];
        shape.extend(self.input_shape.iter().map(|&d| Value::from(d)));
        let input = LayerSpec::new("InputLayer", serde_json::json!({ "batch_shape": shape }));
        sequential_spec(&self.name, input, self.layers)
    }
}

/// Builds a functional model description (Keras' `Model(inputs, outputs)`): inputs and
/// layer applications return handles that later layers take as their inputs.
///
/// ```
/// use tusk_core::{model::Functional, LayerSpec, Model};
/// let mut f = Functional::new("two_towers");
/// let a = f.input(&[4]);
/// let b = f.input(&[4]);
/// let ha = f.apply(LayerSpec::dense(8, "relu"), &[a]);
/// let hb = f.apply(LayerSpec::dense(8, "relu"), &[b]);
/// let sum = f.apply(LayerSpec::new("Add", serde_json::json!({})), &[ha, hb]);
/// let out = f.apply(LayerSpec::dense(3, "softmax"), &[sum]);
/// let model = Model::from_spec(&f.outputs(&[out]), 0).unwrap();
/// assert_eq!(model.input_shapes(), vec![vec![4], vec![4]]);
/// ```
#[derive(Clone, Debug)]
pub struct Functional {
    name: String,
    nodes: Vec<NodeSpec>,
    inputs: Vec<usize>,
}

/// A node of a [`Functional`] model being built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeId(usize);

impl Functional {
    pub fn new(name: &str) -> Self {
        Functional { name: name.into(), nodes: Vec::new(), inputs: Vec::new() }
    }

    /// A model input whose samples have shape `shape`.
    pub fn input(&mut self, shape: &[usize]) -> NodeId {
        let mut batch_shape = vec![Value::Null];
        batch_shape.extend(shape.iter().map(|&d| Value::from(d)));
        let id = self.push(LayerSpec::new("InputLayer", serde_json::json!({ "batch_shape": batch_shape })), &[]);
        self.inputs.push(id.0);
        id
    }

    /// Applies `layer` to the outputs of `inputs`.
    pub fn apply(&mut self, layer: LayerSpec, inputs: &[NodeId]) -> NodeId {
        self.push(layer, inputs)
    }

    fn push(&mut self, layer: LayerSpec, inputs: &[NodeId]) -> NodeId {
        // Names are assigned now so that later nodes can refer to them.
        self.nodes.push(NodeSpec { layer, inputs: vec![] });
        assign_names(&mut self.nodes);
        let names = inputs.iter().map(|i| self.nodes[i.0].layer.name().unwrap_or_default().to_string()).collect();
        self.nodes.last_mut().expect("just pushed").inputs = names;
        NodeId(self.nodes.len() - 1)
    }

    /// The finished description with `outputs` as the model outputs, in order.
    pub fn outputs(&self, outputs: &[NodeId]) -> GraphSpec {
        let name = |i: usize| self.nodes[i].layer.name().unwrap_or_default().to_string();
        GraphSpec {
            name: self.name.clone(),
            kind: ModelKind::Functional,
            nodes: self.nodes.clone(),
            inputs: self.inputs.iter().map(|&i| name(i)).collect(),
            outputs: outputs.iter().map(|o| name(o.0)).collect(),
        }
    }
}

/// A chain `input -> layers[0] -> layers[1] -> ...`, with names made unique Keras-style.
pub(crate) fn sequential_spec(name: &str, input: LayerSpec, layers: Vec<LayerSpec>) -> GraphSpec {
    let mut nodes = vec![NodeSpec { layer: input, inputs: vec![] }];
    nodes.extend(layers.into_iter().map(|layer| NodeSpec { layer, inputs: vec![] }));
    assign_names(&mut nodes);
    for i in 1..nodes.len() {
        let prev = nodes[i - 1].layer.name().unwrap_or_default().to_string();
        nodes[i].inputs = vec![prev];
    }
    let first = nodes[0].layer.name().unwrap_or_default().to_string();
    let last = nodes.last().and_then(|n| n.layer.name()).unwrap_or_default().to_string();
    GraphSpec { name: name.into(), kind: ModelKind::Sequential, nodes, inputs: vec![first], outputs: vec![last] }
}

/// Gives every unnamed layer Keras' default name: snake_case class, then `_1`, `_2`, ...
pub(crate) fn assign_names(nodes: &mut [NodeSpec]) {
    let mut taken: Vec<String> = nodes.iter().filter_map(|n| n.layer.name().map(String::from)).collect();
    for node in nodes.iter_mut().filter(|n| n.layer.name().is_none()) {
        let base = snake_case(&node.layer.class_name);
        let name = (0..)
            .map(|i| if i == 0 { base.clone() } else { format!("{base}_{i}") })
            .find(|n| !taken.contains(n))
            .unwrap();
        taken.push(name.clone());
        node.layer.config.insert("name".into(), name.into());
    }
}

fn snake_case(class: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = class.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        if c.is_uppercase() && i > 0 && (chars[i - 1].is_lowercase() || next_lower) && !chars[i - 1].is_ascii_digit() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_default_names() {
        assert_eq!(snake_case("Dense"), "dense");
        assert_eq!(snake_case("Conv2D"), "conv2d");
        assert_eq!(snake_case("MaxPooling2D"), "max_pooling2d");
        assert_eq!(snake_case("InputLayer"), "input_layer");
        assert_eq!(snake_case("LSTM"), "lstm");
        assert_eq!(snake_case("GlobalAveragePooling1D"), "global_average_pooling1d");
        let spec = Sequential::new(&[4]).add(LayerSpec::dense(3, "relu")).add(LayerSpec::dense(2, "softmax")).into_spec();
        let names: Vec<_> = spec.nodes.iter().map(|n| n.layer.name().unwrap()).collect();
        assert_eq!(names, ["input_layer", "dense", "dense_1"]);
        assert_eq!(spec.nodes[2].inputs, ["dense"]);
    }
}
