"""Elephas' `elephas.utils.model_utils`: what kind of model a loss trains.

- `ModelType`: `CLASSIFICATION` or `REGRESSION`;
- `LossModelTypeMapper()`: one mapping for the whole process (every call returns the same
  object, as Elephas' singleton does) from a loss name to its `ModelType`; `get_model_type(loss)`
  is None for a loss nobody registered; `register_loss(loss, model_type)` takes a name or a
  function (registered by its `__name__`);
- `ModelTypeEncoder` / `as_enum`: JSON encoding of a `ModelType` (`{"__enum__": "ModelType.X"}`);
- `argmax(col)`: a Spark SQL column, the 0-based index of an array column's largest value;
- `is_multiple_input_model(model)` / `is_multiple_output_model(model)`.
"""
import json
from enum import Enum


class ModelType(Enum):
    CLASSIFICATION = 1
    REGRESSION = 2


_REGRESSION = ("mean_squared_error", "mean_absolute_error", "mse", "mae", "cosine_proximity",
               "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "logcosh")
_CLASSIFICATION = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy")


class LossModelTypeMapper:
    """Loss name -> `ModelType`, shared by the whole process."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
            cls._instance._mapping = {**dict.fromkeys(_REGRESSION, ModelType.REGRESSION),
                                      **dict.fromkeys(_CLASSIFICATION, ModelType.CLASSIFICATION)}
        return cls._instance

    def get_model_type(self, loss):
        return self._mapping.get(_key(loss))

    def register_loss(self, loss, model_type):
        if not isinstance(model_type, ModelType):
            raise ValueError(f"register_loss: model_type must be a ModelType, got {model_type!r}")
        self._mapping[_key(loss)] = model_type


def _key(loss):
    return loss.__name__ if callable(loss) and hasattr(loss, "__name__") else loss


class ModelTypeEncoder(json.JSONEncoder):
    def default(self, obj):
        if isinstance(obj, ModelType):
            return {"__enum__": str(obj)}
        return super().default(obj)


def as_enum(d):
    """`json.loads(..., object_hook=as_enum)`: `{"__enum__": "ModelType.X"}` -> `ModelType.X`."""
    if "__enum__" in d:
        _, member = d["__enum__"].split(".")
        return getattr(ModelType, member)
    return d


def argmax(col):
    """The 0-based index of the largest value of array column `col` (a name or a Column)."""
    from pyspark.sql import functions as F

    c = F.col(col) if isinstance(col, str) else col
    return F.array_position(c, F.array_max(c)) - 1


def is_multiple_input_model(model) -> bool:
    return isinstance(model.input_shape, list)


def is_multiple_output_model(model) -> bool:
    return isinstance(model.output_shape, list)
