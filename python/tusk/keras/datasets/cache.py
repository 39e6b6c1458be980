"""Where Keras caches its data sets, and the readers of its file formats (npz, IDX)."""
import gzip
import os

import numpy as np

#: Debian's dataset-fashion-mnist package.
DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


def cache_dir():
    """Keras' data set cache: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets")


def find(name, *also):
    """The path of cached file ``name`` (relative to the cache; an absolute name as it is), or
    else the first of ``also`` that exists; a FileNotFoundError naming where it looked."""
    candidates = [name if os.path.isabs(name) else os.path.join(cache_dir(), name), *also]
    for path in candidates:
        if os.path.exists(path):
            return path
    raise FileNotFoundError(
        f"{name}: not found ({', '.join(candidates)}). tusk never downloads data: copy the file Keras cached "
        f"(~/.keras/datasets/{name}) into {cache_dir()}, or set KERAS_HOME")


def read_idx(path):
    """A gzipped (or plain) IDX file as a numpy array of its dimensions."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * len(dims))
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} values for dimensions {dims}")
    return data.reshape(dims)


def load_npz(path, *keys):
    with np.load(path, allow_pickle=False) as f:
        missing = [k for k in keys if k not in f]
        if missing:
            raise ValueError(f"{path}: no array {', '.join(missing)}")
        return [f[k] for k in keys]
