"""Offline stand-ins for the data the peers' suites and examples download, written into a
Keras cache directory (`KERAS_HOME/datasets`) that `tusk.keras.datasets` and real Keras both
read, so that nothing is downloaded:

- `mnist.npz`: Fashion-MNIST (Debian's package) in MNIST's format and shapes;
- `boston_housing.npz`: 506 rows of 13 features with a noisy linear target (seeded);
- `train.csv`/`test.csv` of Kaggle's Otto (for Elephas' pipeline example): 93 count features,
  9 classes, written where the example looks (`..` of the examples directory).
"""
import os

import numpy as np

from tusk.keras.datasets import fashion_mnist


def write_keras_cache(keras_home: str) -> str:
    datasets = os.path.join(keras_home, "datasets")
    os.makedirs(datasets, exist_ok=True)
    mnist = os.path.join(datasets, "mnist.npz")
    if not os.path.exists(mnist):
        (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
        np.savez_compressed(mnist, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    boston = os.path.join(datasets, "boston_housing.npz")
    if not os.path.exists(boston):
        rng = np.random.default_rng(113)
        x = rng.gamma(2.0, 3.0, size=(506, 13))
        y = x @ rng.normal(0.3, 0.2, size=13) + rng.normal(0, 1.0, size=506) + 10
        np.savez(boston, x=x, y=y)
    return keras_home


def write_otto(directory: str, rows: int = 3000, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    centers = rng.gamma(1.0, 1.5, size=(9, 93))
    for name, n, train in (("train.csv", rows, True), ("test.csv", rows // 5, False)):
        classes = rng.integers(0, 9, size=n)
        counts = rng.poisson(centers[classes])
        header = ["id"] + [f"feat_{i + 1}" for i in range(93)] + (["target"] if train else [])
        with open(os.path.join(directory, name), "w") as f:
            f.write(",".join(header) + "\n")
            for i, (c, row) in enumerate(zip(classes, counts)):
                cells = [str(i + 1)] + [str(v) for v in row] + ([f"Class_{c + 1}"] if train else [])
                f.write(",".join(cells) + "\n")
