"""``tusk.keras.datasets``: Keras' small data sets, read offline. tusk never downloads: each
``load_data()`` reads the file Keras itself caches (``$KERAS_HOME/datasets/``, by default
``~/.keras/datasets/``), in Keras' format and with Keras' return values; Fashion-MNIST also
from Debian's ``dataset-fashion-mnist`` package. A missing file is a ``FileNotFoundError``
naming where it was looked for."""
from . import boston_housing, fashion_mnist, mnist

__all__ = ["boston_housing", "fashion_mnist", "mnist"]
