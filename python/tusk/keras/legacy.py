"""Keras 1 and Keras 2 spellings, read as what they meant.

Users' Elephas and dist-keras code was written for Keras 1 (``Convolution2D(32, 3, 3,
border_mode='valid')``, ``Dense(output_dim=10, init='uniform')``, ``nb_epoch=``) and tf.keras 2
(``compile(opt, loss, ['acc'])``, ``SGD(lr=0.1, decay=1e-6)``). Keras 2 itself accepted the
Keras 1 keywords and warned ("Update your `Dense` call to the Keras 2 API"); tusk does the
same, with a :class:`KerasLegacyWarning`. A Keras 1 option whose meaning tusk cannot keep is
refused with an error naming the layer and option, never dropped.

Contract: :func:`keras1_arguments` decorates a layer ``__init__``; the class attribute
``keras1_renames`` maps its Keras 1 keywords to Keras 3 ones (``None``: refused); values are translated by :data:`VALUES` (``border_mode`` ->
``padding``, ``dim_ordering`` -> ``data_format``, ...).
"""
import functools
import sys
import warnings

from .._tusk import UnsupportedError


class KerasLegacyWarning(DeprecationWarning):
    """A Keras 1 or tf.keras 2 spelling was read as its Keras 3 equivalent."""


def warn(message):
    """Warns, pointing at the user's line: the first caller outside ``tusk``."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "tusk":
        frame, level = frame.f_back, level + 1
    warnings.warn(message, KerasLegacyWarning, stacklevel=level)


# Keras 1 keywords shared by most layers -> Keras 3 keywords.
COMMON = {
    "init": "kernel_initializer", "W_regularizer": "kernel_regularizer", "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint", "bias": "use_bias",
    "border_mode": "padding", "subsample": "strides", "dim_ordering": "data_format",
    "output_dim": "units", "nb_filter": "filters",
}
EMBEDDING = {"init": "embeddings_initializer", "W_regularizer": "embeddings_regularizer",
             "W_constraint": "embeddings_constraint", "dropout": None}
BATCH_NORM = {"beta_init": "beta_initializer", "gamma_init": "gamma_initializer",
              "beta_regularizer": "beta_regularizer", "gamma_regularizer": "gamma_regularizer"}
RECURRENT = {
    "output_dim": "units", "init": "kernel_initializer", "inner_init": "recurrent_initializer",
    "inner_activation": "recurrent_activation", "W_regularizer": "kernel_regularizer",
    "U_regularizer": "recurrent_regularizer", "b_regularizer": "bias_regularizer",
    "dropout_W": "dropout", "dropout_U": "recurrent_dropout", "forget_bias_init": "unit_forget_bias",
}
POOL_1D = {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding"}
POOL_2D = {"border_mode": "padding", "dim_ordering": "data_format"}
CONV_1D = {**COMMON, "filter_length": "kernel_size", "subsample_length": "strides"}
DROPOUT = {"p": "rate"}


def _data_format(value):
    table = {"tf": "channels_last", "th": "channels_first", "default": None}
    if value in table:
        return table[value]
    return value


def _padding(value):
    if value == "full":
        raise UnsupportedError("border_mode='full' (Keras 1) has no Keras 3 equivalent; use padding='valid' or 'same'")
    return value


def _forget_bias(value):
    if value != "one":
        raise UnsupportedError(f"LSTM: forget_bias_init={value!r} (Keras 1); Keras 3 offers only unit_forget_bias=True, "
                               "Keras 1's forget_bias_init='one'")
    return True


# Keras 3 keyword -> translation of a Keras 1 value given for it.
VALUES = {"data_format": _data_format, "padding": _padding, "unit_forget_bias": _forget_bias}


def translate(layer_name, renames, kwargs):
    """Renames Keras 1 keywords in ``kwargs`` (in place), warning once per call."""
    old = [k for k in kwargs if k in renames]
    if not old:
        return kwargs
    for key in old:
        new = renames[key]
        value = kwargs.pop(key)
        if new is None:
            raise UnsupportedError(f"{layer_name}: the Keras 1 option {key}={value!r} has no Keras 3 equivalent "
                                   "that tusk runs")
        if new in kwargs:
            raise TypeError(f"{layer_name}: both {key} (Keras 1) and {new} were given")
        kwargs[new] = VALUES[new](value) if new in VALUES else value
    pairs = ", ".join(f"{renames[k]}=..." for k in old)
    warn(f"Update your `{layer_name}` call to the Keras 3 API: {', '.join(old)} -> {pairs}")
    return kwargs


def keras1_arguments(init):
    """Decorates a layer ``__init__`` so that the Keras 1 keywords of its class'
    ``keras1_renames`` are read as their Keras 3 names (see ``translate``)."""

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        renames = getattr(type(self), "keras1_renames", None) or {}
        init(self, *args, **translate(type(self).__name__, renames, kwargs))

    return __init__
