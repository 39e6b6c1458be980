"""Saving and loading: tusk's directory format (``_tusk.Model.save``/``load``: Keras JSON,
safetensors weights, training config and optimizer state), Keras' ``.keras``/``.h5`` files
through real Keras when it is installed, and Keras JSON architectures."""
import json
import os

from .. import _tusk
from .utils import next_seed

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def save_model(model, filepath, overwrite=True):
    path = os.fspath(filepath)
    if path.endswith(KERAS_SUFFIXES):
        from .interop import to_keras

        to_keras(model).save(path)
        return
    if not overwrite and os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        raise FileExistsError(f"{path} exists and overwrite=False")
    model._core.save(path)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model saved by ``model.save``: a tusk directory, or a Keras ``.keras``/``.h5`` file
    (read with real Keras, then converted)."""
    path = os.fspath(filepath)
    if not os.path.isdir(path) and (path.endswith(KERAS_SUFFIXES) or os.path.isfile(path)):
        from .interop import from_keras

        return from_keras(path, custom_objects=custom_objects)
    from .model import Model

    return Model._wrap(_tusk.Model.load(path))


def model_from_json(json_string, custom_objects=None):
    """A model (fresh weights) from Keras JSON: Keras 3 or tf.keras 2 ``model.to_json()``.
    ``custom_objects`` may map names in the JSON to built-in layer classes or activations."""
    from .graph import graph_from_json, is_unbuilt_sequential
    from .interop import resolve_custom_objects
    from .model import Model
    from .sequential import Sequential

    text = resolve_custom_objects(json_string, custom_objects)
    if is_unbuilt_sequential(text):  # not built when saved: it stays so until it sees data
        _, name, first, layers, _ = graph_from_json(text)
        model = Sequential(name=name)
        for layer in ([first] if first is not None else []) + layers:
            model.add(layer)
        return model
    return Model._wrap(_tusk.Model.from_json(text, next_seed()))


def to_yaml(architecture, **kwargs):
    """Keras 2's ``model.to_yaml()``: the JSON architecture as YAML (PyYAML where it is
    installed; otherwise indented JSON, which YAML readers take as it is)."""
    try:
        import yaml
    except ImportError:
        return json.dumps(architecture, indent=2)
    return yaml.safe_dump(architecture, **kwargs)


def model_from_yaml(yaml_string, custom_objects=None):
    """Keras 2's ``model_from_yaml``: a model (fresh weights) from ``to_yaml()`` text."""
    try:
        import yaml
    except ImportError:
        try:
            architecture = json.loads(yaml_string)
        except ValueError:
            raise ImportError("model_from_yaml needs PyYAML (pip install pyyaml) for this text") from None
    else:
        architecture = yaml.safe_load(yaml_string)
    return model_from_json(json.dumps(architecture), custom_objects)


def as_model(obj, custom_objects=None):
    """A tusk.keras model from whatever the caller has: a tusk.keras model (itself), a
    ``_tusk.Model``, a real ``keras.Model``, a saved model's path, or Keras JSON text."""
    from .interop import from_keras, is_keras_model
    from .model import Model

    if isinstance(obj, Model):
        return obj
    if isinstance(obj, _tusk.Model):
        return Model._wrap(obj)
    if isinstance(obj, (str, os.PathLike)):
        text = os.fspath(obj)
        if text.lstrip().startswith("{"):
            return model_from_json(text, custom_objects)
        return load_model(text, custom_objects=custom_objects)
    if is_keras_model(obj):
        return from_keras(obj, custom_objects=custom_objects)
    raise TypeError(f"cannot make a tusk model from {type(obj).__module__}.{type(obj).__name__}: expected a "
                    "tusk.keras model, a tusk._tusk.Model, a keras.Model, a path or Keras JSON")
