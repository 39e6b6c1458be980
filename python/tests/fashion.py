"""Fashion-MNIST subsets for the tests, read from the Debian package's IDX files."""
import gzip

import numpy as np

ROOT = "/usr/share/datasets/fashion-mnist/"


def _idx(name):
    with gzip.open(ROOT + name) as f:
        b = f.read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b[4 + 4 * nd:], dtype=np.uint8).reshape(dims)


def fashion_mnist(n, test=False):
    """(x, y): the first `n` images as float32 rows of 784 values in [0, 1], labels as float32 class indices."""
    prefix = "t10k" if test else "train"
    x = _idx(f"{prefix}-images-idx3-ubyte.gz")[:n].reshape(-1, 784).astype(np.float32) / 255.0
    y = _idx(f"{prefix}-labels-idx1-ubyte.gz")[:n].astype(np.float32)
    return x, y
