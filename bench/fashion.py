"""Fashion-MNIST and the benchmark models, shared by the benchmark scripts; numpy only, so that
a tusk run never imports TensorFlow.

- `idx(name)`: one IDX file of Debian's dataset-fashion-mnist as a uint8 array;
- `fashion_mnist(name)`: ((x, y), (x_test, y_test)), f32 images in [0, 1] shaped for the model
  (mlp: 784 features, cnn: 28x28x1) and one-hot f32 labels;
- `model_for(name, k)`: the `mlp` or `cnn` of `tusk train`, built with the Keras API of module
  `k`: real `keras`, or `tusk.keras` (only the import differs).
"""
import gzip
import os

import numpy as np

DIR = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(DIR, name)) as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_mnist(name):
    shape = (-1, 784) if name == "mlp" else (-1, 28, 28, 1)

    def split(images, labels):
        return (idx(images).astype(np.float32) / 255.0).reshape(shape), np.eye(10, dtype=np.float32)[idx(labels)]

    return (split("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
            split("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))


def model_for(name, k):
    layers = k.layers
    if name == "mlp":
        return k.Sequential([
            k.Input((784,)), layers.Dense(128, activation="relu"), layers.Dropout(0.2),
            layers.Dense(128, activation="relu"), layers.Dropout(0.2), layers.Dense(10, activation="softmax")])
    return k.Sequential([
        k.Input((28, 28, 1)), layers.Conv2D(32, 5, padding="same", activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 5, padding="same", activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
        layers.Dense(512, activation="relu"), layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
