"""Elephas' `elephas.ml.adapter`: numpy arrays to and from Spark DataFrames.

- `to_data_frame(sc, features, labels, categorical=False)`: a DataFrame with a `features`
  column (Spark ML dense vectors) and a `label` column (double; with `categorical`, one-hot
  labels become their class index), built through Arrow without a Python object per row;
- `from_data_frame(df, categorical=False, nb_classes=None)`: `(features, labels)` numpy arrays
  (through Arrow; one-hot labels with `categorical`);
- `df_to_simple_rdd(df, categorical=False, nb_classes=None, features_col='features',
  label_col='label')`: an RDD of `(features, label)` numpy pairs, as `SparkModel.fit` takes.
Vector columns may be Spark ML or MLlib vectors, or plain arrays of numbers. One-hot encoding is
`_tusk.to_categorical`.
"""
from typing import Optional

import numpy as np

from tusk import _tusk
from tusk.spark import extras, partition_data
from tusk.utils.rdd_utils import encode_partition


def _session(sc):
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession() or SparkSession(sc)


def to_data_frame(sc, features, labels, categorical: bool = False):
    """A `features` (ML vector) / `label` (double) DataFrame of the arrays."""
    pa = extras.require("pyarrow", "to_data_frame")
    from pyspark.ml.functions import array_to_vector

    features, labels = np.asarray(features), np.asarray(labels)
    if categorical and labels.ndim > 1:
        labels = np.argmax(labels, axis=-1)
    labels = labels.reshape(len(labels), -1)
    if labels.shape[1] != 1:
        raise ValueError(f"to_data_frame: the label column holds one number per row, got labels of shape {labels.shape} (one-hot labels need categorical=True)")
    n = len(features)
    x = np.ascontiguousarray(features, dtype=np.float64).reshape(n, -1)
    offsets = pa.array(np.arange(0, x.size + 1, max(x.shape[1], 1), dtype=np.int32)[: n + 1])
    table = pa.table({"features": pa.ListArray.from_arrays(offsets, pa.array(x.reshape(-1))),
                      "label": pa.array(labels[:, 0].astype(np.float64))})
    spark = _session(sc)
    try:
        df = spark.createDataFrame(table)
    except TypeError:  # PySpark before 4.0 takes no Arrow table: go through pandas
        df = spark.createDataFrame(table.to_pandas())
    return df.select(array_to_vector("features").alias("features"), "label")


def from_data_frame(df, categorical: bool = False, nb_classes: Optional[int] = None, features_col: str = "features", label_col: str = "label"):
    """`(features, labels)` numpy arrays of the DataFrame's features and label columns."""
    table = partition_data.to_arrow(partition_data.select_columns(df, features_col, label_col))
    features = partition_data.arrow_column_to_numpy(table.column(features_col), features_col)
    labels = partition_data.arrow_column_to_numpy(table.column(label_col), label_col)
    if categorical:
        k = int(nb_classes) if nb_classes else (int(labels.max()) + 1 if len(labels) else 0)
        labels = _tusk.to_categorical(np.ascontiguousarray(labels.reshape(-1)), k)
    return features, labels


def _to_numpy(value) -> np.ndarray:
    return value.toArray() if hasattr(value, "toArray") else np.asarray(value, dtype=np.float32)


def df_to_simple_rdd(df, categorical: bool = False, nb_classes: Optional[int] = None, features_col: str = "features", label_col: str = "label"):
    """An RDD of `(features, label)` numpy pairs from the DataFrame's columns."""
    pairs = df.select(features_col, label_col).rdd.map(lambda row: (_to_numpy(row[0]), row[1]))
    if not categorical:
        return pairs
    if nb_classes:
        k = int(nb_classes)
    else:
        from pyspark.sql import functions as F

        k = int(df.agg(F.max(label_col)).first()[0]) + 1
    return pairs.mapPartitions(lambda part: encode_partition(part, k))
