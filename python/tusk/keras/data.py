"""Putting Keras-style ``x``/``y`` arguments into the form the Rust core takes: one C-contiguous
float32 array per model input or output, each converted once.

``x`` may be an array-like (one input), a list/tuple with one array per input, or a dict by
input name; ``y`` likewise by output. Only layout changes happen: a ``[n]`` target gets its
unit axis, and class-index labels for ``categorical_crossentropy`` are one-hot encoded, both
by the Rust core (``_tusk.Model.conform_targets``).
"""
import numpy as np



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
    """Targets per output, in the layout the outputs' losses take (the Rust core decides:
    ``_tusk.Model.conform_targets``)."""
    return model._core.conform_targets(arrays(y, model.output_names, what))


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
