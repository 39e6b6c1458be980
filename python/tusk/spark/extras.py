"""The optional dependencies of tusk's Spark layer (``pip install 'tusk[spark]'``: PySpark,
pyarrow, pandas). ``require(module, what)`` imports one, or raises a ``ModuleNotFoundError``
that names what needed it and the install command, instead of a bare import error."""
import importlib

EXTRA = "pip install 'tusk[spark]'"


def require(module: str, what: str):
    """``importlib.import_module(module)``, or an error naming ``what`` needed it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        top = module.split(".")[0]
        raise ModuleNotFoundError(
            f"{what} needs {top}, which is part of tusk's Spark extra and is not installed in this Python: {EXTRA}",
            name=top) from e
