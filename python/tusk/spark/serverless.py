"""The trainers without a parameter server, on Spark data (dist-keras' SingleTrainer and
EnsembleTrainer), both through `_tusk.train_local`:

- `single`: the data is collected to the driver (as numpy arrays, through Arrow for
  DataFrames) and one model trains on all of it there;
- `ensemble`: one independent model per partition (`mapPartitions`, `train_local` with one
  worker on the partition's arrays, each member from its own initialisation: the job's seed
  plus the partition index). Empty partitions train no member.

`train` returns `tusk.spark.result.TrainResult` (for `ensemble`, `weights` is the list of members'
flat weights in partition order). `train_local` conforms the labels as the parameter-server
workers do.
"""
import json
from typing import Optional

import numpy as np

from tusk import _tusk
from tusk.errors import tagged
from tusk.spark import models, partition_data
from tusk.spark.jobs import job_group
from tusk.spark.partition_data import is_data_frame, spark_context
from tusk.spark.result import TrainResult


def _outcomes(report: dict, partition: Optional[int] = None) -> list:
    """Worker outcomes in `run_worker`'s shape, from a `train_local` report."""
    out = []
    for w in report.get("per_worker", []):
        index = w["worker"] if partition is None else partition
        samples = sum(int(h.get("samples", 0)) for h in w.get("history", []))
        out.append({"worker": index, "partition": index, "history": w.get("history", []), "commits": 0,
                    "samples_trained": samples, "rows": w.get("samples", 0), "bytes_sent": 0, "bytes_received": 0})
    return out


def _train_member(job, params, index, x, y):
    """Executor side: one ensemble member on one partition; (index, flat weights, report JSON)."""
    if len(x) == 0:
        return None
    weights, report = _tusk.train_local(job, params, [x], [y], 1, first_member=index)
    return index, np.asarray(weights[0], dtype=np.float32), report


def _ensemble(model, job, data, features_col, label_col):
    sc = spark_context(data)
    shapes = (models.features_shape(model), model.output_shapes[0])
    shared = sc.broadcast((job, model.params()))
    try:
        if is_data_frame(data):
            frame = partition_data.select_columns(data, features_col, label_col)

            @tagged
            def member_from_arrow(batches):
                import pyarrow as pa
                from pyspark import TaskContext

                x, y = partition_data.arrow_to_arrays(batches, features_col, label_col, *shapes)
                part = _train_member(*shared.value, TaskContext.get().partitionId(), x, y)
                if part is not None:
                    yield pa.RecordBatch.from_pydict({"partition": [part[0]], "weights": [part[1].tobytes()], "report": [part[2]]})

            schema = "partition long, weights binary, report string"
            with job_group(sc, "tusk ensemble"):
                rows = frame.mapInArrow(member_from_arrow, schema).collect()
            parts = [(r.partition, np.frombuffer(r.weights, dtype=np.float32).copy(), r.report) for r in rows]
            workers = frame.rdd.getNumPartitions()
        else:
            @tagged
            def member_from_rows(index, rows):
                x, y = partition_data.rows_to_arrays(rows, *shapes)
                part = _train_member(*shared.value, index, x, y)
                if part is not None:
                    yield part

            with job_group(sc, "tusk ensemble"):
                parts = data.mapPartitionsWithIndex(member_from_rows).collect()
            workers = data.getNumPartitions()
    finally:
        shared.unpersist()
    if not parts:
        raise _tusk.DataError("ensemble: every partition is empty; there is nothing to train on")
    parts.sort(key=lambda p: p[0])
    outcomes = [o for index, _, text in parts for o in _outcomes(json.loads(text), index)]
    report = json.loads(_tusk.merge_reports([text for _, _, text in parts]))
    report["workers"] = workers
    return TrainResult([w for _, w, _ in parts], report, outcomes)


def collect_arrays(model, data, features_col="features", label_col="label"):
    """All of `data` on the driver as `(x, y)` numpy arrays."""
    shapes = (models.features_shape(model), model.output_shapes[0])
    if is_data_frame(data):
        table = partition_data.to_arrow(partition_data.select_columns(data, features_col, label_col))
        return partition_data.arrow_to_arrays([table], features_col, label_col, *shapes)
    return partition_data.rows_to_arrays(data.collect(), *shapes)


def train(model, job, data, num_workers=None, *, features_col="features", label_col="label") -> TrainResult:
    """`single` or `ensemble` on Spark data; see the module docstring."""
    algorithm = json.loads(job)["algorithm"]
    if algorithm == "single":
        x, y = collect_arrays(model, data, features_col, label_col)
        weights, report = _tusk.train_local(job, model.params(), [x], [y], 1)
        report = json.loads(report)
        return TrainResult(np.asarray(weights[0], dtype=np.float32), report, _outcomes(report))
    if algorithm != "ensemble":
        raise ValueError(f"{algorithm} trains with a parameter server (tusk.spark.runner.train)")
    if num_workers and num_workers != (data.rdd if is_data_frame(data) else data).getNumPartitions():
        data = data.repartition(int(num_workers))
    return _ensemble(model, job, data, features_col, label_col)
