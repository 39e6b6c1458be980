"""``fashion_mnist.load_data()``: ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays,
from Keras' cache (``datasets/fashion-mnist/``) or Debian's ``dataset-fashion-mnist``."""
import os

from .cache import DEBIAN_FASHION_MNIST, find, read_idx

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz")


def load_data():
    y_train, x_train, y_test, x_test = (
        read_idx(find(os.path.join("fashion-mnist", f), os.path.join(DEBIAN_FASHION_MNIST, f))) for f in FILES)
    return (x_train, y_train), (x_test, y_test)
