"""tusk: Keras-style models and Elephas/dist-keras data-parallel training on PySpark, with the
Rust engine (tusk._tusk) underneath. Every error is a subclass of `tusk.TuskError`
(`tusk.errors`, raised alike by Python and Rust)."""
from .errors import (  # noqa: F401
    TuskError, ShapeError, ConfigError, UnsupportedError, DataError, StateError, TuskIOError,
    FormatError, ProtocolError, AuthError, TuskTimeoutError, WorkerLostError, ServerError,
)

__all__ = [
    "TuskError", "ShapeError", "ConfigError", "UnsupportedError", "DataError", "StateError", "TuskIOError",
    "FormatError", "ProtocolError", "AuthError", "TuskTimeoutError", "WorkerLostError", "ServerError",
]
