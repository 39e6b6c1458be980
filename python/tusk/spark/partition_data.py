"""One Spark partition as the numpy arrays `tusk._tusk` trains on.

Shape contract: every function returns C-contiguous float32 arrays whose first axis is the
sample axis, built once per partition — never per row inside a training loop.

- RDD partitions yield `(features, label)` pairs, one sample each (numpy arrays, lists or
  Spark ML/MLlib vectors; labels a class index, a number or a one-hot vector), or numpy
  batches `(X, Y)` whose first axis is samples, or MLlib `LabeledPoint`s. The rows are stacked
  as they stream in, `CHUNK` at a time, then the chunks are joined: a partition's row objects
  are never all alive at once, so a worker peaks at about twice its shard's f32 size (the
  chunks and the joined array), not three times (every row object kept by the allocator too).
- DataFrames reach Python as Arrow record batches (`DataFrame.mapInArrow`, `toArrow`): list
  columns become numpy through their flat value buffers; Spark vector columns are first turned
  into arrays in the JVM (`vector_to_array`), so no Python object per row is ever made.
- An empty partition gives `(0, *input_shape)` features and `(0, *output_shape)` labels.

The arrays are the data as it came (stacked, float32): moving them into the model's layout
(features reshaped or split into its inputs, labels encoded for its loss) is the Rust worker's
job (`tusk_dist::worker::conform`), as it is for the CLI, so it is written once.
"""
from itertools import chain, islice
from math import prod
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from tusk.spark import extras

Shape = Sequence[int]
#: Rows stacked at a time (a 4096-row chunk of 28x28 f32 images is 12.8 MB).
CHUNK = 4096


def empty_arrays(input_shape: Shape, output_shape: Shape) -> Tuple[np.ndarray, np.ndarray]:
    """Zero-row features and labels for a model's input and output shapes."""
    return (np.zeros((0, *input_shape), dtype=np.float32), np.zeros((0, *output_shape), dtype=np.float32))


def _is_vector(value) -> bool:
    """A Spark ML or MLlib vector (DenseVector, SparseVector)."""
    return hasattr(value, "toArray") and type(value).__module__.startswith(("pyspark.ml.", "pyspark.mllib."))


def _is_batch(features, input_shape: Shape) -> bool:
    """Whether one RDD element's features hold several samples (first axis) rather than one."""
    if _is_vector(features):
        return False
    a = np.asarray(features)
    width = prod(input_shape)
    if a.ndim == len(input_shape) + 1 and tuple(a.shape[1:]) == tuple(input_shape):
        return True
    return a.size != width and a.ndim >= 2 and width > 0 and a.size % width == 0


def _stack(values, what: str) -> np.ndarray:
    if _is_vector(values[0]):
        values = [v.toArray() for v in values]
    try:
        return np.ascontiguousarray(np.asarray(values, dtype=np.float32))
    except ValueError as e:
        raise ValueError(f"the partition's {what} do not all have the same shape: {e}") from None


def _chunks(first, rows: Iterator) -> Iterator[list]:
    """Lists of at most CHUNK elements: `first`, then the rest of `rows`."""
    rows = chain([first], rows)
    while True:
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            return
        yield chunk


def _join(parts: List[np.ndarray], what: str) -> np.ndarray:
    """One C-contiguous array of the parts, emptying `parts` (each part is freed once copied)."""
    if len(parts) == 1:
        return np.ascontiguousarray(parts.pop())
    try:
        return np.concatenate(parts)
    except ValueError as e:
        raise ValueError(f"the partition's {what} do not all have the same shape: {e}") from None
    finally:
        parts.clear()


def _pairs_converter(first, input_shape: Shape) -> Callable[[list], Tuple[np.ndarray, np.ndarray]]:
    """How to turn a chunk of elements like `first` into (features, labels) arrays."""
    if hasattr(first, "label") and hasattr(first, "features"):  # MLlib LabeledPoint
        return lambda items: (_stack([p.features for p in items], "features"),
                              np.asarray([p.label for p in items], dtype=np.float32))
    if not isinstance(first, (tuple, list)) or len(first) != 2:
        raise TypeError(f"tusk trains on RDDs of (features, label) pairs or LabeledPoints; got an element of type {type(first).__name__}")
    if _is_batch(first[0], input_shape):
        return lambda items: (np.concatenate([np.asarray(f, dtype=np.float32) for f, _ in items]),
                              np.concatenate([np.asarray(l, dtype=np.float32) for _, l in items]))
    return lambda items: (_stack([f for f, _ in items], "features"), _stack([l for _, l in items], "labels"))


def rows_to_arrays(rows: Iterable, input_shape: Shape, output_shape: Shape) -> Tuple[np.ndarray, np.ndarray]:
    """Features and labels of a whole partition of `(features, label)` pairs, numpy batches
    `(X, Y)` or `LabeledPoint`s."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return empty_arrays(input_shape, output_shape)
    convert = _pairs_converter(first, input_shape)
    xs, ys = [], []
    for chunk in _chunks(first, rows):
        x, y = convert(chunk)
        xs.append(x)
        ys.append(y)
    del first, chunk
    x, y = _join(xs, "features"), _join(ys, "labels")
    if len(x) != len(y):
        raise ValueError(f"the partition has {len(x)} feature rows but {len(y)} labels")
    return x, y


def features_to_array(rows: Iterable, input_shape: Shape) -> np.ndarray:
    """Features alone (for prediction): one sample per element, or numpy batches."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return np.zeros((0, *input_shape), dtype=np.float32)
    if _is_batch(first, input_shape):
        convert = lambda items: np.concatenate([np.asarray(b, dtype=np.float32) for b in items])  # noqa: E731
    else:
        convert = lambda items: _stack(items, "features")  # noqa: E731
    xs = [convert(chunk) for chunk in _chunks(first, rows)]
    del first
    return _join(xs, "features")


def arrow_column_to_numpy(column, name: str) -> np.ndarray:
    """A numeric or (nested) list Arrow column as a float32 array `[rows, *widths]`; every row
    must have the same number of values at each level."""
    pa = extras.require("pyarrow", "reading a DataFrame column")
    pc = extras.require("pyarrow.compute", "reading a DataFrame column")

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if column.null_count:
        raise ValueError(f"column '{name}' has {column.null_count} null values")
    rows, widths, values = len(column), [], column
    while pa.types.is_list(values.type) or pa.types.is_large_list(values.type) or pa.types.is_fixed_size_list(values.type):
        lengths = pc.list_value_length(values).to_numpy(zero_copy_only=False)
        if len(lengths) and (lengths != lengths[0]).any():
            raise ValueError(f"column '{name}': rows hold between {lengths.min()} and {lengths.max()} values; tusk needs the same number in every row")
        widths.append(int(lengths[0]) if len(lengths) else 0)
        values = values.flatten()
        if values.null_count:
            raise ValueError(f"column '{name}' has null values inside its arrays")
    flat = values.to_numpy(zero_copy_only=False)
    return np.ascontiguousarray(flat.astype(np.float32, copy=False).reshape((rows, *widths)))


def arrow_to_arrays(batches: Iterable, features_col: str, label_col: str, input_shape: Shape, output_shape: Shape) -> Tuple[np.ndarray, np.ndarray]:
    """Features and labels of a whole partition given as Arrow record batches (or tables)."""
    xs, ys = [], []
    for batch in batches:
        if batch.num_rows == 0:
            continue
        xs.append(arrow_column_to_numpy(batch.column(features_col), features_col))
        ys.append(arrow_column_to_numpy(batch.column(label_col), label_col))
    if not xs:
        return empty_arrays(input_shape, output_shape)
    x = xs[0] if len(xs) == 1 else np.ascontiguousarray(np.concatenate(xs))
    y = ys[0] if len(ys) == 1 else np.ascontiguousarray(np.concatenate(ys))
    return x, y


def array_column(df, name: str):
    """Column `name` of `df`, a Spark ML/MLlib vector column turned into a float array column in
    the JVM (so that Arrow carries it as a plain list)."""
    from pyspark.sql import functions as F

    if type(df.schema[name].dataType).__name__ == "VectorUDT":
        from pyspark.ml.functions import vector_to_array

        return vector_to_array(F.col(name), "float32").alias(name)
    return F.col(name)


def to_arrow(df):
    """The whole DataFrame on the driver as one Arrow table (PySpark 4's `toArrow`; the
    same collection through Arrow batches before it)."""
    pa = extras.require("pyarrow", "collecting a DataFrame")

    if hasattr(df, "toArrow"):
        return df.toArrow()
    return pa.Table.from_batches(df._collect_as_arrow())


def select_columns(df, features_col: str = "features", label_col: Optional[str] = None):
    """The DataFrame's features (and label) columns, vectors as arrays (`array_column`)."""
    return df.select(*[array_column(df, n) for n in [features_col] + ([label_col] if label_col else [])])


def is_data_frame(data) -> bool:
    """Whether `data` is a Spark DataFrame (else an RDD)."""
    from pyspark.sql import DataFrame

    return isinstance(data, DataFrame)


def spark_context(data):
    """The SparkContext of an RDD or a DataFrame."""
    return data.sparkSession.sparkContext if is_data_frame(data) else data.context
