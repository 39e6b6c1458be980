"""``tusk.keras.models``: ``Model``, ``Sequential``, ``load_model``, ``model_from_json``,
``model_from_yaml`` (Keras 2), ``clone_model`` and ``as_model`` (any model-like object -> a tusk.keras model; the Spark
layer uses it)."""
from .model import Model
from .loading import as_model, load_model, model_from_json, model_from_yaml
from .sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and fresh weights (as Keras' ``clone_model``)."""
    if input_tensors is not None or clone_function is not None:
        from .._tusk import UnsupportedError

        raise UnsupportedError("clone_model: input_tensors and clone_function are not supported")
    return model_from_json(as_model(model).to_json())


def save_model(model, filepath, overwrite=True, **kwargs):
    as_model(model).save(filepath, overwrite=overwrite)


__all__ = ["Model", "Sequential", "as_model", "clone_model", "load_model", "model_from_json", "model_from_yaml",
           "save_model"]
