"""``tusk.keras``: a Keras-compatible front end to the tusk Rust engine.

Code written for ``tensorflow.keras`` with the layers tusk supports runs with only the import
changed (``from tusk import keras``, ``from tusk.keras.layers import Dense``, ...). Python
holds no maths: layers record Keras configs, models are Keras JSON handed to ``tusk._tusk``,
and training, evaluation and prediction run in Rust.

Modules: ``layers``, ``models`` (``Model``, ``Sequential``, ``load_model``, ...),
``optimizers``, ``losses``, ``metrics``, ``callbacks``, ``activations``, ``initializers``,
``regularizers``, ``utils``, ``backend``, ``ops`` (elementwise functions for custom
activations, traced into an expression the Rust engine runs). ``from_keras`` converts a real Keras model.
"""
from . import (
    activations,
    backend,
    callbacks,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    regularizers,
    utils,
)
from .interop import to_keras
from .layers import Input, InputLayer
from .model import Model
from .loading import as_model, from_keras, load_model, model_from_json
from .sequential import Sequential

__all__ = [
    "Input", "InputLayer", "Model", "Sequential", "activations", "as_model", "backend", "callbacks", "datasets", "from_keras",
    "initializers", "layers", "load_model", "losses", "metrics", "model_from_json", "models", "ops", "optimizers",
    "regularizers", "to_keras", "utils",
]
