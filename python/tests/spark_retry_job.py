"""Run by test_spark.py in its own process (a SparkContext on `local[2,2]`: a failed task is
retried once, which the shared `local[2]` session does not do): trains with a fault injected
into partition 0's first attempt, once per fault kind given on the command line, and prints one
JSON line per run: the fault, each worker's (partition, attempt, rows), the report's worker
statuses and commit counts (those of the failed attempt apart), and the test accuracy.

    python spark_retry_job.py raise 0.3
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import conftest  # noqa: E402  (environment for executors, data, session)
from spark_helpers import core_accuracy, mlp  # noqa: E402

from tusk.spark import faults  # noqa: E402
from tusk.spark_model import SparkModel  # noqa: E402
from tusk.utils.rdd_utils import to_simple_rdd  # noqa: E402


def main(kinds):
    spark = conftest.spark_session("local[2,2]", "tusk-retry-test")
    x, y, tx, ty = conftest.load_fashion(4000, 1000)
    rdd = to_simple_rdd(spark.sparkContext, x, y)  # local[2,2]: two partitions of 2000
    try:
        for kind in kinds:
            os.environ[faults.ENV] = f"0:0:{kind}"
            model = SparkModel(mlp(), mode="asynchronous", frequency="batch")
            timed = kind not in ("raise", "exit")  # a kill at a time: train long enough to be cut short
            model.fit(rdd, epochs=40 if timed else 4, batch_size=32, validation_split=0)
            retried = model.worker_outcomes[0]["commits"]
            print(json.dumps({
                "fault": kind,
                "workers": [(o["partition"], o["attempt"], o["rows"]) for o in model.worker_outcomes],
                "seconds": [round(o["seconds"], 3) for o in model.worker_outcomes],
                "statuses": [w["status"] for w in model.report["per_worker"]],
                "commits": model.report["commits"],
                # commits of the failed attempt (they count in asynchronous mode): all of a full
                # run when it failed after training, fewer when it was killed mid-training
                "failed_attempt_commits": model.report["commits"] - sum(o["commits"] for o in model.worker_outcomes),
                "full_run_commits": retried,
                "duplicates": model.report["duplicate_commits"],
                "accuracy": core_accuracy(model._core, tx, ty),
            }), flush=True)
    finally:
        os.environ.pop(faults.ENV, None)
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:] or ["raise"])
