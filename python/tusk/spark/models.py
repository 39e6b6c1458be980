"""The model objects the Spark API takes and gives back, and the reports it reads.

- `as_core(model, custom_objects)`: the `_tusk.Model` behind a tusk.keras model (`._core`), a `_tusk.Model`, a
  real Keras model or a saved-model path (the last two through `tusk.keras.models.as_model`).
- `as_keras(model, custom_objects)`: the tusk.keras model for it (the `_tusk.Model` itself while `tusk.keras`
  is not installed).
- `optimizer_json(opt)`: a driver optimizer (a name, a Keras config dict, a tusk.keras or real
  Keras optimizer) as the text `_tusk.job_spec(driver_optimizer=...)` takes.
- `conform_labels(core, y)`: class-index labels one-hot encoded (by `_tusk.Model.conform_targets`)
  when the model's loss is categorical_crossentropy, as `run_worker` does for its shard.
- `histories(report)`: each worker's per-epoch logs as Keras `History.history` dicts.
- `keras_result(pairs)`: evaluate's `[(name, value)]` as Keras returns it (a scalar loss, or
  `[loss, metric, ...]`).
"""
import json
from typing import Dict, List, Sequence, Tuple

import numpy as np

from tusk import _tusk


def _keras_models():
    try:
        from tusk.keras import models
    except ImportError:
        return None
    return models if hasattr(models, "as_model") else None


def as_core(model, custom_objects=None) -> "_tusk.Model":
    """The `_tusk.Model` that trains for `model`."""
    if isinstance(model, _tusk.Model):
        return model
    core = getattr(model, "_core", None)
    if isinstance(core, _tusk.Model):
        return core
    km = _keras_models()
    if km is None:
        raise TypeError(f"expected a tusk.keras model or a tusk._tusk.Model, got {type(model).__name__} (tusk.keras is not available to convert it)")
    return _as_model(km, model, custom_objects)._core


def _as_model(km, model, custom_objects):
    return km.as_model(model, custom_objects=custom_objects) if custom_objects else km.as_model(model)


def as_keras(model, custom_objects=None):
    """The tusk.keras model for `model` (`model` itself when it already is one, or when
    tusk.keras is not available). `custom_objects` map a Keras model's custom names onto
    tusk's built-in layers and activations (`tusk.keras.models.as_model`)."""
    if not isinstance(model, _tusk.Model) and isinstance(getattr(model, "_core", None), _tusk.Model):
        return model
    km = _keras_models()
    return _as_model(km, model, custom_objects) if km is not None else as_core(model)


def features_shape(core: "_tusk.Model") -> tuple:
    """The per-sample shape of the one feature table tusk reads for `core`: its input's shape,
    or for several inputs their values side by side (`conform_inputs` splits them)."""
    shapes = core.input_shapes
    if len(shapes) == 1:
        return tuple(shapes[0])
    return (sum(int(np.prod(s)) for s in shapes),)


def require_compiled(core: "_tusk.Model", what: str) -> dict:
    """The model's training config; a clear error when it was never compiled."""
    config = core.training_config()
    if config is None:
        raise _tusk.StateError(f"{what}: compile the model (loss, optimizer) before handing it to Spark")
    return json.loads(config)


def optimizer_json(optimizer):
    """A driver optimizer as `job_spec` takes it (a name or a Keras config as JSON text), or None."""
    if optimizer is None or isinstance(optimizer, str):
        return optimizer
    if isinstance(optimizer, dict):
        return json.dumps(optimizer)
    try:
        from tusk.keras.optimizers import serialize
    except ImportError:
        serialize = None
    if serialize is not None:
        return json.dumps(serialize(optimizer))
    if hasattr(optimizer, "get_config"):
        config = optimizer.get_config()
        if "class_name" not in config:
            config = {"class_name": type(optimizer).__name__, "config": config}
        return json.dumps(config)
    raise TypeError(f"driver_optimizer: expected a name, a Keras config dict or an optimizer object, got {type(optimizer).__name__}")


def conform_labels(core: "_tusk.Model", y: np.ndarray) -> np.ndarray:
    """Targets in the layout the model's loss takes (class indices one-hot encoded for
    categorical_crossentropy), decided by the Rust core."""
    return core.conform_targets([np.ascontiguousarray(y, dtype=np.float32)])[0]


def histories(report: dict) -> List[Dict[str, List[float]]]:
    """Per worker (in worker order), its epochs' logs as `{"loss": [...], "accuracy": [...]}`."""
    out = []
    for worker in sorted(report.get("per_worker", []), key=lambda w: w["worker"]):
        history: Dict[str, List[float]] = {}
        for record in worker.get("history", []):
            for name, value in record.get("logs", {}).items():
                history.setdefault(name, []).append(value)
        out.append(history)
    return out


def keras_result(pairs: Sequence[Tuple[str, float]]):
    """Keras' evaluate convention: the loss alone without metrics, else `[loss, *metrics]`."""
    values = [float(v) for _, v in pairs]
    return values[0] if len(values) == 1 else values
