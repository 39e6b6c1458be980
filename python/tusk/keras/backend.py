"""``tusk.keras.backend``: the session-level Keras calls that make sense for tusk, and Keras'
backend functions (``sigmoid``, ``relu``, ``exp``, ``maximum``, ...) for custom activations:
called on the symbolic input of a traced activation (see ``tracing``) they record the
expression the Rust engine runs. ``mean``/``sum`` over the last axis may end a traced loss;
other reductions are refused by name.
"""
from . import naming
from .ops import (abs, clip, cos, exp, log, maximum, minimum, pow, relu, sigmoid, sin, softplus,  # noqa: F401,A004
                  softsign, sqrt, square, tanh)
from .ops import mean, sum  # noqa: F401,A004
from .tracing import refused

max, min, prod, std, var, argmax, argmin = (  # noqa: A001
    refused(n) for n in ("max", "min", "prod", "std", "var", "argmax", "argmin"))


def clear_session(free_memory=True):
    """Resets automatic layer names (``dense``, ``dense_1``, ...), as Keras does."""
    naming.reset()


def image_data_format():
    return "channels_last"


def image_dim_ordering():
    """Keras 1's name: ``tf`` (channels last)."""
    return "tf"


def floatx():
    return "float32"


def epsilon():
    return 1e-7


def backend():
    return "tusk"
