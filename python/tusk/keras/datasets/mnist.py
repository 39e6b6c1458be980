"""``mnist.load_data(path="mnist.npz")``: ``(x_train, y_train), (x_test, y_test)`` as uint8
arrays (60000x28x28, 10000x28x28), from Keras' cached ``mnist.npz``."""
from .cache import find, load_npz


def load_data(path="mnist.npz"):
    x_train, y_train, x_test, y_test = load_npz(find(path), "x_train", "y_train", "x_test", "y_test")
    return (x_train, y_train), (x_test, y_test)
