"""Convolution and pooling layers (channels-last): ``Conv1D``, ``Conv2D``, ``MaxPooling1D/2D``,
``AveragePooling1D/2D`` and the global poolings. Sizes given as an int are expanded to one
per spatial axis, as Keras' ``get_config`` shows them."""
import numpy as np

from ..._tusk import UnsupportedError
from .. import legacy
from ..legacy import keras1_arguments
from ..serialization import initializer, regularizer
from .base import Layer, activation_name, as_tuple, data_format, padding_name


class _Conv(Layer):
    rank = None
    keras1_renames = legacy.COMMON

    @keras1_arguments
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        n = self.rank
        self._set(filters=int(filters), kernel_size=as_tuple(kernel_size, n, "kernel_size"),
                  strides=as_tuple(strides, n, "strides"), padding=padding_name(padding),
                  data_format=_fmt(data_format), dilation_rate=as_tuple(dilation_rate, n, "dilation_rate"),
                  groups=int(groups), activation=activation_name(activation), use_bias=bool(use_bias),
                  kernel_initializer=initializer(kernel_initializer), bias_initializer=initializer(bias_initializer),
                  kernel_regularizer=regularizer(kernel_regularizer), bias_regularizer=regularizer(bias_regularizer),
                  activity_regularizer=regularizer(activity_regularizer),
                  kernel_constraint=regularizer(kernel_constraint), bias_constraint=regularizer(bias_constraint))


class Conv1D(_Conv):
    class_name = "Conv1D"
    rank = 1
    keras1_renames = legacy.CONV_1D


class Conv2D(_Conv):
    class_name = "Conv2D"
    rank = 2


class _Pool(Layer):
    rank = None
    keras1_renames = legacy.POOL_2D

    @keras1_arguments
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        n = self.rank
        pool = as_tuple(pool_size, n, "pool_size")
        self._set(pool_size=pool, padding=padding_name(padding),
                  strides=pool if strides is None else as_tuple(strides, n, "strides"), data_format=_fmt(data_format))


class MaxPooling1D(_Pool):
    class_name = "MaxPooling1D"
    rank = 1
    keras1_renames = legacy.POOL_1D


class MaxPooling2D(_Pool):
    class_name = "MaxPooling2D"
    rank = 2


class AveragePooling1D(_Pool):
    class_name = "AveragePooling1D"
    rank = 1
    keras1_renames = legacy.POOL_1D


class AveragePooling2D(_Pool):
    class_name = "AveragePooling2D"
    rank = 2


class _GlobalPool(Layer):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self._set(data_format=_fmt(data_format), keepdims=bool(keepdims))


class GlobalAveragePooling1D(_GlobalPool):
    class_name = "GlobalAveragePooling1D"


class GlobalAveragePooling2D(_GlobalPool):
    class_name = "GlobalAveragePooling2D"


class GlobalMaxPooling1D(_GlobalPool):
    class_name = "GlobalMaxPooling1D"


class GlobalMaxPooling2D(_GlobalPool):
    class_name = "GlobalMaxPooling2D"


def _fmt(value):
    return data_format(value)


class Convolution2D(Conv2D):
    """Keras 1's ``Convolution2D(nb_filter, nb_row, nb_col, border_mode=, subsample=, ...)``,
    also read in Keras 2's ``Convolution2D(filters, kernel_size, ...)`` form. Three leading
    positional ints are Keras 1's filters, rows and columns (Keras 2 read them so too); a
    model config records ``Conv2D``. ``Conv2D(32, 3, 3)`` keeps Keras 3's meaning (strides 3)."""

    def __init__(self, *args, **kwargs):
        nb_row, nb_col = kwargs.pop("nb_row", None), kwargs.pop("nb_col", None)
        ints = [a for a in args[:3] if isinstance(a, (int, np.integer)) and not isinstance(a, bool)]
        if len(args) >= 3 and len(ints) == 3:
            if len(args) > 3:
                raise UnsupportedError(f"Convolution2D{tuple(args)}: pass Keras 1's options after nb_col by keyword "
                                       "(init=, activation=, border_mode=, subsample=, ...)")
            nb_row, nb_col, args = args[1], args[2], args[:1]
        if nb_row is not None or nb_col is not None:
            if nb_row is None or nb_col is None or "kernel_size" in kwargs or len(args) > 1:
                raise TypeError("Convolution2D: give the kernel as nb_row and nb_col (Keras 1) or kernel_size, once")
            legacy.warn(f"Update your `Conv2D` call to the Keras 3 API: `Conv2D({args[0] if args else '...'}, "
                        f"({nb_row}, {nb_col}))`")
            kwargs["kernel_size"] = (int(nb_row), int(nb_col))
        super().__init__(*args, **kwargs)


# Keras' aliases
Convolution1D = Conv1D
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
