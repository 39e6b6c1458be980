"""Merge layers, called on a list of tensors: ``Add``, ``Subtract``, ``Multiply``, ``Average``,
``Maximum``, ``Minimum`` and ``Concatenate(axis=-1)``, plus Keras' functional shortcuts
(``add([a, b])``, ``concatenate([a, b], axis=1)``, ...)."""
from .base import Layer


class _Merge(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._set()


class Add(_Merge):
    class_name = "Add"


class Subtract(_Merge):
    class_name = "Subtract"


class Multiply(_Merge):
    class_name = "Multiply"


class Average(_Merge):
    class_name = "Average"


class Maximum(_Merge):
    class_name = "Maximum"


class Minimum(_Merge):
    class_name = "Minimum"


class Concatenate(Layer):
    class_name = "Concatenate"

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self._set(axis=int(axis))


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)
