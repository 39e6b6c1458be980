"""tusk's exceptions: the one hierarchy that Python code and the Rust engine both raise.

The Rust extension raises these very classes (``pyo3::import_exception!``), so a check written
in Python and one in Rust fail alike. Each is also the built-in exception a Python user would
catch for that kind of problem: a `ConfigError` is a `ValueError`, a `TuskTimeoutError` a
`TimeoutError`, a `TuskIOError` an `OSError`.

Errors raised on a Spark executor travel to the driver inside Spark's own exception text;
`to_marker` writes one as a single tagged line there, and `from_marker` finds it again, so the
driver re-raises the class it was (`tusk.spark.jobs.job_group`).
"""
import functools
import json

__all__ = [
    "TuskError", "ShapeError", "ConfigError", "UnsupportedError", "DataError", "StateError", "TuskIOError",
    "FormatError", "ProtocolError", "AuthError", "TuskTimeoutError", "WorkerLostError", "ServerError",
]


class TuskError(Exception):
    """Base class of every tusk error."""


class ShapeError(TuskError, ValueError):
    """Shapes that do not fit (layer inputs, labels, weights)."""


class ConfigError(TuskError, ValueError):
    """A malformed model, layer, loss, optimizer or job configuration."""


class UnsupportedError(TuskError, NotImplementedError):
    """A Keras feature tusk does not implement."""


class DataError(TuskError, ValueError):
    """Data that cannot be trained on (NaN, labels out of range, empty, a diverged loss)."""


class StateError(TuskError, RuntimeError):
    """A call in the wrong order (fit before compile)."""


class TuskIOError(TuskError, OSError):
    """A file or socket that failed."""


class FormatError(TuskError, ValueError):
    """A file whose content is not what its format promises."""


class ProtocolError(TuskError, ConnectionError):
    """A malformed frame or message between server and worker."""


class AuthError(TuskError, PermissionError):
    """A wrong or missing job token."""


class TuskTimeoutError(TuskError, TimeoutError):
    """A network call or wait that ran past its limit."""


class WorkerLostError(TuskError, RuntimeError):
    """A worker died or left and the job cannot go on."""


class ServerError(TuskError, RuntimeError):
    """The parameter server refused a request."""


MARKER = "TUSK-ERROR "


def to_marker(error: TuskError) -> str:
    """One line naming the error's class and message, for an executor's exception text."""
    return MARKER + json.dumps({"class": type(error).__name__, "message": str(error)})


def from_marker(text: str):
    """The tusk error a `to_marker` line in `text` stands for (the last one), or None."""
    for line in reversed(text.splitlines()):
        at = line.find(MARKER)
        if at < 0:
            continue
        try:
            fields = json.loads(line[at + len(MARKER):])
        except ValueError:
            continue
        cls = globals().get(fields.get("class")) if isinstance(fields, dict) else None
        if isinstance(cls, type) and issubclass(cls, TuskError):
            return cls(fields.get("message", ""))
    return None


def tagged(partition_function):
    """Decorates a Spark partition function (a generator): a tusk error it raises leaves the
    executor with its message replaced by its `to_marker` line, for `from_marker` on the driver."""
    @functools.wraps(partition_function)
    def run(*args, **kwargs):
        try:
            yield from partition_function(*args, **kwargs)
        except TuskError as e:
            raise type(e)(to_marker(e)) from e

    return run
