"""Loading: tusk.keras models built from what a user has — a core (``wrap_core``), a saved
directory or Keras file (``load_model``), Keras JSON or YAML (``model_from_json``,
``model_from_yaml``), a real Keras model (``from_keras``), or any of them (``as_model``). Above
the model classes it builds (``model``, ``sequential``) and the modules they use (``graph``,
``interop``, ``saving``), so that none of those imports it."""
import json
import os
import warnings

from .. import _tusk
from . import metrics as metrics_mod
from .data import f32
from .graph import graph_from_json, is_unbuilt_sequential
from .interop import is_keras_model, keras_module, resolve_custom_objects, resolve_loss
from .model import Model
from .saving import KERAS_SUFFIXES
from .sequential import Sequential
from .training import are_loss_weights
from .utils import next_seed


def wrap_core(core):
    """A tusk.keras model (Sequential or functional) around an existing ``_tusk.Model``."""
    kind, name, first, layers, outputs = graph_from_json(core.to_json())
    if kind == "Sequential":
        model = Sequential.__new__(Sequential)
        model._init_state(name)
        model._input_layer, model._seq_layers = first, layers
        model._inputs = model._outputs = None
        model._single_input = model._single_output = True
    else:
        model = Model.__new__(Model)
        model._init_state(name)
        model._inputs, model._outputs, model._layers = first, outputs, layers
        model._single_input, model._single_output = len(first) == 1, len(outputs) == 1
    config = core.training_config()
    model._install(None, core=core)  # not compiled yet on the Python side: keeps the optimizer state
    if config is not None:
        model._adopt_training_config(json.loads(config))
    return model


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model saved by ``model.save``: a tusk directory, or a Keras ``.keras``/``.h5`` file
    (read with real Keras, then converted)."""
    path = os.fspath(filepath)
    if not os.path.isdir(path) and (path.endswith(KERAS_SUFFIXES) or os.path.isfile(path)):
        return from_keras(path, custom_objects=custom_objects)
    return wrap_core(_tusk.Model.load(path))


def model_from_json(json_string, custom_objects=None):
    """A model (fresh weights) from Keras JSON: Keras 3 or tf.keras 2 ``model.to_json()``.
    ``custom_objects`` may map names in the JSON to built-in layer classes or activations."""
    text = resolve_custom_objects(json_string, custom_objects)
    if is_unbuilt_sequential(text):  # not built when saved: it stays so until it sees data
        _, name, first, layers, _ = graph_from_json(text)
        model = Sequential(name=name)
        for layer in ([first] if first is not None else []) + layers:
            model.add(layer)
        return model
    return wrap_core(_tusk.Model.from_json(text, next_seed()))


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
    if isinstance(obj, Model):
        return obj
    if isinstance(obj, _tusk.Model):
        return wrap_core(obj)
    if isinstance(obj, (str, os.PathLike)):
        text = os.fspath(obj)
        if text.lstrip().startswith("{"):
            return model_from_json(text, custom_objects)
        return load_model(text, custom_objects=custom_objects)
    if is_keras_model(obj):
        return from_keras(obj, custom_objects=custom_objects)
    raise TypeError(f"cannot make a tusk model from {type(obj).__module__}.{type(obj).__name__}: expected a "
                    "tusk.keras model, a tusk._tusk.Model, a keras.Model, a path or Keras JSON")


def _training_config(obj):
    """The compile settings of a compiled Keras model, in tusk's training-config form."""
    opt = getattr(obj, "optimizer", None)
    if opt is None or getattr(obj, "loss", None) is None:
        return None
    cc = {}
    if hasattr(obj, "get_compile_config"):
        try:
            cc = obj.get_compile_config() or {}
        except Exception:  # noqa: BLE001 (older Keras: no compile config)
            cc = {}
    loss = cc.get("loss", obj.loss)
    if isinstance(loss, dict) and loss.get("class_name") == "function":
        loss = loss.get("config")
    out = {"optimizer": {"class_name": type(opt).__name__, "config": opt.get_config()},
           "loss": loss, "metrics": _metric_names(cc.get("metrics"))}
    weights = cc.get("loss_weights")  # Keras writes [] or None when there are none
    if weights and are_loss_weights(weights):
        out["loss_weights"] = weights
    elif weights:
        # compile(opt, loss, ['acc']) in Keras 3 puts the metric names here, where Keras itself
        # cannot use them; Elephas compiles again without them, and so does tusk.
        warnings.warn(f"the Keras model's loss_weights {weights!r} are not numbers (tf.keras 2's positional metrics "
                      "read by Keras 3 as loss_weights?); they are ignored", stacklevel=3)
    return out


def _metric_names(metrics):
    def one(m):
        if isinstance(m, dict) and m.get("class_name") == "function":
            return m.get("config")
        return m

    if isinstance(metrics, (list, tuple)):
        metrics = [[one(x) for x in m] if isinstance(m, (list, tuple)) else one(m) for m in metrics]
    return metrics_mod.names(metrics)


def from_keras(obj, custom_objects=None):
    """A tusk.keras model with the architecture, weights and compile settings of a real Keras
    model (or of a ``.keras``/``.h5`` file, loaded with ``keras.models.load_model``)."""
    if isinstance(obj, Model):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        keras = keras_module()
        obj = keras.models.load_model(os.fspath(obj), custom_objects=custom_objects)
    text = resolve_custom_objects(obj.to_json(), custom_objects)
    core = _tusk.Model.from_json(text, next_seed())
    core.set_weights([f32(w) for w in obj.get_weights()])
    model = wrap_core(core)
    config = _training_config(obj)
    if config is not None:
        model.compile(optimizer=config["optimizer"], loss=resolve_loss(config["loss"], custom_objects), metrics=config["metrics"],
                      loss_weights=config.get("loss_weights"))
    return model
