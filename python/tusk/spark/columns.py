"""Spark SQL column expressions shared by tusk's Spark ML glue (`ml_model`, `predictors`,
`evaluators`, `transformers`). Python only builds expressions; every value is computed in the
JVM, row by row in Spark's own code, never in a Python loop.

- `is_vector(df, name)`: whether a column holds Spark ML/MLlib vectors;
- `as_array(df, name)`: the column as `array<double>` (vectors through `vector_to_array`);
- `argmax(array_col)`: the 0-based index of an array's largest value, as a double (ties: the
  first), null for an empty or null array;
- `first_at_least(array_col, threshold)`: the 0-based index of the first value `>= threshold`,
  or null;
- `one_hot(index_col, k)`: `array<double>` of length `k` with 1.0 at the (integer) index;
- `to_vector(array_col)`: an array column as a Spark ML dense vector column;
- `loss_kind(loss)`: "classification" or "regression" for a Keras loss (name, config dict,
  function), as Elephas' `LossModelTypeMapper` says.
"""
from typing import Union

Kind = str

#: Losses of regression models, normalised (`loss_name`); any other loss is a classifier's.
REGRESSION_LOSSES = frozenset((
    "meansquarederror", "mse", "meanabsoluteerror", "mae", "cosineproximity", "cosinesimilarity",
    "meanabsolutepercentageerror", "mape", "meansquaredlogarithmicerror", "msle", "logcosh", "huber", "huberloss",
))


def _functions():
    from pyspark.sql import functions as F

    return F


def is_vector(df, name: str) -> bool:
    """Whether column `name` of `df` holds Spark ML or MLlib vectors."""
    return type(df.schema[name].dataType).__name__ == "VectorUDT"


def is_array(df, name: str) -> bool:
    return type(df.schema[name].dataType).__name__ == "ArrayType"


def as_array(df, name: str):
    """Column `name` as `array<double>`: vectors converted in the JVM, arrays cast, a number
    wrapped in a one-element array."""
    F = _functions()
    if is_vector(df, name):
        from pyspark.ml.functions import vector_to_array

        return vector_to_array(F.col(name), "float64")
    if is_array(df, name):
        return F.col(name).cast("array<double>")
    return F.array(F.col(name).cast("double"))


def argmax(array_col):
    """0-based index of the largest value of an array column, as a double."""
    F = _functions()
    return (F.array_position(array_col, F.array_max(array_col)) - 1).cast("double")


def first_at_least(array_col, threshold: float):
    """0-based index of the first value `>= threshold`, as a double; null when none is."""
    F = _functions()
    hits = F.transform(array_col, lambda v: v >= F.lit(float(threshold)))
    position = F.array_position(hits, True)
    return F.when(position > 0, (position - 1).cast("double"))


def one_hot(index_col, k: int):
    """A `k`-long `array<double>`: 1.0 at the column's (integer-valued) index, 0.0 elsewhere.
    An index outside `[0, k)` gives all zeros."""
    F = _functions()
    index = index_col.cast("int")
    return F.transform(F.sequence(F.lit(0), F.lit(int(k) - 1)), lambda i: F.when(i == index, 1.0).otherwise(0.0))


def to_vector(array_col):
    """An array column as a Spark ML `DenseVector` column."""
    from pyspark.ml.functions import array_to_vector

    return array_to_vector(array_col)


def _loss_label(loss) -> str:
    """The name a loss argument goes by (a name, `{"class_name", "config"}`, a traced Python
    loss by its function's name, a loss object or function; of a list, the first)."""
    if isinstance(loss, (list, tuple)):
        loss = loss[0] if loss else None
    if isinstance(loss, dict):
        config = loss.get("config") or {}
        named = loss.get("class_name") == "TracedLoss" or not loss.get("class_name")
        loss = config.get("name") if named else loss.get("class_name")
    if loss is not None and not isinstance(loss, str):
        loss = getattr(loss, "class_name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return str(loss or "")


def loss_name(loss: Union[str, dict, None]) -> str:
    """A Keras loss' name (see `_loss_label`) normalised: lower case, no underscores."""
    return _loss_label(loss).lower().replace("_", "")


def loss_kind(loss) -> Kind:
    """ "regression" for a loss registered so in `LossModelTypeMapper` (Elephas' table, plus
    the user's `register_loss`), else "classification" (as Elephas treats an unknown loss)."""
    from tusk.utils.model_utils import LossModelTypeMapper, ModelType

    label = _loss_label(loss)
    if LossModelTypeMapper().get_model_type(label) is ModelType.REGRESSION or loss_name(label) in REGRESSION_LOSSES:
        return "regression"
    return "classification"
