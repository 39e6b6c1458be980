"""Running tusk's Spark jobs: each in its own job group, cancelled when the driver side
fails, and executor failures turned into the tusk error they were.

- `job_group(sc, description)`: a context manager; a failure inside it cancels the group's
  jobs and is re-raised as its tusk class when an executor raised a tusk error (a partition
  function decorated with `tusk.errors.tagged` leaves its class and message as one marker line
  in the text of Spark's Py4JJavaError), or as a `ConfigError` naming
  the fix when the executors' Python cannot import tusk at all;
- `check_executors(sc)`: that check ahead of a lazy job (a DataFrame transform runs only when
  the user collects it), once per SparkContext.
"""
import re
import uuid
from contextlib import contextmanager

import tusk
from tusk.errors import from_marker

_NO_TUSK = re.compile(r"No module named '(tusk[\w.]*)'")
_checked = set()


def executor_error(e: BaseException):
    """The tusk error an executor's failure stands for, or None when it was not one."""
    text = str(e)
    missing = _NO_TUSK.search(text)
    if missing:
        return tusk.ConfigError(
            f"the Spark executors' Python cannot import {missing.group(1)}: install tusk on every worker node "
            "(pip install 'tusk[spark]' into the Python that PYSPARK_PYTHON names), or ship it with the job "
            "(spark.archives / --archives with a packed environment)")
    return from_marker(text)


@contextmanager
def job_group(sc, description: str):
    """Runs the block's Spark jobs in a fresh job group; see the module docstring."""
    keys = ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel")
    saved = {k: sc.getLocalProperty(k) for k in keys}
    group = f"tusk-{uuid.uuid4().hex}"
    sc.setJobGroup(group, description, interruptOnCancel=True)
    try:
        yield group
    except BaseException as e:
        sc.cancelJobGroup(group)
        # A tusk error raised here on the driver is already what it says; Spark's are parsed.
        error = executor_error(e) if isinstance(e, Exception) and not isinstance(e, tusk.TuskError) else None
        if error is not None:
            raise error from e
        raise
    finally:
        for k, v in saved.items():
            sc.setLocalProperty(k, v)


def _probe(_):
    return tusk.__name__


def check_executors(sc) -> None:
    """Fails with a clear error now if the executors cannot import tusk (once per context)."""
    key = sc.applicationId
    if key in _checked:
        return
    with job_group(sc, "tusk: executors can import tusk"):
        sc.parallelize([0], 1).map(_probe).collect()
    _checked.add(key)
