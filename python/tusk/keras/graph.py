"""Model graphs <-> Keras 3 model JSON (the format ``_tusk.Model.from_json`` reads).

- ``sequential_json``: ``{"class_name": "Sequential", "config": {"layers": [InputLayer, ...]}}``.
- ``functional_json``: ``{"class_name": "Functional", ...}`` of the graph that layer calls
  recorded (``layers.topology``, where it lives below the layer classes).
- ``graph_from_json``: the reverse, for models read from JSON, files or real Keras: layer
  objects with their calls re-recorded, and the input and output tensors.
- ``infer_shape``: a tensor's shape, asked of the Rust core (``layers.topology``).
"""
import json

from .layers import InputLayer, deserialize
from .layers.base import DTYPE_POLICY, KerasTensor


def sequential_json(name, input_layer, layers):
    """Keras 3's JSON of a Sequential model; without an input layer (not built yet) it has no
    ``build_input_shape``, as Keras writes an unbuilt model."""
    entries = ([input_layer.serialize()] if input_layer is not None else []) + [layer.serialize() for layer in layers]
    config = {"name": name, "trainable": True, "dtype": DTYPE_POLICY, "layers": entries}
    if input_layer is not None:
        config["build_input_shape"] = list(input_layer.batch_shape)
    return json.dumps({"module": "keras", "class_name": "Sequential", "registered_name": None, "config": config})


def _tensor_refs(value, out):
    """Layer references ``(name, node, tensor)`` in a Keras 2 or 3 inbound node, in order."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            h = value["config"]["keras_history"]
            out.append((h[0], int(h[1]), int(h[2])))
        elif "args" in value:
            _tensor_refs(value["args"], out)
    elif isinstance(value, list):
        if value and isinstance(value[0], str):
            out.append((value[0], int(value[1]) if len(value) > 1 else 0, int(value[2]) if len(value) > 2 else 0))
        else:
            for v in value:
                _tensor_refs(v, out)


def _is_list_arg(node):
    if isinstance(node, dict):
        args = node.get("args") or []
        return len(args) == 1 and isinstance(args[0], list)
    return isinstance(node, list) and len(node) > 1


def is_unbuilt_sequential(text):
    """Whether a model JSON is a Sequential model saved before it knew its input shape (no
    ``build_input_shape``, and no layer with an input shape) or one without layers."""
    spec = json.loads(text) if isinstance(text, str) else text
    if spec.get("class_name") != "Sequential":
        return False
    config = spec.get("config") or {}
    entries = config.get("layers", []) if isinstance(config, dict) else config
    if not any(e.get("class_name") != "InputLayer" for e in entries):
        return True
    shaped = ("batch_input_shape", "batch_shape", "input_shape")
    return (isinstance(config, dict) and config.get("build_input_shape") is None
            and not any(e.get("class_name") == "InputLayer" or any((e.get("config") or {}).get(k) for k in shaped)
                        for e in entries))


def graph_from_json(text):
    """``(kind, name, input_layer_or_inputs, layers, outputs)`` of a Keras model JSON.

    Sequential: ``("Sequential", name, InputLayer, layers_without_input, None)``.
    Functional: ``("Functional", name, input_tensors, all_layers, output_tensors)``.
    """
    spec = json.loads(text) if isinstance(text, str) else text
    config = spec.get("config") or {}
    if spec.get("class_name") == "Sequential":
        entries = config["layers"] if isinstance(config, dict) else config
        layers = [deserialize(e) for e in entries]
        input_layer = layers.pop(0) if isinstance(layers[0], InputLayer) else None
        return "Sequential", config.get("name", "sequential"), input_layer, layers, None
    by_name, layers = {}, []
    for entry in config["layers"]:
        layer = deserialize(entry)
        by_name[entry.get("name") or layer.name] = layer
        layers.append(layer)
    for entry, layer in zip(config["layers"], layers):
        for node in entry.get("inbound_nodes") or []:
            refs = []
            _tensor_refs(node, refs)
            tensors = [KerasTensor(by_name[n], ni, ti) for n, ni, ti in refs]
            layer._add_node(tensors, merge=_is_list_arg(node) or len(tensors) > 1)

    def ends(value):
        refs = []
        _tensor_refs(value, refs)
        return refs

    inputs = [by_name[n].tensor() for n, _, _ in ends(config["input_layers"])]
    outputs = [KerasTensor(by_name[n], ni, ti) for n, ni, ti in ends(config["output_layers"])]
    return "Functional", config.get("name", "functional"), inputs, layers, outputs
