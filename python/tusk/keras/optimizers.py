"""``tusk.keras.optimizers``: Keras optimizer objects as configs. The update rules run in
Rust; these classes only record Keras' arguments.

``get_config()`` returns ``{"class_name": "SGD", "config": {...}}`` with Keras 3's flat
config inside (``name``, ``learning_rate``, ``weight_decay``, clipping, EMA fields, then the
class's own options). ``lr=`` is accepted as Keras 2's alias of ``learning_rate``; options
tusk does not implement are kept so that the Rust side can name them.
"""
from . import legacy
from .naming import to_snake_case
from .serialization import ConfigAttributes, jsonable

_BASE = ("weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema", "ema_momentum",
         "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps")
_BASE_DEFAULTS = {"use_ema": False, "ema_momentum": 0.99}


class Optimizer(ConfigAttributes):
    """Base class; subclasses set ``class_name``, ``default_lr`` and ``options`` (Keras defaults)."""

    class_name = None
    default_lr = 0.001
    options = {}

    def __init__(self, learning_rate=None, name=None, **kwargs):
        if "lr" in kwargs:
            legacy.warn("The `lr` argument is deprecated, use `learning_rate` instead.")
            lr = kwargs.pop("lr")
            learning_rate = lr if learning_rate is None else learning_rate
        if kwargs.get("decay"):
            legacy.warn("`decay` is a tf.keras 2 argument (Keras 3 uses learning-rate schedules); tusk applies "
                        "learning_rate / (1 + decay * step) as tf.keras 2 did.")
        cfg = {"name": name or to_snake_case(self.class_name),
               "learning_rate": float(self.default_lr if learning_rate is None else learning_rate)}
        for key in _BASE:
            cfg[key] = jsonable(kwargs.pop(key, _BASE_DEFAULTS.get(key)))
        for key, default in self.options.items():
            cfg[key] = jsonable(kwargs.pop(key, default))
        cfg.update(jsonable(kwargs))  # unknown options: the Rust side names them
        self._config = cfg

    @property
    def learning_rate(self):
        return self._config["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, value):
        self._config["learning_rate"] = float(value)

    lr = learning_rate

    def get_config(self):
        return {"class_name": self.class_name, "config": dict(self._config)}

    @classmethod
    def from_config(cls, config):
        if "class_name" in config and "config" in config:
            config = config["config"]
        return cls(**config)

    def __repr__(self):
        return f"<tusk.keras.optimizers.{self.class_name} learning_rate={self.learning_rate}>"


class SGD(Optimizer):
    class_name, default_lr, options = "SGD", 0.01, {"momentum": 0.0, "nesterov": False}


class RMSprop(Optimizer):
    class_name, options = "RMSprop", {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False}


class Adagrad(Optimizer):
    class_name, options = "Adagrad", {"initial_accumulator_value": 0.1, "epsilon": 1e-7}


class Adadelta(Optimizer):
    class_name, options = "Adadelta", {"rho": 0.95, "epsilon": 1e-7}


class Adam(Optimizer):
    class_name, options = "Adam", {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}


class AdamW(Optimizer):
    class_name, options = "AdamW", {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}

    def __init__(self, learning_rate=None, weight_decay=0.004, **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)


class Nadam(Optimizer):
    class_name, options = "Nadam", {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}


class Adamax(Optimizer):
    """Recorded for Keras compatibility; the Rust core does not implement it and says so."""

    class_name, options = "Adamax", {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}


_CLASSES = {c.class_name.lower(): c for c in (SGD, RMSprop, Adagrad, Adadelta, Adam, AdamW, Nadam, Adamax)}


class _Foreign(Optimizer):
    """Another library's optimizer object (e.g. a real ``keras.optimizers.Adam``), by its config."""

    def __init__(self, class_name, config):
        self.class_name = class_name
        self._config = jsonable(dict(config))


def serialize(optimizer):
    return get(optimizer).get_config()


def deserialize(config):
    return get(config)


def get(identifier):
    """An optimizer from a name (``"adam"``), a config dict (``{"class_name", "config"}`` or a flat
    Keras config with ``name``), a tusk optimizer, or a real Keras optimizer object."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _CLASSES.get(identifier.lower().replace("_", ""))
        return cls() if cls is not None else _Foreign(identifier, {})
    if isinstance(identifier, dict):
        if "class_name" in identifier:
            name, cfg = identifier["class_name"], identifier.get("config") or {}
        else:
            name, cfg = identifier.get("name", ""), identifier
        cls = _CLASSES.get(str(name).lower().replace("_", ""))
        if cls is not None:
            return cls.from_config(cfg)
        return _Foreign(name, cfg)
    if hasattr(identifier, "get_config"):
        return _Foreign(type(identifier).__name__, identifier.get_config())
    raise ValueError(f"cannot interpret {identifier!r} as an optimizer")
