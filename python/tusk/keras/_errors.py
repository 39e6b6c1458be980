"""The Rust core's exception classes, re-exported for errors tusk.keras raises itself
(all of them under ``tusk.TuskError``)."""
from .._tusk import (  # noqa: F401
    ConfigError,
    DataError,
    FormatError,
    ShapeError,
    StateError,
    TuskError,
    TuskIOError,
    UnsupportedError,
)
