"""Merge layers, called on a list of tensors: ``Add``, ``Subtract``, ``Multiply``, ``Average``,
``Maximum``, ``Minimum``, ``Concatenate(axis=-1)`` and ``Dot(axes, normalize=False)``, plus
Keras' functional shortcuts (``add([a, b])``, ``concatenate([a, b], axis=1)``, ``dot``, ...)."""
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


class Dot(Layer):
    class_name = "Dot"

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self._set(axes=list(axes) if isinstance(axes, (list, tuple)) else int(axes), normalize=bool(normalize))


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


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
