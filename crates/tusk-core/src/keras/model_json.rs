//! Keras model JSON <-> [`GraphSpec`].
//!
//! Reads `{"class_name": "Sequential" | "Functional" | "Model", "config": {...}}` as Keras 3
//! and tf.keras 2 write it: Sequential layer lists (input from an `InputLayer` or a
//! `batch_input_shape`/`batch_shape`/`input_shape`/`input_dim` on the first layer or the
//! model's `build_input_shape`), and functional graphs whose `inbound_nodes` are Keras 3
//! `{"args": [...__keras_tensor__...]}` objects or Keras 2 `[[["name", 0, 0, {}]]]` lists.
//! Writes Keras 3's format.

use crate::error::{Error, Result};
use crate::model::{GraphSpec, LayerSpec, Model, ModelKind, NodeSpec};
use serde_json::{json, Map, Value};

/// Builds a model (fresh weights from `seed`) from Keras JSON text.
pub fn model_from_json(text: &str, seed: u64) -> Result<Model> {
    Model::from_spec(&model_spec_from_json(text)?, seed)
}

/// Parses Keras JSON text into a model description.
pub fn model_spec_from_json(text: &str) -> Result<GraphSpec> {
    let v: Value = serde_json::from_str(text).map_err(|e| Error::config(format!("model JSON is not valid JSON: {e}")))?;
    let class = v.get("class_name").and_then(Value::as_str).ok_or_else(|| Error::config("model JSON has no class_name"))?;
    let config = v.get("config").ok_or_else(|| Error::config("model JSON has no config"))?;
    match class {
        "Sequential" => sequential(config),
        "Functional" | "Model" => functional(config),
        other => Err(Error::unsupported(format!("model class '{other}' (supported: Sequential, Functional)"))),
    }
}

fn layer_spec(v: &Value) -> Result<LayerSpec> {
    let class = v.get("class_name").and_then(Value::as_str).ok_or_else(|| Error::config(format!("layer entry without class_name: {v}")))?;
    let config = v.get("config").and_then(Value::as_object).cloned().unwrap_or_default();
    if let Some(m) = v.get("module").and_then(Value::as_str).filter(|m| !m.starts_with("keras")) {
        return Err(Error::unsupported(format!("custom layer '{class}' from module '{m}'")));
    }
    Ok(LayerSpec { class_name: class.to_string(), config })
}

fn sequential(config: &Value) -> Result<GraphSpec> {
    let (layers, name) = match config {
        Value::Array(a) => (a, "sequential"),
        _ => (
            config.get("layers").and_then(Value::as_array).ok_or_else(|| Error::config("Sequential config has no layers list"))?,
            config.get("name").and_then(Value::as_str).unwrap_or("sequential"),
        ),
    };
    let mut specs: Vec<LayerSpec> = layers.iter().map(layer_spec).collect::<Result<_>>()?;
    if specs.is_empty() {
        return Err(Error::config("Sequential model has no layers"));
    }
    let input = if specs[0].class_name == "InputLayer" {
        specs.remove(0)
    } else {
        let first = &mut specs[0];
        // Embedding's `input_dim` is its vocabulary size; its Keras 2 `input_length` is the shape.
        let embedding = first.class_name == "Embedding";
        let shape = ["batch_input_shape", "batch_shape"]
            .iter()
            .find_map(|k| first.config.remove(*k))
            .or_else(|| first.config.remove("input_shape").map(|s| with_batch(&s)))
            .or_else(|| if embedding { first.config.get("input_length").filter(|l| l.is_u64()).map(|l| json!([null, l])) } else { None })
            .or_else(|| if embedding { None } else { first.config.remove("input_dim").map(|d| json!([null, d])) })
            .or_else(|| config.get("build_input_shape").cloned())
            .ok_or_else(|| Error::config(format!("Sequential model: first layer {} declares no input shape", first.class_name)))?;
        LayerSpec::new("InputLayer", json!({ "batch_shape": shape }))
    };
    Ok(crate::model::spec_sequential(name, input, specs))
}

fn with_batch(shape: &Value) -> Value {
    let mut v = vec![Value::Null];
    v.extend(shape.as_array().cloned().unwrap_or_default());
    Value::Array(v)
}

fn functional(config: &Value) -> Result<GraphSpec> {
    let layers = config.get("layers").and_then(Value::as_array).ok_or_else(|| Error::config("functional model config has no layers list"))?;
    let mut nodes = Vec::new();
    for l in layers {
        let mut layer = layer_spec(l)?;
        let name = l.get("name").and_then(Value::as_str).or(layer.name()).ok_or_else(|| Error::config("functional layer without a name"))?.to_string();
        layer.config.insert("name".into(), name.clone().into());
        let inbound = l.get("inbound_nodes").and_then(Value::as_array).cloned().unwrap_or_default();
        if inbound.len() > 1 {
            return Err(Error::unsupported(format!("layer '{name}' is called {} times (shared layers)", inbound.len())));
        }
        let mut inputs = Vec::new();
        if let Some(node) = inbound.first() {
            collect_inbound(node, &mut inputs);
        }
        nodes.push(NodeSpec { layer, inputs });
    }
    let ends = |key: &str| -> Result<Vec<String>> {
        let v = config.get(key).ok_or_else(|| Error::config(format!("functional model config has no {key}")))?;
        let mut out = Vec::new();
        collect_endpoints(v, &mut out);
        if out.is_empty() {
            return Err(Error::config(format!("functional model config: {key} is empty")));
        }
        Ok(out)
    };
    Ok(GraphSpec {
        name: config.get("name").and_then(Value::as_str).unwrap_or("functional").to_string(),
        kind: ModelKind::Functional,
        nodes,
        inputs: ends("input_layers")?,
        outputs: ends("output_layers")?,
    })
}

/// Layer names referenced by one inbound node, in argument order.
fn collect_inbound(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) if o.get("class_name").and_then(Value::as_str) == Some("__keras_tensor__") => {
            if let Some(name) = o.get("config").and_then(|c| c.get("keras_history")).and_then(|h| h.get(0)).and_then(Value::as_str) {
                out.push(name.to_string());
            }
        }
        Value::Object(o) => {
            if let Some(args) = o.get("args") {
                collect_inbound(args, out);
            }
        }
        // Keras 2: ["name", node_index, tensor_index, {kwargs}]
        Value::Array(a) if a.first().is_some_and(Value::is_string) => out.push(a[0].as_str().unwrap_or_default().to_string()),
        Value::Array(a) => a.iter().for_each(|x| collect_inbound(x, out)),
        _ => {}
    }
}

/// `[["name", 0, 0], ...]` or a single `["name", 0, 0]`.
fn collect_endpoints(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Array(a) if a.first().is_some_and(Value::is_string) => out.push(a[0].as_str().unwrap_or_default().to_string()),
        Value::Array(a) => a.iter().for_each(|x| collect_endpoints(x, out)),
        _ => {}
    }
}

/// The model's architecture as Keras 3 JSON (what `model.to_json()` writes).
pub fn model_to_json(model: &Model) -> String {
    let g = &model.graph;
    let layer_json = |i: usize| -> Map<String, Value> {
        let node = &g.nodes[i];
        let mut m = Map::new();
        m.insert("module".into(), "keras.layers".into());
        m.insert("class_name".into(), node.layer.class_name().into());
        m.insert("config".into(), Value::Object(node.layer.config()));
        m.insert("registered_name".into(), Value::Null);
        m
    };
    let dtype = json!({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null});
    let v = match model.kind {
        ModelKind::Sequential => json!({
            "module": "keras", "class_name": "Sequential", "registered_name": null,
            "config": {"name": model.name, "trainable": true, "dtype": dtype,
                       "layers": (0..g.nodes.len()).map(|i| Value::Object(layer_json(i))).collect::<Vec<_>>()},
        }),
        ModelKind::Functional => {
            let layers: Vec<Value> = (0..g.nodes.len())
                .map(|i| {
                    let mut m = layer_json(i);
                    let node = &g.nodes[i];
                    m.insert("name".into(), node.layer.name().into());
                    let tensors: Vec<Value> = node
                        .inputs
                        .iter()
                        .map(|&j| {
                            let src = &g.nodes[j];
                            let mut shape = vec![Value::Null];
                            shape.extend(src.layer.output_shape().iter().map(|&d| json!(d)));
                            json!({"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32", "keras_history": [src.layer.name(), 0, 0]}})
                        })
                        .collect();
                    let args = match tensors.len() {
                        0 => Value::Array(vec![]),
                        1 if !is_merge(node.layer.class_name()) => json!([{"args": tensors, "kwargs": {}}]),
                        _ => json!([{"args": [tensors], "kwargs": {}}]),
                    };
                    m.insert("inbound_nodes".into(), args);
                    Value::Object(m)
                })
                .collect();
            let ends = |ids: &[usize]| Value::Array(ids.iter().map(|&i| json!([g.nodes[i].layer.name(), 0, 0])).collect());
            json!({
                "module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
                "config": {"name": model.name, "trainable": true, "layers": layers,
                           "input_layers": ends(&g.inputs), "output_layers": ends(&g.outputs)},
            })
        }
    };
    serde_json::to_string(&v).expect("JSON values serialise")
}

fn is_merge(class: &str) -> bool {
    matches!(class, "Add" | "Subtract" | "Multiply" | "Average" | "Maximum" | "Minimum" | "Concatenate")
}
