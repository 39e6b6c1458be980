"""Convolution and pooling layers (channels-last): ``Conv1D``, ``Conv2D``, ``MaxPooling1D/2D``,
``AveragePooling1D/2D`` and the global poolings. Sizes given as an int are expanded to one
per spatial axis, as Keras' ``get_config`` shows them."""
from ..serialization import initializer, regularizer
from .base import Layer, activation_name, as_tuple, data_format, padding_name


class _Conv(Layer):
    rank = None

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


class Conv2D(_Conv):
    class_name = "Conv2D"
    rank = 2


class _Pool(Layer):
    rank = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        n = self.rank
        pool = as_tuple(pool_size, n, "pool_size")
        self._set(pool_size=pool, padding=padding_name(padding),
                  strides=pool if strides is None else as_tuple(strides, n, "strides"), data_format=_fmt(data_format))


class MaxPooling1D(_Pool):
    class_name = "MaxPooling1D"
    rank = 1


class MaxPooling2D(_Pool):
    class_name = "MaxPooling2D"
    rank = 2


class AveragePooling1D(_Pool):
    class_name = "AveragePooling1D"
    rank = 1


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


# Keras' aliases
Convolution1D, Convolution2D = Conv1D, Conv2D
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
