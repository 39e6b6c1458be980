"""``tusk.keras.utils``: ``to_categorical`` (done by the Rust core) and random seeds.

Every model tusk.keras builds draws its weight seed (and ``fit`` its shuffling seed) from one
session-wide generator; ``set_random_seed(n)`` makes runs repeatable, as in Keras.
"""
import random
import types

import numpy as np

from .. import _tusk

_rng = random.Random()


def next_seed():
    """A fresh 63-bit seed for a model's weights or a fit's shuffling."""
    return _rng.getrandbits(63)


def set_random_seed(seed):
    """Seeds tusk.keras' weight and shuffle seeds, Python's ``random`` and numpy's global generator."""
    _rng.seed(int(seed))
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)


def to_categorical(x, num_classes=None, dtype="float32"):
    """One-hot encoding of class indices (``[n]`` or ``[n, 1]``) as ``[n, num_classes]`` float32."""
    labels = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    out = _tusk.to_categorical(labels, num_classes)
    return out if dtype in ("float32", np.float32, None) else out.astype(dtype)


np_utils = types.SimpleNamespace(to_categorical=to_categorical)  # Keras 2: keras.utils.np_utils
