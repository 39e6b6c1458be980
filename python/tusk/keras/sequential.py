"""``Sequential``: a plain stack of layers, as in Keras.

The input shape comes from, in order: an ``InputLayer``/``keras.Input(...)`` added first, the
first layer's ``input_shape``/``input_dim``/``batch_input_shape`` (``input_length`` for an
``Embedding``), ``build(input_shape)``, or the first data given to ``fit``/``predict``/...
The model is built in Rust on first use; ``layers`` excludes the input layer (as Keras 3).
After building, each layer has been called once on the previous one's output, so
``layer.output``/``model.inputs`` work for feature-extraction models.
"""
from . import naming
from .._tusk import StateError, UnsupportedError
from .data import arrays
from .graph import sequential_json
from .layers import InputLayer
from .layers.base import KerasTensor, Layer
from .model import Model


class Sequential(Model):
    def __init__(self, layers=None, name=None, trainable=True, **kwargs):
        self._init_state(name or naming.unique_name("sequential"))
        self._input_layer, self._seq_layers = None, []
        self._inputs = self._outputs = None
        self._single_input = self._single_output = True
        for layer in layers or []:
            self.add(layer)

    def add(self, layer, rebuild=True):
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._seq_layers or self._input_layer is not None:
                raise ValueError("an InputLayer can only be the first layer of a Sequential model")
            self._input_layer = layer
        elif isinstance(layer, Model):
            raise UnsupportedError(f"Sequential '{self.name}': adding a model as a layer (nested models) is not supported")
        elif isinstance(layer, Layer):
            if any(existing is layer for existing in self._seq_layers):
                raise ValueError(f"layer '{layer.name}' is already in Sequential '{self.name}'")
            self._seq_layers.append(layer)
        else:
            raise TypeError(f"Sequential.add takes a layer, got {type(layer).__name__}")
        self._architecture_changed()

    def pop(self, rebuild=True):
        if not self._seq_layers:
            raise TypeError("there are no layers in the model")
        layer = self._seq_layers.pop()
        self._architecture_changed()
        return layer

    def build(self, input_shape=None):
        """Keras' ``build((None, *shape))``: fixes the input shape and builds the model (a
        model without layers yet only records it, as tf.keras 2 allowed)."""
        if input_shape is not None and self._input_layer is None:
            self._input_layer = InputLayer(batch_shape=tuple(input_shape))
        if self._seq_layers:
            self._core  # noqa: B018

    # ---- a model not built yet: Keras' JSON and no weights, without the Rust core ---------------
    def _json_text(self):
        if self._can_build():
            return super()._json_text()
        return sequential_json(self.name, self._input(), self._seq_layers)

    def get_weights(self):
        return super().get_weights() if self._can_build() else []

    def set_weights(self, weights):
        if self._can_build():
            return super().set_weights(weights)
        if len(weights):
            raise ValueError(f"Sequential '{self.name}' is not built yet, so it has no weights to set: give it an "
                             "input shape first")

    # ---- input shape and building ---------------------------------------------------------------
    def _input(self):
        if self._input_layer is None and self._seq_layers and self._seq_layers[0]._batch_input_shape is not None:
            self._input_layer = InputLayer(batch_shape=self._seq_layers[0]._batch_input_shape)
        return self._input_layer

    def _can_build(self):
        return bool(self._seq_layers) and self._input() is not None

    def _build_from_data(self, x):
        if self._input() is None and self._seq_layers:
            first = arrays(x, ["input"], "x")[0]
            self._input_layer = InputLayer(shape=first.shape[1:])

    def _graph_json(self):
        if not self._seq_layers:
            raise StateError(f"Sequential '{self.name}' has no layers yet: add some first")
        if self._input() is None:
            raise StateError(f"Sequential '{self.name}' has not been built: give its first layer an input_shape "
                             "(or input_dim), add keras.Input(shape=...) first, call build(input_shape), or fit it on data")
        return sequential_json(self.name, self._input_layer, self._seq_layers)

    def _all_layers(self):
        return list(self._seq_layers)

    def _install(self, text, core=None):
        super()._install(text, core)
        # Call each layer on the previous output so that layer.output and model.outputs exist.
        for layer in self._seq_layers:
            layer._inbound_nodes = [n for n in layer._inbound_nodes if n.owner is not self]
        t = self._input_layer.tensor()
        for layer in self._seq_layers:
            t = layer._add_node([t], merge=False, owner=self)
        t._shape = (None, *self._core_model.output_shapes[0])
        self._inputs, self._outputs = [self._input_layer.tensor()], [t]

    # ---- structure -------------------------------------------------------------------------------
    def _own_layers(self):
        return list(self._seq_layers)

    @property
    def input_names(self):
        layer = self._input()
        if layer is None:
            raise StateError(f"Sequential '{self.name}' has no input shape yet")
        return [layer.name]

    @property
    def output_names(self):
        if not self._seq_layers:
            raise StateError(f"Sequential '{self.name}' has no layers yet")
        return [self._seq_layers[-1].name]
