"""Saving: tusk's directory format (``_tusk.Model.save``: Keras JSON, safetensors weights,
training config and optimizer state), Keras' ``.keras``/``.h5`` files through real Keras when
it is installed, and Keras 2's YAML architecture. Loading is ``loading``, above the model
classes it builds."""
import json
import os

from .interop import to_keras

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def save_model(model, filepath, overwrite=True):
    path = os.fspath(filepath)
    if path.endswith(KERAS_SUFFIXES):
        to_keras(model).save(path)
        return
    if not overwrite and os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        raise FileExistsError(f"{path} exists and overwrite=False")
    model._core.save(path)


def to_yaml(architecture, **kwargs):
    """Keras 2's ``model.to_yaml()``: the JSON architecture as YAML (PyYAML where it is
    installed; otherwise indented JSON, which YAML readers take as it is)."""
    try:
        import yaml
    except ImportError:
        return json.dumps(architecture, indent=2)
    return yaml.safe_dump(architecture, **kwargs)
