"""``Model``: a Keras-style model over a Rust ``_tusk.Model`` (``model._core``).

Built three ways: the functional API (``Model(inputs, outputs)`` on tensors from
``Input``/layer calls), ``Sequential`` (its own module), or wrapping a core read from JSON, a
saved directory or a real Keras model (``loading.wrap_core``). The architecture goes to Rust as
Keras 3 JSON; weights live in Rust. When the architecture changes after building (a layer's
``trainable`` flag, ``Sequential.add``), the core is rebuilt on next use, keeping the weights
of layers whose names and shapes are unchanged, and recompiled if it was compiled.
"""
import json

from .. import _tusk
from . import interop, legacy, naming, saving
from .._tusk import UnsupportedError
from .data import f32
from .layers.base import KerasTensor
from .layers.topology import functional_json, walk_graph
from .tracing import TRACED, keras_form
from .training import Trainer
from .utils import next_seed


def _as_list(value, what):
    if isinstance(value, KerasTensor):
        return [value], True
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)) and value and all(isinstance(t, KerasTensor) for t in value):
        return list(value), False
    raise TypeError(f"Model {what} must be tensors from keras.Input(...) or layer calls, got {type(value).__name__}")


class Model(Trainer):
    """Keras' functional ``Model(inputs, outputs, name=None)``."""

    def __init__(self, *args, **kwargs):
        for old in ("input", "output"):  # Keras 1's Model(input=..., output=...)
            if old in kwargs:
                legacy.warn(f"Update your `Model` call to the Keras 2 API: `{old}` -> `{old}s`")
                kwargs.setdefault(old + "s", kwargs.pop(old))
        inputs = args[0] if args else kwargs.pop("inputs", None)
        outputs = args[1] if len(args) > 1 else kwargs.pop("outputs", None)
        name = kwargs.pop("name", None)
        kwargs.pop("trainable", None)
        if "call" in vars(type(self)) or inputs is None or outputs is None:
            raise UnsupportedError("subclassed models (a Python call method) are not supported: build the model with "
                                   "Sequential or the functional API, Model(inputs, outputs)")
        self._init_state(name or naming.unique_name("functional"))
        self._inputs, self._single_input = _as_list(inputs, "inputs")
        self._outputs, self._single_output = _as_list(outputs, "outputs")
        self._layers, _ = walk_graph(self._inputs, self._outputs)
        self._install(functional_json(self.name, self._inputs, self._outputs))

    # ---- construction -----------------------------------------------------------------------
    def _init_state(self, name):
        self.name = name
        self._core_model = None
        self._stale = False
        self._training_config = None
        self._loss_entries = None
        self._metric_names = None
        self.optimizer = None
        self.loss = None
        self.history = None
        self.stop_training = False

    def _graph_json(self):
        return functional_json(self.name, self._inputs, self._outputs)

    def _all_layers(self):
        return list(self._layers)

    def _install(self, text, core=None):
        """Makes ``core`` (or a new core built from ``text``) this model's, carrying weights over
        from the previous core and from other built models that hold the same layer objects."""
        carried = {}
        for layer in self._all_layers():
            owner = layer._owner
            if owner is not None and owner is not self and owner._core_model is not None:
                carried.update(owner._weights_by_name(layer.name))
        if self._core_model is not None:
            carried.update(self._weights_by_name())
        if core is None:
            core = _tusk.Model.from_json(text, next_seed())
        names, weights = core.weight_names(), None
        for i, n in enumerate(names):
            w = carried.get(n)
            if w is not None:
                weights = weights if weights is not None else core.get_weights()
                if w.shape == weights[i].shape:
                    weights[i] = w
        if weights is not None:
            core.set_weights(weights)
        self._core_model, self._stale = core, False
        for layer in self._all_layers():
            layer._attach(self)
            if getattr(layer, "_initial_weights", None) is not None:
                self._set_layer_weights(layer.name, layer._initial_weights)
                layer._initial_weights = None
        for t, shape in zip(self._outputs or [], core.output_shapes):
            t._shape = (None, *shape)
        if self._training_config is not None:
            core.compile(json.dumps(self._training_config))

    def _architecture_changed(self):
        self._stale = True

    def _rebuild(self):
        self._install(self._graph_json())

    def _is_built(self):
        return self._core_model is not None or self._can_build()

    def _can_build(self):
        return True

    @property
    def _core(self):
        """This model's ``_tusk.Model`` (built or rebuilt on first use)."""
        if self._core_model is None or self._stale:
            self._rebuild()
        return self._core_model

    # ---- structure ----------------------------------------------------------------------------
    @property
    def layers(self):
        """The model's layers; reached through this model, their weights are this model's."""
        layers = self._own_layers()
        for layer in layers:
            layer._attach(self)
        return layers

    def _own_layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"was asked to retrieve layer at index {index} but model only has {len(layers)} layers")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.")

    @property
    def inputs(self):
        self._core  # noqa: B018 (builds a Sequential so its tensors exist)
        return list(self._inputs)

    @property
    def outputs(self):
        self._core  # noqa: B018
        return list(self._outputs)

    @property
    def input(self):
        return self.inputs[0] if self._single_input else self.inputs

    @property
    def output(self):
        return self.outputs[0] if self._single_output else self.outputs

    @property
    def input_shape(self):
        shapes = [(None, *s) for s in self._core.input_shapes]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [(None, *s) for s in self._core.output_shapes]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_names(self):
        return [t.name for t in self._inputs]

    @property
    def output_names(self):
        return [t.name for t in self._outputs]

    def summary(self, line_length=None, positions=None, print_fn=None, **kwargs):
        (print_fn or print)(self._core.summary())

    def count_params(self):
        return int(self._core.n_params)

    def to_json(self, **kwargs):
        """Keras' JSON of the model (a traced activation appears by its function's name, as
        Keras writes it: read it back with ``custom_objects={name: function}``)."""
        text = self._json_text()
        if TRACED not in text:
            return json.dumps(json.loads(text), **kwargs) if kwargs else text
        return json.dumps(keras_form(json.loads(text)), **kwargs)

    def _json_text(self):
        """The model's JSON as the Rust core writes it."""
        return self._core.to_json()

    def to_yaml(self, **kwargs):
        """Keras 2's YAML architecture (removed from tf.keras 2.6): ``model_from_yaml`` reads it."""
        return saving.to_yaml(json.loads(self.to_json()), **kwargs)

    def get_config(self):
        return json.loads(self.to_json())["config"]

    @classmethod
    def from_config(cls, config, custom_objects=None):
        kind = "Sequential" if cls.__name__ == "Sequential" else "Functional"
        return saving.model_from_json(json.dumps({"class_name": kind, "config": config}), custom_objects)

    def __call__(self, *args, **kwargs):
        raise UnsupportedError(f"model '{self.name}': calling a model on tensors (nested models) is not supported; "
                               "build one model from the layers instead")

    def __repr__(self):
        return f"<tusk.keras.{type(self).__name__} name={self.name}>"

    # ---- weights ------------------------------------------------------------------------------
    def get_weights(self):
        return self._core.get_weights()

    def set_weights(self, weights):
        self._core.set_weights([f32(w) for w in weights])

    @property
    def weights(self):
        return self.get_weights()

    def _weights_by_name(self, layer_name=None):
        core = self._core_model
        return {n: w for n, w in zip(core.weight_names(), core.get_weights())
                if layer_name is None or n.split("/", 1)[0] == layer_name}

    def _layer_weights(self, layer_name):
        return list(self._weights_by_name(layer_name).values()) if self._core is not None else []

    def _set_layer_weights(self, layer_name, weights):
        core = self._core
        names, current = core.weight_names(), core.get_weights()
        slots = [i for i, n in enumerate(names) if n.split("/", 1)[0] == layer_name]
        if len(weights) != len(slots):
            raise ValueError(f"layer '{layer_name}' expects {len(slots)} weight arrays "
                             f"({', '.join(names[i] for i in slots)}), got {len(weights)}")
        for i, w in zip(slots, weights):
            current[i] = f32(w)
        core.set_weights(current)

    # ---- files and Keras ----------------------------------------------------------------------
    def save(self, filepath, overwrite=True, **kwargs):
        """A directory (tusk's format, via ``_tusk.Model.save``), or ``.keras``/``.h5`` through real Keras."""
        saving.save_model(self, filepath, overwrite=overwrite)

    def to_keras(self):
        """This model as a real ``keras.Model`` with the same weights (and compile settings)."""
        return interop.to_keras(self)
