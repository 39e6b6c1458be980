"""Turning Keras arguments into the JSON values of a Keras 3 config: activations by name,
initializers and regularizers as ``{"module", "class_name", "config", "registered_name"}``
objects, tuples as lists, numpy scalars as Python numbers. Objects with a ``get_config``
(tusk's or real Keras') are serialized the way Keras does it."""
import numpy as np

# Keras initializer names -> (class name, default config).
_VS = {"seed": None, "input_axes": None, "output_axes": None}
INITIALIZERS = {
    "zeros": ("Zeros", {}), "zero": ("Zeros", {}), "ones": ("Ones", {}), "one": ("Ones", {}),
    "constant": ("Constant", {"value": 0.0}),
    "random_normal": ("RandomNormal", {"seed": None, "mean": 0.0, "stddev": 0.05}),
    "normal": ("RandomNormal", {"seed": None, "mean": 0.0, "stddev": 0.05}),
    "random_uniform": ("RandomUniform", {"seed": None, "minval": -0.05, "maxval": 0.05}),
    "uniform": ("RandomUniform", {"seed": None, "minval": -0.05, "maxval": 0.05}),
    "truncated_normal": ("TruncatedNormal", {"seed": None, "mean": 0.0, "stddev": 0.05}),
    "glorot_uniform": ("GlorotUniform", _VS), "glorot_normal": ("GlorotNormal", _VS),
    "he_uniform": ("HeUniform", _VS), "he_normal": ("HeNormal", _VS),
    "lecun_uniform": ("LecunUniform", _VS), "lecun_normal": ("LecunNormal", _VS),
    "orthogonal": ("Orthogonal", {"seed": None, "gain": 1.0}),
    "variance_scaling": ("VarianceScaling", {"seed": None, "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}),
}


class ConfigAttributes:
    """Keras exposes a layer's, optimizer's or loss' options as attributes (``layer.units``,
    ``optimizer.beta_1``, ``loss.reduction``): a missing attribute is looked up in ``_config``."""

    def __getattr__(self, key):
        config = self.__dict__.get("_config")
        if config is not None and key in config:
            return config[key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")


def keras_object(module, class_name, config):
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def initializer(value):
    """An initializer argument (name, tusk/Keras object, config dict) as Keras 3 serializes it."""
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, str):
        key = value.lower()
        if key in INITIALIZERS:
            cls, cfg = INITIALIZERS[key]
            return keras_object("keras.initializers", cls, dict(cfg))
        return value  # unknown name: the Rust reader names it
    return serialize_object(value, "keras.initializers")


def serialize_object(value, module):
    """An object with get_config (a tusk or Keras initializer, regularizer, ...)."""
    if hasattr(value, "get_config"):
        cfg = value.get_config()
        if isinstance(cfg, dict) and "class_name" in cfg and "config" in cfg:
            return {"module": module, "registered_name": None, **cfg}
        return keras_object(module, type(value).__name__, jsonable(cfg))
    return value


def activation_name(value):
    """An activation argument as the layer config holds it: a name (``None`` -> ``"linear"``;
    tusk's and Keras' own functions by name), or a Python function traced into an expression
    (``tracing.activation_config``)."""
    if value is None:
        return "linear"
    if isinstance(value, (str, dict)):
        return value
    name = getattr(value, "__name__", None)
    module = (getattr(value, "__module__", None) or "").split(".")[0]
    if name is not None and (getattr(value, "_tusk_activation", False) or module in ("keras", "tensorflow")):
        return name
    if callable(value):
        from .tracing import activation_config

        return activation_config(value)
    return jsonable(value)


def regularizer(value):
    """Regularizers and constraints: tusk refuses them, but records them so Rust names them."""
    if value is None or isinstance(value, (str, dict)):
        return value
    return serialize_object(value, "keras.regularizers")


def jsonable(value):
    """Tuples to lists, numpy scalars and arrays to Python values, objects via get_config."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "get_config"):
        return serialize_object(value, type(value).__module__.split(".")[0])
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    return repr(value)
