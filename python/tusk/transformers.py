"""dist-keras' `distkeras.transformers` on tusk: DataFrame column transformers, each a
`withColumn` of Spark SQL expressions (`tusk.spark.columns`) computed in the JVM; no Python
runs per row.

- `OneHotTransformer(output_dim, input_col, output_col)`: a class index → a one-hot vector;
- `LabelIndexTransformer(output_dim, input_col="prediction", output_col="prediction_index",
  default_index=0, activation_threshold=0.55)`: a prediction vector (or array) → the index of
  its first value `>= activation_threshold`, else of its largest positive value, else
  `default_index` (dist-keras' rule), as a double;
- `MinMaxTransformer(o_min, o_max, n_min, n_max, input_col, output_col, is_vector=True)`: values
  mapped linearly from `[o_min, o_max]` to `[n_min, n_max]`;
- `StandardTransformer(columns, suffix="_normalized")`: numeric columns centred and scaled by
  their mean and population standard deviation (one Spark aggregation);
- `BinaryLabelTransformer(input_column, output_column, label)`: `[1, 0]` where the column equals
  `label`, else `[0, 1]`;
- `DenseTransformer(input_col, output_col)`: sparse (or any) vectors → dense vectors;
- `ReshapeTransformer(input_col, output_col, shape)`: a flat vector → nested arrays of `shape`
  (tusk reshapes flat features to the model's input itself; this is for other consumers).
Vectors come out as Spark ML `DenseVector`s (dist-keras made MLlib ones).
"""
from math import prod

from pyspark.sql import functions as F

from tusk.spark import columns as cols


class Transformer:
    """dist-keras' transformer interface."""

    def transform(self, dataframe):
        raise NotImplementedError


class OneHotTransformer(Transformer):
    def __init__(self, output_dim, input_col, output_col):
        self.output_dimensionality, self.input_column, self.output_column = int(output_dim), input_col, output_col

    def transform(self, dataframe):
        encoded = cols.one_hot(F.col(self.input_column), self.output_dimensionality)
        return dataframe.withColumn(self.output_column, cols.to_vector(encoded))


class LabelIndexTransformer(Transformer):
    def __init__(self, output_dim, input_col="prediction", output_col="prediction_index", default_index=0,
                 activation_threshold=0.55):
        self.output_dimensionality, self.input_column, self.output_column = int(output_dim), input_col, output_col
        self.default_index, self.activation_threshold = default_index, activation_threshold

    def transform(self, dataframe):
        values = F.slice(cols.as_array(dataframe, self.input_column), 1, self.output_dimensionality)
        largest = F.when(F.array_max(values) > 0, cols.argmax(values))
        index = F.coalesce(cols.first_at_least(values, self.activation_threshold), largest, F.lit(float(self.default_index)))
        return dataframe.withColumn(self.output_column, index)


class MinMaxTransformer(Transformer):
    def __init__(self, o_min, o_max, n_min, n_max, input_col, output_col, is_vector=True):
        self.o_min, self.o_max, self.n_min, self.n_max = float(o_min), float(o_max), float(n_min), float(n_max)
        if self.o_max == self.o_min:
            raise ValueError("MinMaxTransformer: o_min and o_max must differ")
        self.scale = (self.n_max - self.n_min) / (self.o_max - self.o_min)
        self.input_column, self.output_column, self.is_vector = input_col, output_col, is_vector

    def _scaled(self, value):
        return (value - self.o_max) * self.scale + self.n_max

    def transform(self, dataframe):
        if not self.is_vector:
            return dataframe.withColumn(self.output_column, self._scaled(F.col(self.input_column).cast("double")))
        scaled = F.transform(cols.as_array(dataframe, self.input_column), self._scaled)
        return dataframe.withColumn(self.output_column, cols.to_vector(scaled))


class StandardTransformer(Transformer):
    def __init__(self, columns, suffix="_normalized"):
        self.columns, self.column_suffix = list(columns), suffix
        self.means, self.stddevs = {}, {}

    def transform(self, dataframe):
        aggregates = [F.mean(c).alias(f"m{i}") for i, c in enumerate(self.columns)]
        aggregates += [F.stddev_pop(c).alias(f"s{i}") for i, c in enumerate(self.columns)]
        row = dataframe.agg(*aggregates).first()
        for i, c in enumerate(self.columns):
            self.means[c], self.stddevs[c] = row[f"m{i}"], row[f"s{i}"]
            dataframe = dataframe.withColumn(c + self.column_suffix, (F.col(c) - F.lit(self.means[c])) / F.lit(self.stddevs[c]))
        return dataframe


class BinaryLabelTransformer(Transformer):
    def __init__(self, input_column, output_column, label):
        self.input_column, self.output_column, self.label = input_column, output_column, label

    def transform(self, dataframe):
        hit = F.when(F.col(self.input_column) == F.lit(self.label), 1.0).otherwise(0.0)
        return dataframe.withColumn(self.output_column, cols.to_vector(F.array(hit, 1.0 - hit)))


class DenseTransformer(Transformer):
    def __init__(self, input_col, output_col):
        self.input_column, self.output_column = input_col, output_col

    def transform(self, dataframe):
        return dataframe.withColumn(self.output_column, cols.to_vector(cols.as_array(dataframe, self.input_column)))


def _nest(values, shape):
    """A flat array column as nested arrays of `shape` (row-major)."""
    if len(shape) <= 1:
        return values
    inner = prod(shape[1:])
    rows = F.sequence(F.lit(0), F.lit(int(shape[0]) - 1))
    return F.transform(rows, lambda i: _nest(F.slice(values, i * inner + 1, F.lit(inner)), shape[1:]))


class ReshapeTransformer(Transformer):
    def __init__(self, input_col, output_col, shape):
        self.input_column, self.output_column, self.shape = input_col, output_col, tuple(int(d) for d in shape)

    def transform(self, dataframe):
        return dataframe.withColumn(self.output_column, _nest(cols.as_array(dataframe, self.input_column), self.shape))
