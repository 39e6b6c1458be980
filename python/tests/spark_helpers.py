"""Helpers of the Spark tests: small compiled models built straight from Keras JSON through
`tusk._tusk` (so these tests need nothing of `tusk.keras`), accuracy, and a spy on the
parameter server that records where it listened."""
import json
import socket

import numpy as np

from tusk import _tusk


def mlp(hidden: int = 64, inputs: int = 784, classes: int = 10, optimizer=None, metrics=("accuracy",), seed: int = 0):
    """A compiled `inputs → hidden relu → classes softmax` model (Adam 0.001 unless given)."""
    layers = [
        {"class_name": "Dense", "config": {"name": "hidden", "units": hidden, "activation": "relu", "batch_input_shape": [None, inputs]}},
        {"class_name": "Dense", "config": {"name": "out", "units": classes, "activation": "softmax"}},
    ]
    core = _tusk.Model.from_json(json.dumps({"class_name": "Sequential", "config": {"name": "mlp", "layers": layers}}), seed=seed)
    training = {"loss": ["categorical_crossentropy"], "metrics": list(metrics),
                "optimizer": optimizer or {"class_name": "Adam", "config": {"learning_rate": 0.001}}}
    core.compile(json.dumps(training))
    return core


def accuracy(predictions: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows whose arg-max matches the class index (or one-hot) label."""
    labels = labels.argmax(axis=1) if labels.ndim > 1 else labels
    return float((predictions.argmax(axis=1) == labels).mean())


def core_accuracy(core, x, y) -> float:
    return accuracy(core.predict([x], batch_size=256)[0], y)


def port_is_closed(address: str) -> bool:
    """Whether nothing accepts connections at `host:port` any more."""
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return False
    except OSError:
        return True


class ServerSpy:
    """Stands in for `_tusk.ParameterServer`, recording every server's address."""

    real = _tusk.ParameterServer
    addresses = []

    def __init__(self, *args, **kwargs):
        self._server = self.real(*args, **kwargs)
        ServerSpy.addresses.append(self._server.address)

    @property
    def address(self):
        return self._server.address

    def __getattr__(self, name):
        return getattr(self._server, name)
