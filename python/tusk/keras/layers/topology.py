"""The functional graph that layer calls record, walked: ``functional_json`` writes it as
Keras 3 model JSON (walking back from the output tensors to the inputs through the recorded
nodes; ``inbound_nodes`` as ``{"args": [tensor | [tensors]], "kwargs": {}}``, tensors as
``__keras_tensor__`` objects with ``keras_history`` = ``[layer, node, 0]``), and
``infer_shape`` asks the Rust core for a tensor's shape (no shape arithmetic here).

Below the layer classes: it knows a layer only by what every layer has (``class_name``,
``_inbound_nodes``, ``serialize``), so ``KerasTensor`` can use it without an import cycle.
"""
import json

from ... import _tusk


def _is_input(layer) -> bool:
    return layer.class_name == "InputLayer"


def walk_graph(inputs, outputs):
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
        if _is_input(layer) and id(layer) not in declared:
            raise ValueError(f"graph disconnected: the model uses input '{layer.name}', which is not among its inputs "
                             f"({', '.join(t.name for t in inputs)})")
    return order, {k: sorted(v) for k, v in nodes.items()}


def functional_json(name, inputs, outputs):
    order, used = walk_graph(inputs, outputs)

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
        if not _is_input(layer):
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
        if _is_input(layer):
            found.append(layer.tensor())
        for u in layer._inbound_nodes[ni].inputs:
            visit(u)

    visit(tensor)
    return found


def infer_shape(tensor):
    """The tensor's shape with the batch axis, from a throwaway model built by the Rust core."""
    layer = tensor._keras_history[0]
    if _is_input(layer):
        return layer.batch_shape
    text = functional_json("shape_probe", upstream_inputs(tensor), [tensor])
    core = _tusk.Model.from_json(text, 0)
    return (None, *core.output_shapes[0])
