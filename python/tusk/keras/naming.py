"""Keras' automatic layer and model names: ``dense``, ``dense_1``, ... per snake-cased class
name, counted for the whole session (``tusk.keras.backend.clear_session()`` resets them)."""
import re
import threading

_lock = threading.Lock()
_counts = {}


def to_snake_case(name):
    """Keras' snake case: ``MaxPooling2D`` -> ``max_pooling2d``, ``LeakyReLU`` -> ``leaky_re_lu``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base):
    """``base`` the first time, then ``base_1``, ``base_2``, ..."""
    with _lock:
        n = _counts.get(base)
        _counts[base] = 0 if n is None else n + 1
        return base if n is None else f"{base}_{n + 1}"


def reset():
    with _lock:
        _counts.clear()
