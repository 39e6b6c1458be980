"""Shared fixtures for tusk's Python tests.

Spark: `spark` is one `SparkSession` on `local[2]` for the whole test session (started only
when a test asks for it; quiet logs, no UI, executors running this interpreter with this
checkout's `python/` importable); `sc` is its SparkContext. Data: `fashion` is a
Fashion-MNIST subset (4000 train, 1000 test images as float32 `[n, 784]` in [0, 1], labels
as class indices), read from the Debian package's IDX files.
"""
import gzip
import os
import sys
import warnings

import numpy as np
import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASHION_DIR = "/usr/share/datasets/fashion-mnist"

# Executors are separate Python processes: the same interpreter, the same `tusk`.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no "hostname resolves to a loopback address" warning
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (PYTHON_DIR, os.environ.get("PYTHONPATH")) if p)
PANDAS_WARNING = "PySpark does not yet fully support pandas"
warnings.filterwarnings("ignore", message=PANDAS_WARNING)


def pytest_configure(config):
    config.addinivalue_line("markers", "spark: runs a local Spark (PySpark from PyPI, Java 17)")
    config.addinivalue_line("filterwarnings", f"ignore:{PANDAS_WARNING}:FutureWarning")


def spark_session(master: str = "local[2]", app: str = "tusk-tests"):
    """A quiet local SparkSession (also used by tests that need their own, in a subprocess)."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master).appName(app)
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.log.level", "ERROR")
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@pytest.fixture(scope="session")
def spark():
    session = spark_session()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def sc(spark):
    return spark.sparkContext


def read_idx(path: str) -> np.ndarray:
    """An IDX file (gzip'd) as a numpy array of its shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_fashion(n_train: int = 4000, n_test: int = 1000):
    if not os.path.exists(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")):
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    x = read_idx(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz"))[:n_train]
    y = read_idx(os.path.join(FASHION_DIR, "train-labels-idx1-ubyte.gz"))[:n_train]
    tx = read_idx(os.path.join(FASHION_DIR, "t10k-images-idx3-ubyte.gz"))[:n_test]
    ty = read_idx(os.path.join(FASHION_DIR, "t10k-labels-idx1-ubyte.gz"))[:n_test]
    flat = lambda a: (a.reshape(len(a), -1) / 255.0).astype(np.float32)  # noqa: E731
    return flat(x), y.astype(np.float32), flat(tx), ty.astype(np.float32)


@pytest.fixture(scope="session")
def fashion():
    return load_fashion()
