"""``boston_housing.load_data(path="boston_housing.npz", test_split=0.2, seed=113)``:
``(x_train, y_train), (x_test, y_test)`` from Keras' cached file, split as Keras does (the rows
shuffled by ``numpy.random.RandomState(seed)``, the first ``1 - test_split`` for training)."""
import numpy as np

from .cache import find, load_npz


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), got {test_split}")
    x, y = load_npz(find(path), "x", "y")
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    n = int(len(x) * (1 - test_split))
    return (x[:n], y[:n]), (x[n:], y[n:])
