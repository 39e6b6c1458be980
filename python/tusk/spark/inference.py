"""Distributed inference and evaluation: the model's Keras JSON and flat weights are broadcast,
each partition builds the model once and predicts or evaluates its rows in one Rust call.

- `predict_rdd(model, rdd)`: an RDD of features (one sample per element: numpy arrays, lists,
  Spark vectors; or numpy batches) → one numpy array per model output (a single array for a
  single-output model), rows in the RDD's order (partitions are neither shuffled nor reordered).
- `predict_data_frame(model, df, features_col, output_col)`: the DataFrame with a prediction
  column (an array of floats per row), through `mapInArrow`.
- `evaluate_rdd(model, rdd)`: an RDD of `(features, label)` pairs → `[(name, value)]`, each
  partition's values weighted by its rows (exact for means: loss, accuracy).
"""
from typing import List, Tuple

import numpy as np

from tusk import _tusk
from tusk.errors import tagged
from tusk.spark import extras, models, partition_data
from tusk.spark.jobs import check_executors, job_group


def _broadcast(sc, core: "_tusk.Model", compiled: bool):
    training = core.training_config() if compiled else None
    return sc.broadcast((core.to_json(), core.params(), training))


def _replica(shared) -> "_tusk.Model":
    model_json, params, training = shared.value
    core = _tusk.Model.from_json(model_json)
    core.set_params(params)
    if training is not None:
        core.compile(training)
    return core


def predict_rdd(model, rdd, batch_size: int = 32):
    """Predictions for every element of `rdd`, in order; see the module docstring."""
    core = models.as_core(model)
    input_shape, outputs = models.features_shape(core), core.output_shapes
    shared = _broadcast(rdd.context, core, compiled=False)

    @tagged
    def predict_partition(index, rows):
        x = partition_data.features_to_array(rows, input_shape)
        if len(x):
            replica = _replica(shared)
            yield index, replica.predict(replica.conform_inputs([x]), batch_size=batch_size)

    try:
        with job_group(rdd.context, "tusk predict"):
            parts = rdd.mapPartitionsWithIndex(predict_partition).collect()
    finally:
        shared.unpersist()
    parts.sort(key=lambda p: p[0])
    result = []
    for i, shape in enumerate(outputs):
        chunks = [p[1][i] for p in parts]
        result.append(np.concatenate(chunks) if chunks else np.zeros((0, *shape), dtype=np.float32))
    return result[0] if len(result) == 1 else result


def predict_data_frame(model, df, features_col: str = "features", output_col: str = "prediction", batch_size: int = 32):
    """`df` with `output_col` added: the model's (first) output per row as an array of floats."""
    pa = extras.require("pyarrow", "predict_data_frame (a DataFrame's predictions)")
    from pyspark.sql.types import ArrayType, FloatType, StructField, StructType

    core = models.as_core(model)
    sc = df.sparkSession.sparkContext
    check_executors(sc)  # the transform is lazy: say now, not at the user's collect, if tusk is missing there
    shared = _broadcast(sc, core, compiled=False)
    x_col, names = "__tusk_features", list(df.columns)
    source = df.withColumn(x_col, partition_data.array_column(df, features_col))
    schema = StructType(list(df.schema.fields) + [StructField(output_col, ArrayType(FloatType(), False), False)])

    def predict_batches(batches):
        replica = None
        for batch in batches:
            if batch.num_rows == 0:
                continue
            x = partition_data.arrow_column_to_numpy(batch.column(x_col), features_col)
            replica = replica or _replica(shared)
            y = replica.predict(replica.conform_inputs([x]), batch_size=batch_size)[0].reshape(len(x), -1)
            offsets = pa.array(np.arange(0, y.size + 1, max(y.shape[1], 1), dtype=np.int32)[: len(x) + 1])
            predictions = pa.ListArray.from_arrays(offsets, pa.array(y.reshape(-1), type=pa.float32()))
            yield pa.RecordBatch.from_arrays([batch.column(n) for n in names] + [predictions], names=names + [output_col])

    return source.mapInArrow(predict_batches, schema)


def evaluate_rdd(model, rdd, batch_size: int = 32) -> List[Tuple[str, float]]:
    """Loss and metrics over an RDD of `(features, label)` pairs; see the module docstring."""
    core = models.as_core(model)
    models.require_compiled(core, "evaluate")
    shapes = (models.features_shape(core), core.output_shapes[0])
    shared = _broadcast(rdd.context, core, compiled=True)

    @tagged
    def evaluate_partition(rows):
        x, y = partition_data.rows_to_arrays(rows, *shapes)
        if len(x):
            replica = _replica(shared)
            yield len(x), replica.evaluate(replica.conform_inputs([x]), [models.conform_labels(replica, y)], batch_size=batch_size)

    try:
        with job_group(rdd.context, "tusk evaluate"):
            parts = rdd.mapPartitions(evaluate_partition).collect()
    finally:
        shared.unpersist()
    if not parts:
        raise _tusk.DataError("evaluate: the RDD has no rows")
    names = [name for name, _ in parts[0][1]]
    values = np.array([[v for _, v in pairs] for _, pairs in parts], dtype=np.float64)
    means = np.average(values, axis=0, weights=[rows for rows, _ in parts])
    return list(zip(names, means.tolist()))
