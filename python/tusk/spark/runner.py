"""The one engine every Spark entry point trains through.

`train(model, job, data, ...)` takes a compiled `_tusk.Model`, a job (`_tusk.job_spec(...)`
JSON) and an RDD (partitions of `(features, label)` pairs, numpy batches or LabeledPoints) or
a DataFrame (features and label columns), and returns `TrainResult(weights, report, outcomes)`.

With a parameter server (every algorithm but `single` and `ensemble`, see `serverless.py`):
1. the driver starts `_tusk.ParameterServer` (a Rust background thread) on
   `spark.driver.host`, an ephemeral port unless one is given, with a fresh random token;
2. each Spark task turns its partition into numpy arrays once (`partition_data`) and calls
   `_tusk.run_worker(address, token, worker=partition, attempt=task attempt, ...)`; an empty
   partition calls it too (it weighs 0 in synchronous rounds). Synchronous and averaging
   jobs run as a barrier stage, so that every worker of a round is scheduled at once;
3. the driver `collect()`s the outcomes, then `server.wait()` gives the report.
On any error the job is failed on the server and the Spark job group cancelled; the server is
always shut down (nothing left listening) and no Spark job is left running.
"""
import json
import os
import threading
from typing import List, Optional

from tusk import _tusk
from tusk.errors import tagged
from tusk.spark import faults, models, partition_data, serverless
from tusk.spark.jobs import executor_error, job_group
from tusk.spark.partition_data import is_data_frame, spark_context
from tusk.spark.result import TrainResult

#: Algorithms whose rounds need every worker at once (run as barrier stages).
LOCKSTEP = ("synchronous", "averaging")
#: Algorithms that train without a parameter server.
SERVERLESS = ("single", "ensemble")


def driver_host(sc) -> str:
    return sc.getConf().get("spark.driver.host", None) or "127.0.0.1"


def _run_partition(address, token, index, attempt, x, y, timeout, fault) -> str:
    """Executor side: one worker on one partition's arrays; its outcome JSON, tagged."""
    with faults.inject(fault, index, attempt):
        text = _tusk.run_worker(address, token, worker=index, attempt=attempt, x=[x], y=[y], timeout=timeout)
    outcome = json.loads(text)
    outcome.update(partition=index, attempt=attempt, rows=int(x.shape[0]))
    return json.dumps(outcome)


def _task_identity(barrier: bool, index: Optional[int]):
    from pyspark import BarrierTaskContext, TaskContext

    ctx = BarrierTaskContext.get() if barrier else TaskContext.get()
    if index is None:
        index = ctx.partitionId()
    return index, (ctx.attemptNumber() if ctx is not None else 0)


def rdd_task(address, token, shapes, timeout, fault, barrier):
    """`train_partition(index, rows)` for `mapPartitionsWithIndex` (index None: from the context)."""

    @tagged
    def train_partition(index, rows):
        index, attempt = _task_identity(barrier, index)
        x, y = partition_data.rows_to_arrays(rows, *shapes)
        yield _run_partition(address, token, index, attempt, x, y, timeout, fault)

    return train_partition


def arrow_task(address, token, shapes, timeout, fault, barrier, features_col, label_col):
    """The same for `DataFrame.mapInArrow`: Arrow batches in, one outcome row out."""

    @tagged
    def train_partition(batches):
        import pyarrow as pa

        index, attempt = _task_identity(barrier, None)
        x, y = partition_data.arrow_to_arrays(batches, features_col, label_col, *shapes)
        outcome = _run_partition(address, token, index, attempt, x, y, timeout, fault)
        yield pa.RecordBatch.from_pydict({"outcome": [outcome]})

    return train_partition


def _arrow_barrier() -> bool:
    """Whether `DataFrame.mapInArrow` runs barrier stages (PySpark 3.5 and later)."""
    import inspect

    from pyspark.sql import DataFrame

    return "barrier" in inspect.signature(DataFrame.mapInArrow).parameters


def _launch(data, n, task_args, barrier, features_col, label_col) -> List[str]:
    """Runs one worker task per partition and collects their outcome JSON texts."""
    if is_data_frame(data):
        frame = partition_data.select_columns(data, features_col, label_col)
        frame = frame.repartition(n) if n != frame.rdd.getNumPartitions() else frame
        if barrier and not _arrow_barrier():  # older PySpark: (features, label) Rows of an RDD
            return _launch(frame.rdd, n, task_args, barrier, features_col, label_col)
        task = arrow_task(*task_args, barrier, features_col, label_col)
        return [row.outcome for row in frame.mapInArrow(task, "outcome string", barrier=barrier).collect()]
    rdd = data.repartition(n) if n != data.getNumPartitions() else data
    if barrier:
        task = rdd_task(*task_args, True)
        return rdd.barrier().mapPartitions(lambda rows: task(None, rows)).collect()
    return rdd.mapPartitionsWithIndex(rdd_task(*task_args, False)).collect()


class ServerWatchdog:
    """Cancels the job's Spark tasks when its parameter server times out (not every worker
    registered in time, or nothing heard for too long), so that the driver never waits on a job
    Spark cannot finish: e.g. when Spark's own scheduler died (a Java heap OutOfMemoryError
    while shipping large parallelized partitions) and no task ever starts."""

    def __init__(self, server, sc, group: str):
        self.failure: Optional[BaseException] = None
        self._server, self._sc, self._group = server, sc, group
        threading.Thread(target=self._watch, name="tusk-server-watchdog", daemon=True).start()

    def _watch(self):
        try:
            self._server.wait()
        except _tusk.TuskTimeoutError as e:  # no worker came, or none spoke for too long: stop the job
            self.failure = e
            self._sc.cancelJobGroup(self._group)
        except Exception:  # noqa: BLE001 (a worker failed: Spark reports that task's own error)
            pass

    def raise_failure(self, spark_error: BaseException):
        """Raises the server's failure (it says why) in place of Spark's "job cancelled"; a
        tusk error a worker raised (its own, more precise) is left to `job_group`."""
        if self.failure is not None and executor_error(spark_error) is None:
            raise type(self.failure)(f"{self.failure} (Spark's tasks never finished; if its driver log shows an "
                                     "OutOfMemoryError, raise spark.driver.memory or give the data more partitions)"
                                     ) from spark_error


def task_slots(sc) -> Optional[int]:
    """Tasks Spark can run at once now (None when it does not say)."""
    try:
        jsc = sc._jsc.sc()
        return int(jsc.maxNumConcurrentTasks(jsc.resourceProfileManager().defaultResourceProfile()))
    except Exception:  # an internal API: absent from some Spark versions
        return None


def check_lockstep_slots(sc, algorithm: str, n: int) -> None:
    """A barrier stage with more tasks than slots waits (minutes) before Spark fails it: say so
    at once on a local master, where the slots are fixed; warn on a cluster (executors may come)."""
    slots = task_slots(sc)
    if not slots or n <= slots:
        return
    message = (f"{algorithm} training runs its {n} workers at once (a barrier stage), but Spark has "
               f"{slots} task slots: pass num_workers <= {slots}")
    if sc.master.startswith("local"):
        raise ValueError(message)
    import warnings

    warnings.warn(message + " (or Spark waits for more executors)", stacklevel=3)


def partitions(data) -> int:
    return (data.rdd if is_data_frame(data) else data).getNumPartitions()


def train(model: "_tusk.Model", job: str, data, num_workers: Optional[int] = None, *,
          features_col: str = "features", label_col: str = "label", port: int = 0,
          listen: Optional[str] = None, worker_timeout: float = 30.0, **server_options) -> TrainResult:
    """Trains `model` (compiled, not modified) on `data` with `job`; see the module docstring.

    `num_workers`: repartition to this many workers (default: one per partition). `port`: the
    server's port on the driver host (0: ephemeral); `listen`: a full `host:port` to bind
    instead. `server_options`: `_tusk.SERVER_SETTINGS` (tusk_dist::ServerSettings:
    checkpoints, resume, registration and idle time limits) of `_tusk.ParameterServer`."""
    algorithm = json.loads(job)["algorithm"]
    if algorithm in SERVERLESS:
        return serverless.train(model, job, data, num_workers, features_col=features_col, label_col=label_col)
    n = int(num_workers) if num_workers else partitions(data)
    if n < 1:
        raise ValueError("the data has no partitions to train on")
    sc = spark_context(data)
    if algorithm in LOCKSTEP:
        check_lockstep_slots(sc, algorithm, n)
    host = driver_host(sc)
    token = os.urandom(16).hex().encode()
    server = _tusk.ParameterServer(job, n, model.params(), token=token, listen=listen or f"{host}:{int(port)}", **server_options)
    try:
        bound_host, bound_port = server.address.rsplit(":", 1)
        address = f"{host}:{bound_port}" if bound_host in ("0.0.0.0", "[::]") else server.address
        shapes = (models.features_shape(model), model.output_shapes[0])
        task_args = (address, token, shapes, float(worker_timeout), faults.from_env())
        barrier = algorithm in LOCKSTEP
        with job_group(sc, f"tusk {algorithm}: {n} workers") as group:
            watchdog = ServerWatchdog(server, sc, group)
            try:
                texts = _launch(data, n, task_args, barrier, features_col, label_col)
            except Exception as e:
                watchdog.raise_failure(e)
                raise
        outcomes = sorted((json.loads(t) for t in texts), key=lambda o: o["partition"])
        if len(outcomes) != n:
            raise RuntimeError(f"expected {n} worker outcomes, Spark returned {len(outcomes)} (did the partitioning change under the job?)")
        report = json.loads(server.wait())
        return TrainResult(server.weights(), report, outcomes)
    except BaseException as e:
        server.fail(f"the Spark job failed: {type(e).__name__}: {e}"[:2000])
        raise
    finally:
        server.shutdown()
