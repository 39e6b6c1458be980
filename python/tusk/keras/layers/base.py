"""The layer base class and symbolic tensors of the functional API.

A tusk layer computes nothing in Python: it records a Keras layer config (``class_name``
plus the dict Keras 3's ``layer.get_config()`` would give) that the Rust core reads and
validates. Options tusk does not implement are passed through unchanged, so that the Rust
reader can name them in its error. Calling a layer on a :class:`KerasTensor` records a node
of the functional graph and returns the layer's output tensor.

Once a model holding a layer is built, ``layer.get_weights()``/``set_weights()`` read and
write that layer's slice of the model's weights (Keras order and shapes).
"""
import json
import weakref

import numpy as np

from .. import naming
from ..serialization import ConfigAttributes, activation_name, jsonable
from .topology import infer_shape

DTYPE_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}

# Keras arguments every layer accepts that describe its input, not itself.
_INPUT_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size", "batch_shape", "input_length")


def dtype_policy(dtype):
    """Keras 3's serialized dtype policy for a dtype argument (None: float32)."""
    if isinstance(dtype, dict):
        return dtype
    name = "float32" if dtype is None else getattr(dtype, "name", str(dtype))
    return {**DTYPE_POLICY, "config": {"name": name}}


class KerasTensor:
    """A symbolic tensor: the output ``tensor_index`` of call ``node_index`` of ``layer``.

    ``shape`` includes the batch axis (``None``). It is known for model inputs; for other
    tensors the Rust core works it out the first time it is asked for.
    """

    def __init__(self, layer, node_index=0, tensor_index=0, shape=None):
        self._keras_history = (layer, node_index, tensor_index)
        self._shape = None if shape is None else tuple(shape)
        self.dtype = "float32"

    @property
    def node(self):
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    @property
    def name(self):
        return self._keras_history[0].name

    @property
    def shape(self):
        if self._shape is None:
            self._shape = infer_shape(self)
        return self._shape

    def __repr__(self):
        shape = self._shape if self._shape is not None else "?"
        return f"<KerasTensor shape={shape}, name={self.name}>"

    def __len__(self):
        raise TypeError("a symbolic KerasTensor has no length; use .shape")


class Node:
    """One call of a layer: its input tensors (a list; ``merge`` marks a list argument)."""

    def __init__(self, layer, inputs, merge, owner=None):
        self.layer = layer
        self.inputs = list(inputs)
        self.merge = merge
        self.owner = owner  # a Sequential model wiring its own layers, or None


class Layer(ConfigAttributes):
    """Base class of tusk's Keras layers. ``class_name`` names the Keras class."""

    class_name = None

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        cls = self.class_name or type(self).__name__
        self._batch_input_shape = _input_shape_from(kwargs, cls)
        self._initial_weights = kwargs.pop("weights", None)
        for key in ("autocast", "input_tensor"):
            kwargs.pop(key, None)
        self._config = {
            "name": name or naming.unique_name(naming.to_snake_case(cls)),
            "trainable": bool(trainable),
            "dtype": dtype_policy(dtype),
        }
        self._extra = kwargs  # unknown options: added last, for Rust to judge
        self._inbound_nodes = []
        self._owner_ref = None

    def _set(self, **values):
        """Adds this layer's own options to its config (in Keras' order)."""
        for k, v in values.items():
            self._config[k] = jsonable(v)
        for k, v in self._extra.items():
            self._config[k] = jsonable(v)

    # ---- config -------------------------------------------------------------------------
    @property
    def name(self):
        return self._config["name"]

    @property
    def trainable(self):
        return self._config.get("trainable", True)

    @trainable.setter
    def trainable(self, value):
        self._config["trainable"] = bool(value)
        owner = self._owner
        if owner is not None:
            owner._architecture_changed()

    def get_config(self):
        return json.loads(json.dumps(self._config))

    @classmethod
    def from_config(cls, config):
        """A layer with exactly this config (as written by Keras or the Rust core)."""
        layer = cls.__new__(cls)
        Layer.__init__(layer, name=config.get("name"))
        layer._config = json.loads(json.dumps(config))
        layer._config.setdefault("name", naming.unique_name(naming.to_snake_case(layer.class_name or cls.__name__)))
        return layer

    def serialize(self):
        """The layer entry of a Keras 3 model JSON (without graph fields)."""
        return {"module": "keras.layers", "class_name": self.class_name or type(self).__name__,
                "config": self.get_config(), "registered_name": None}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    # ---- functional API -----------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        from ..._tusk import UnsupportedError

        if args or kwargs:
            given = ", ".join([repr(a) for a in args] + list(kwargs))
            raise UnsupportedError(f"{self.class_name} '{self.name}': call arguments besides the inputs ({given})")
        merge = isinstance(inputs, (list, tuple))
        tensors = list(inputs) if merge else [inputs]
        if not tensors or not all(isinstance(t, KerasTensor) for t in tensors):
            raise TypeError(
                f"{self.class_name} '{self.name}' was called on {type(inputs).__name__}: tusk layers are called "
                "on symbolic tensors (keras.Input(...) or another layer's output) to build a model; "
                "use model.predict for data")
        return self._add_node(tensors, merge)

    def _add_node(self, tensors, merge, owner=None):
        self._inbound_nodes.append(Node(self, tensors, merge, owner))
        return KerasTensor(self, len(self._inbound_nodes) - 1, 0)

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError(f"layer '{self.name}' has never been called, so it has no output")
        return KerasTensor(self, len(self._inbound_nodes) - 1, 0)

    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError(f"layer '{self.name}' has never been called, so it has no input")
        node = self._inbound_nodes[-1]
        return node.inputs if node.merge else node.inputs[0]

    # ---- weights (through the model that holds the layer) --------------------------------
    @property
    def _owner(self):
        return self._owner_ref() if self._owner_ref is not None else None

    def _attach(self, model):
        self._owner_ref = weakref.ref(model)

    def get_weights(self):
        owner = self._owner
        if owner is None or not owner._is_built():
            return []
        return owner._layer_weights(self.name)

    def set_weights(self, weights):
        owner = self._owner
        if owner is None or not owner._is_built():
            raise ValueError(f"layer '{self.name}' has no weights yet: add it to a model with a known input shape first")
        owner._set_layer_weights(self.name, weights)

    @property
    def weights(self):
        return self.get_weights()

    def count_params(self):
        return int(sum(np.size(w) for w in self.get_weights()))


def _input_shape_from(kwargs, cls):
    """Pops Keras' input-describing arguments; returns the batch shape they give, or None."""
    given = {k: kwargs.pop(k) for k in _INPUT_KWARGS if k in kwargs}
    if given.get("batch_input_shape") is not None:
        return tuple(given["batch_input_shape"])
    if given.get("batch_shape") is not None:
        return tuple(given["batch_shape"])
    batch = given.get("batch_size")
    if given.get("input_shape") is not None:
        shape = given["input_shape"]
        return (batch, *(shape if isinstance(shape, (list, tuple)) else (shape,)))
    if cls == "Embedding":
        # Embedding's input_dim is its vocabulary; Keras 2's input_length is the sequence length.
        length = given.get("input_length")
        return (batch, length) if length is not None else None
    if given.get("input_dim") is not None:
        return (batch, int(given["input_dim"]))
    return None


def as_tuple(value, n, what):
    """Keras' normalisation of an int or a sequence of ints to a list of ``n`` ints."""
    if isinstance(value, (int, np.integer)):
        return [int(value)] * n
    try:
        values = [int(v) for v in value]
    except TypeError:
        raise ValueError(f"{what} must be an int or a sequence of {n} ints, got {value!r}") from None
    if len(values) != n:
        raise ValueError(f"{what} must be an int or a sequence of {n} ints, got {value!r}")
    return values


def padding_name(padding):
    return padding.lower() if isinstance(padding, str) else padding


def data_format(value):
    return "channels_last" if value is None else value


__all__ = ["KerasTensor", "Layer", "Node", "activation_name", "as_tuple", "data_format", "dtype_policy", "padding_name"]
