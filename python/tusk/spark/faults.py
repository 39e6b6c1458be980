"""Fault injection for testing Spark task retries: make one task of a training job fail.

`TUSK_SPARK_FAULT="<partition>:<attempt>:<when>"` in the *driver's* environment when a job
starts (it is read there and shipped with the task, so executors need no environment) makes
the task training that partition, on that attempt, fail:

- `when = "raise"`: raise `InjectedFault` after `run_worker` has returned (the worker has
  committed everything and said done), so Spark retries a task whose work already counted;
- `when = "exit"`: as `raise`, but the Python worker process dies (`os._exit`), as a killed
  executor would;
- `when = <seconds>`: the Python worker process dies that many seconds into `run_worker`
  (mid-training: its connection drops, the server marks the attempt lost); if training ends
  sooner, it dies right after.

Anything else (or the variable unset) injects nothing. Only for tests: never set it in production.
"""
import os
import threading
from contextlib import contextmanager
from typing import NamedTuple, Optional

ENV = "TUSK_SPARK_FAULT"
EXIT_CODE = 17


class InjectedFault(RuntimeError):
    """The failure `TUSK_SPARK_FAULT` asked for."""


class Fault(NamedTuple):
    partition: int
    attempt: int
    when: str  # "raise", "exit", or seconds as text


def from_env(environ=os.environ) -> Optional[Fault]:
    """The fault the environment asks for, or None."""
    text = environ.get(ENV, "").strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"{ENV}={text!r}: expected '<partition>:<attempt>:<raise|exit|seconds>'")
    partition, attempt, when = int(parts[0]), int(parts[1]), parts[2].strip()
    if when not in ("raise", "exit"):
        float(when)  # a ValueError names the bad value
    return Fault(partition, attempt, when)


def _die() -> None:
    os._exit(EXIT_CODE)


@contextmanager
def inject(fault: Optional[Fault], partition: int, attempt: int):
    """Wraps one task's `run_worker` call; does nothing unless `fault` targets this task."""
    if fault is None or (fault.partition, fault.attempt) != (partition, attempt):
        yield
        return
    timer = None
    if fault.when not in ("raise", "exit"):
        timer = threading.Timer(float(fault.when), _die)
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
    if fault.when == "raise":
        raise InjectedFault(f"{ENV}: injected failure of partition {partition}, attempt {attempt}")
    _die()
