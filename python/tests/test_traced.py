"""Custom activation functions written in Python (Elephas' ``sigmoid(x) + 1`` and
``2 * relu(x)``) are traced once into an expression that the Rust engine evaluates and
differentiates; what cannot be traced is refused by name."""
import json

import numpy as np
import pytest

from tusk import UnsupportedError
from tusk.keras import backend as K
from tusk.keras import ops
from tusk.keras.activations import relu
from tusk.keras.layers import Dense
from tusk.keras.models import Sequential, model_from_json
from tusk.keras.optimizers import SGD


def custom_activation(x):
    return K.sigmoid(x) + 1


def doubled_relu(x):
    return 2 * relu(x)


def smooth(x):
    return ops.clip(x * ops.tanh(ops.softplus(x)), -1.0, 3.0) / 2 - ops.exp(-ops.square(x)) ** 2


def dense_model(activation, seed=3):
    rng = np.random.default_rng(seed)
    model = Sequential([Dense(4, input_dim=3, activation=activation)])
    model.set_weights([rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=4).astype("float32")])
    return model


def numpy_reference(name, z):
    sig = 1 / (1 + np.exp(-z))
    return {"custom_activation": sig + 1, "doubled_relu": 2 * np.maximum(z, 0),
            "smooth": np.clip(z * np.tanh(np.log1p(np.exp(z))), -1, 3) / 2 - np.exp(-z * z) ** 2}[name]


@pytest.mark.parametrize("fn", [custom_activation, doubled_relu, smooth])
def test_traced_activation_predicts_what_the_function_computes(fn):
    model = dense_model(fn)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), numpy_reference(fn.__name__, x @ kernel + bias),
                               rtol=1e-5, atol=1e-5)


def test_traced_activation_trains_like_its_builtin_twin():
    """``2 * relu(x)`` traced trains exactly like relu with the second layer's kernel doubled."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    a = Sequential([Dense(4, input_dim=3, activation=doubled_relu), Dense(1, activation="sigmoid")])
    a.set_weights([rng.normal(0, 0.5, size=w.shape).astype("float32") for w in a.get_weights()])  # not the test order's
    start = a.get_weights()
    a.compile(SGD(0.1), "binary_crossentropy", ["acc"])
    a.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert not np.allclose(a.get_weights()[0], start[0])  # gradients flow through the expression
    loss = a.evaluate(x, y, verbose=0)[0]
    assert np.isfinite(loss) and loss < 0.7


def test_json_round_trip_with_custom_objects_keeps_keras_form():
    model = dense_model(custom_activation)
    text = model.to_json()
    layer = json.loads(text)["config"]["layers"][1]["config"]
    assert layer["activation"] == "custom_activation"  # as Keras writes it
    back = model_from_json(text, {"custom_activation": custom_activation})
    assert back.to_json() == text
    back.set_weights(model.get_weights())
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(UnsupportedError, match="custom_activation"):
        model_from_json(text)


@pytest.mark.parametrize("fn,message", [
    (lambda x: K.mean(x), "mean"),
    (lambda x: x if x > 0 else -x, "branch"),
    (lambda x: np.tanh(np.asarray(x)), "numpy"),
    (lambda x: 3.0, "returned float"),
    (lambda x: x + "a", "numbers"),
    (lambda x: ops.square(x) + K.sum(x), "sum"),
])
def test_what_cannot_be_traced_is_refused_by_name(fn, message):
    with pytest.raises(UnsupportedError, match=message):
        Dense(2, activation=fn)


def mse_by_hand(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)


def summed_abs(y_true, y_pred):
    return ops.sum(ops.abs(y_pred - y_true), axis=-1)


def test_traced_loss_equals_its_builtin_twin():
    """A hand-written MSE trains exactly as the built-in one; a summed loss is k times larger."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = rng.normal(size=(32, 4)).astype("float32")
    runs = []
    for loss in ("mse", mse_by_hand):
        model = dense_model("tanh")
        model.compile(SGD(0.05), loss)
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        runs.append((model.evaluate(x, y, verbose=0), model.get_weights()))
    assert runs[0][0] == pytest.approx(runs[1][0], rel=1e-5)
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    mae = dense_model("tanh")
    mae.compile(SGD(0.0), "mae")
    summed = dense_model("tanh")
    summed.compile(SGD(0.0), summed_abs)
    assert summed.evaluate(x, y, verbose=0) == pytest.approx(4 * mae.evaluate(x, y, verbose=0), rel=1e-5)


def test_traced_loss_refusals():
    with pytest.raises(UnsupportedError, match="axis=0"):
        Sequential([Dense(1, input_dim=1)]).compile("sgd", lambda t, p: K.mean(p - t, axis=0))
    with pytest.raises(UnsupportedError, match="last step"):
        Sequential([Dense(1, input_dim=1)]).compile("sgd", lambda t, p: K.mean(p - t, axis=-1) * 2)
    with pytest.raises(UnsupportedError, match="y_pred"):
        Sequential([Dense(1, input_dim=1)]).compile("sgd", lambda t, p: K.square(t))


def test_a_function_written_for_real_keras_is_traced_too():
    """Elephas' tests hand tusk real Keras models whose activation calls TensorFlow's sigmoid."""
    tf_backend = pytest.importorskip("tensorflow.keras.backend")
    namespace = {"sigmoid": tf_backend.sigmoid, "K": tf_backend}
    exec("def tf_activation(x):\n    return sigmoid(x) + K.relu(x) * 2\n", namespace)
    model = dense_model(namespace["tf_activation"])
    x = np.random.default_rng(4).normal(size=(3, 3)).astype("float32")
    kernel, bias = model.get_weights()
    z = x @ kernel + bias
    np.testing.assert_allclose(model.predict(x, verbose=0), 1 / (1 + np.exp(-z)) + 2 * np.maximum(z, 0), rtol=1e-5, atol=1e-6)
    assert namespace["sigmoid"] is tf_backend.sigmoid  # the user's module is left alone


def test_an_unbuilt_model_writes_a_traced_activation_by_name_too():
    model = Sequential([Dense(2, activation=custom_activation)])  # no input shape yet
    assert json.loads(model.to_json())["config"]["layers"][0]["config"]["activation"] == "custom_activation"
