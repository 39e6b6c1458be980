"""Model graphs <-> Keras 3 model JSON (the format ``_tusk.Model.from_json`` reads).

- ``sequential_json``: ``{"class_name": "Sequential", "config": {"layers": [InputLayer, ...]}}``.
- ``functional_json``: walks back from the output tensors to the inputs through the nodes
  that layer calls recorded, and writes ``{"class_name": "Functional", ...}`` with Keras 3
  ``inbound_nodes`` (``{"args": [tensor | [tensors]], "kwargs": {}}``, tensors as
  ``__keras_tensor__`` objects with ``keras_history`` = ``[layer, node, 0]``).
- ``graph_from_json``: the reverse, for models read from JSON, files or real Keras: layer
  objects with their calls re-recorded, and the input and output tensors.
- ``infer_shape``: a tensor's shape, asked of the Rust core (no shape arithmetic here).
"""
import json

from .. import _tusk
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


def _walk(inputs, outputs):
    """Layers in an order where each comes after its inputs, with the node indices used."""
    order, nodes, done, active = [], {}, set(), set()

    def visit(tensor):
        layer, ni, _ = tensor._keras_history
        key = (id(layer), ni)
        if key in done:
            return
        if key in active:
            raise ValueError(f"the graph has a cycle through layer '{layer.name}'")
        active.add(key)
        for t in layer._inbound_nodes[ni].inputs:
            visit(t)
        active.discard(key)
        done.add(key)
        if id(layer) not in nodes:
            order.append(layer)
            nodes[id(layer)] = []
        nodes[id(layer)].append(ni)

    for t in inputs:
        visit(t)
    for t in outputs:
        visit(t)
    declared = {id(t._keras_history[0]) for t in inputs}
    for layer in order:
        if isinstance(layer, InputLayer) and id(layer) not in declared:
            raise ValueError(f"graph disconnected: the model uses input '{layer.name}', which is not among its inputs "
                             f"({', '.join(t.name for t in inputs)})")
    return order, {k: sorted(v) for k, v in nodes.items()}


def functional_json(name, inputs, outputs):
    order, used = _walk(inputs, outputs)

    def ref(tensor):
        layer, ni, ti = tensor._keras_history
        return [layer.name, used[id(layer)].index(ni), ti]

    def tensor_json(t):
        shape = None if t._shape is None else list(t._shape)
        return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32", "keras_history": ref(t)}}

    entries = []
    for layer in order:
        entry = layer.serialize()
        entry["name"] = layer.name
        inbound = []
        if not isinstance(layer, InputLayer):
            for ni in used[id(layer)]:
                node = layer._inbound_nodes[ni]
                args = [tensor_json(t) for t in node.inputs]
                inbound.append({"args": [args] if node.merge else args, "kwargs": {}})
        entry["inbound_nodes"] = inbound
        entries.append(entry)
    return json.dumps({
        "module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
        "config": {"name": name, "trainable": True, "layers": entries,
                   "input_layers": [ref(t) for t in inputs], "output_layers": [ref(t) for t in outputs]},
    })


def upstream_inputs(tensor):
    """The model inputs a tensor depends on, in the order they are reached."""
    found, seen = [], set()

    def visit(t):
        layer, ni, _ = t._keras_history
        if (id(layer), ni) in seen:
            return
        seen.add((id(layer), ni))
        if isinstance(layer, InputLayer):
            found.append(layer.tensor())
        for u in layer._inbound_nodes[ni].inputs:
            visit(u)

    visit(tensor)
    return found


def infer_shape(tensor):
    """The tensor's shape with the batch axis, from a throwaway model built by the Rust core."""
    layer = tensor._keras_history[0]
    if isinstance(layer, InputLayer):
        return layer.batch_shape
    text = functional_json("shape_probe", upstream_inputs(tensor), [tensor])
    core = _tusk.Model.from_json(text, 0)
    return (None, *core.output_shapes[0])


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
