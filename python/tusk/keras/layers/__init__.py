"""``tusk.keras.layers``: the Keras layers tusk runs, as config-recording classes (see
``base``), plus ``deserialize``/``serialize`` for Keras' ``{"class_name", "config"}`` dicts.
Keras 2 module paths (``layers.core``, ``layers.convolutional``, ``layers.pooling``, ...) work too."""
import sys

from . import convolutional as _convolutional
from . import core as _core
from .base import KerasTensor, Layer
from .convolutional import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    Conv1D,
    Conv2D,
    Convolution1D,
    Convolution2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .core import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Input,
    InputLayer,
    LeakyReLU,
    Reshape,
)
from .merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .recurrent import GRU, LSTM, SimpleRNN

# Keras 2 import paths: keras.layers.pooling, .normalization, .embeddings
for _alias, _module in (("pooling", _convolutional), ("normalization", _core), ("embeddings", _core)):
    sys.modules[f"{__name__}.{_alias}"] = _module

#: Keras class name -> tusk class, for every layer the Rust core implements.
LAYER_CLASSES = {
    cls.class_name: cls
    for cls in (
        InputLayer, Dense, Activation, LeakyReLU, Dropout, Flatten, Reshape, Conv1D, Conv2D, MaxPooling1D,
        MaxPooling2D, AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
        GlobalMaxPooling1D, GlobalMaxPooling2D, BatchNormalization, Embedding, SimpleRNN, LSTM, GRU,
        Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
    )
}


def deserialize(config):
    """A layer from ``{"class_name": ..., "config": {...}}`` (Keras 2 or 3). A class tusk
    does not know gives a generic layer that the Rust reader will reject by name."""
    class_name = config["class_name"]
    cls = LAYER_CLASSES.get(class_name)
    if cls is None:
        cls = type(class_name, (Layer,), {"class_name": class_name})
    return cls.from_config(config.get("config") or {})


def serialize(layer):
    return layer.serialize()


def get(identifier):
    if isinstance(identifier, Layer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"cannot interpret {identifier!r} as a layer")


__all__ = [
    "GRU", "LAYER_CLASSES", "LSTM", "Activation", "Add", "Average", "AveragePooling1D", "AveragePooling2D", "AvgPool1D",
    "AvgPool2D", "BatchNormalization", "Concatenate", "Conv1D", "Conv2D", "Convolution1D", "Convolution2D", "Dense", "Dot",
    "Dropout", "Embedding", "Flatten", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAvgPool1D",
    "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Input",
    "InputLayer", "KerasTensor", "Layer", "LeakyReLU", "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D",
    "Maximum", "Minimum", "Multiply", "Reshape", "SimpleRNN", "Subtract", "add", "average", "concatenate", "dot",
    "deserialize", "get", "maximum", "minimum", "multiply", "serialize", "subtract",
]
