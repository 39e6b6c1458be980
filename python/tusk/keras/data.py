"""Putting Keras-style ``x``/``y`` arguments into the form the Rust core takes: one C-contiguous
float32 array per model input or output, each converted once.

``x`` may be an array-like (one input), a list/tuple with one array per input, or a dict by
input name; ``y`` likewise by output. Only layout changes happen here: a ``[n]`` target for a
``[n, 1]`` output gets its unit axis, and class-index labels for ``categorical_crossentropy``
are one-hot encoded by the Rust core (``_tusk.to_categorical``).
"""
import numpy as np

from .. import _tusk
from .losses import key as loss_key

_CATEGORICAL = "categoricalcrossentropy"


def f32(a):
    """One array as C-contiguous float32 (no copy when it already is)."""
    if hasattr(a, "to_numpy") and not isinstance(a, np.ndarray):  # pandas
        a = a.to_numpy()
    return np.ascontiguousarray(a, dtype=np.float32)


def _reject_datasets(value, what):
    if value is None:
        raise ValueError(f"{what} is required")
    if hasattr(value, "__next__") or type(value).__name__ in ("DatasetV2", "PyDataset", "Sequence", "DataLoader"):
        from .._tusk import UnsupportedError

        raise UnsupportedError(f"{what}: generators and datasets are not supported; pass numpy arrays")


def arrays(value, names, what):
    """One float32 array per name, from an array, a list/tuple of arrays or a dict by name."""
    _reject_datasets(value, what)
    if isinstance(value, dict):
        missing = [n for n in names if n not in value]
        if missing:
            raise ValueError(f"{what}: no data for {', '.join(map(repr, missing))} (keys: {', '.join(map(str, value))})")
        return [f32(value[n]) for n in names]
    one_per_input = isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value)
    if one_per_input and (len(names) > 1 or len(value) == 1):
        if len(value) != len(names):
            raise ValueError(f"{what}: the model has {len(names)} of them ({', '.join(names)}), got {len(value)} arrays")
        return [f32(v) for v in value]
    if len(names) > 1:
        raise ValueError(f"{what}: the model has {len(names)} of them ({', '.join(names)}); "
                         "pass a list or a dict with one array each")
    return [f32(value)]


def targets(model, y, what="y"):
    """Targets per output, with only layout fixes (see module docstring)."""
    names = model.output_names
    ys = arrays(y, names, what)
    losses = model._loss_entries or []
    shapes = model._core.output_shapes
    out = []
    for i, (t, shape) in enumerate(zip(ys, shapes)):
        loss = losses[i] if len(losses) == len(shapes) else (losses[0] if losses else None)
        k = shape[-1] if shape else 1
        labels = len(shape) == 1 and (t.ndim == 1 or (t.ndim == 2 and t.shape[1] == 1))
        if loss is not None and loss_key(loss) == _CATEGORICAL and labels and k > 1:
            t = _tusk.to_categorical(t.reshape(-1), k)
        elif t.ndim == 1 and list(shape) == [1] and loss is not None and "sparse" not in loss_key(loss):
            t = t.reshape(-1, 1)
        out.append(t)
    return out


def validation(model, validation_data):
    """``validation_data=(x, y)`` as ``(xs, ys)`` lists; ``(x, y, sample_weight)`` with weights is refused."""
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val)")
    if len(validation_data) == 3 and validation_data[2] is not None:
        from .._tusk import UnsupportedError

        raise UnsupportedError("validation_data: sample weights are not supported")
    vx, vy = validation_data[0], validation_data[1]
    return (arrays(vx, model.input_names, "validation x"), targets(model, vy, "validation y"))


def batch_size(value):
    if value is None:
        return 32
    if int(value) < 1:
        raise ValueError(f"batch_size must be at least 1, got {value}")
    return int(value)


def unsupported_args(where, **given):
    """Raises for Keras arguments tusk does not implement when they are set."""
    bad = [k for k, v in given.items() if v is not None]
    if bad:
        from .._tusk import UnsupportedError

        raise UnsupportedError(f"{where}: {', '.join(bad)} not supported")
