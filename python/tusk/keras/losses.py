"""``tusk.keras.losses``: loss names and thin loss classes. The losses are computed in Rust;
these only record Keras' name and options.

Accepted wherever Keras takes a loss: a name (``"categorical_crossentropy"``, ``"mse"``), a
class instance (``CategoricalCrossentropy(from_logits=True)``), one of the name functions
below (``losses.categorical_crossentropy``), or a ``{"class_name", "config"}`` dict.
"""
from .naming import to_snake_case
from .serialization import ConfigAttributes


class Loss(ConfigAttributes):
    class_name = None
    options = {}

    def __init__(self, name=None, reduction="sum_over_batch_size", **kwargs):
        cfg = {"name": name or to_snake_case(self.class_name), "reduction": reduction}
        for key, default in self.options.items():
            cfg[key] = kwargs.pop(key, default)
        cfg.update(kwargs)
        self._config = cfg

    def get_config(self):
        return dict(self._config)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def serialize(self):
        return {"class_name": self.class_name, "config": self.get_config()}

    @property
    def name(self):
        return self._config["name"]

    def __call__(self, *args, **kwargs):
        raise TypeError(f"tusk losses are computed by the Rust core; pass {self.class_name}() to model.compile")


class CategoricalCrossentropy(Loss):
    class_name, options = "CategoricalCrossentropy", {"from_logits": False, "label_smoothing": 0.0, "axis": -1}


class SparseCategoricalCrossentropy(Loss):
    class_name, options = "SparseCategoricalCrossentropy", {"from_logits": False, "ignore_class": None}


class BinaryCrossentropy(Loss):
    class_name, options = "BinaryCrossentropy", {"from_logits": False, "label_smoothing": 0.0, "axis": -1}


class MeanSquaredError(Loss):
    class_name = "MeanSquaredError"


class MeanAbsoluteError(Loss):
    class_name = "MeanAbsoluteError"


class MeanAbsolutePercentageError(Loss):
    class_name = "MeanAbsolutePercentageError"


class MeanSquaredLogarithmicError(Loss):
    class_name = "MeanSquaredLogarithmicError"


class LogCosh(Loss):
    class_name = "LogCosh"


class Huber(Loss):
    """Keras' ``Huber(delta=1.0)``. Keras 3 leaves ``delta`` out of ``get_config``; tusk keeps it."""

    class_name, options = "Huber", {"delta": 1.0}

    def __init__(self, delta=1.0, name="huber_loss", **kwargs):
        super().__init__(name=name, delta=float(delta), **kwargs)


_CLASSES = {c.class_name: c for c in (CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy,
                                      MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
                                      MeanSquaredLogarithmicError, LogCosh, Huber)}


def _name_function(name):
    def loss(y_true, y_pred):
        raise TypeError(f"tusk losses are computed by the Rust core; pass '{name}' to model.compile")

    loss.__name__ = loss.__qualname__ = name
    loss._tusk_loss = True
    return loss


categorical_crossentropy = _name_function("categorical_crossentropy")
sparse_categorical_crossentropy = _name_function("sparse_categorical_crossentropy")
binary_crossentropy = _name_function("binary_crossentropy")
mean_squared_error = mse = MSE = _name_function("mean_squared_error")
mean_absolute_error = mae = MAE = _name_function("mean_absolute_error")
huber = _name_function("huber")
mean_absolute_percentage_error = mape = MAPE = _name_function("mean_absolute_percentage_error")
mean_squared_logarithmic_error = msle = MSLE = _name_function("mean_squared_logarithmic_error")
log_cosh = logcosh = _name_function("log_cosh")


def key(loss):
    """A loss's identity for comparisons: ``CategoricalCrossentropy`` -> ``categoricalcrossentropy``."""
    name = loss.get("class_name", "") if isinstance(loss, dict) else str(loss)
    return name.replace("_", "").lower()


def serialize(loss):
    """A loss argument as the Rust training config takes it: a name or ``{"class_name", "config"}``."""
    if isinstance(loss, str):
        return loss
    if isinstance(loss, Loss):
        return loss.serialize()
    if isinstance(loss, dict):
        if loss.get("class_name") == "function":  # a serialized Keras loss function
            return loss.get("config")
        if loss.get("class_name") == "TracedLoss":
            return loss
        return {"class_name": loss["class_name"], "config": loss.get("config") or {}}
    if hasattr(loss, "get_config"):  # a real Keras loss object
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    if callable(loss) and hasattr(loss, "__name__"):
        module = (getattr(loss, "__module__", None) or "").split(".")[0]
        if getattr(loss, "_tusk_loss", False) or module in ("keras", "tensorflow"):
            return loss.__name__
        from .tracing import loss_config

        return loss_config(loss)  # a Python loss: traced into an expression Rust runs
    raise ValueError(f"cannot interpret {loss!r} as a loss")


def get(identifier):
    """A tusk loss object (or the name, for names without a class) from any loss argument."""
    entry = serialize(identifier)
    if isinstance(entry, str):
        return entry
    cls = _CLASSES.get(entry["class_name"]) or next(
        (c for c in _CLASSES.values() if key(c.class_name) == key(entry)), None)
    return cls.from_config(entry["config"]) if cls is not None else entry


deserialize = get
