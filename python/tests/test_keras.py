"""tusk.keras: Keras-style models over the Rust core.

Trains the Elephas README model on Fashion-MNIST (sklearn digits when the data set is absent),
a small CNN and a functional two-input model; checks weights, saving, JSON, History,
evaluate's return shapes, callbacks and error classes. Tests marked by ``keras_only`` run
when the real ``keras`` package is importable and compare tusk with it (from_keras,
to_keras, .keras files, predictions within 1e-5, layer configs).
"""
import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tusk  # noqa: E402
from tusk import keras  # noqa: E402
from tusk.keras import Input, Model, callbacks, layers  # noqa: E402
from tusk.keras.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D  # noqa: E402
from tusk.keras.models import Sequential, as_model, load_model, model_from_json  # noqa: E402
from tusk.keras.optimizers import SGD, Adam  # noqa: E402

FASHION = Path("/usr/share/datasets/fashion-mnist")
FIXTURES = Path(__file__).resolve().parents[2] / "crates/tusk-core/tests/fixtures/keras"

try:
    import keras as real_keras
except ImportError:
    real_keras = None
keras_only = pytest.mark.skipif(real_keras is None, reason="the keras package is not installed")


def _idx(name):
    with gzip.open(FASHION / name, "rb") as f:
        raw = f.read()
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


@pytest.fixture(scope="module")
def images():
    """(x_train, y_train, x_test, y_test): flat images in [0, 1] and class indices."""
    if (FASHION / "train-images-idx3-ubyte.gz").exists():
        x, y = _idx("train-images-idx3-ubyte.gz")[:12000], _idx("train-labels-idx1-ubyte.gz")[:12000]
        xt, yt = _idx("t10k-images-idx3-ubyte.gz")[:2000], _idx("t10k-labels-idx1-ubyte.gz")[:2000]
        return x.reshape(len(x), -1) / 255.0, y, xt.reshape(len(xt), -1) / 255.0, yt
    from sklearn.datasets import load_digits

    d = load_digits()
    x = np.zeros((len(d.data), 784))
    x[:, :64] = d.data / 16.0
    return x[:1500], d.target[:1500], x[1500:], d.target[1500:]


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images[..., None] / 16.0, d.target


def small_mlp(seed_name=None):
    m = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(3, activation="softmax")], name=seed_name)
    m.compile(optimizer=Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
    return m


def blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.normal(size=(n, 4)) * 0.3 + np.eye(3, 4)[y] * 2
    return x, y


# ---- training -----------------------------------------------------------------------------------
def test_elephas_readme_model_learns_fashion_mnist(images):
    x, y, xt, yt = images
    model = Sequential()
    model.add(Dense(128, input_dim=784))
    model.add(Activation("relu"))
    model.add(Dropout(0.2))
    model.add(Dense(128))
    model.add(Activation("relu"))
    model.add(Dropout(0.2))
    model.add(Dense(10))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=SGD(lr=0.01, momentum=0.9), metrics=["accuracy"])
    history = model.fit(x, keras.utils.to_categorical(y, 10), batch_size=32, epochs=4, verbose=0, seed=1)
    assert history.history["accuracy"][-1] > history.history["accuracy"][0]
    _, acc = model.evaluate(xt, keras.utils.to_categorical(yt, 10), verbose=0)
    assert acc > 0.8, acc
    assert model.predict(xt[:5]).shape == (5, 10)
    assert model.count_params() == 784 * 128 + 128 + 128 * 128 + 128 + 1290


def test_small_cnn_learns_digits(digits):
    x, y = digits
    model = Sequential([
        Conv2D(8, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
        MaxPooling2D(),
        Flatten(),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:1400], y[:1400], epochs=8, batch_size=32, verbose=0, seed=2)
    _, acc = model.evaluate(x[1400:], y[1400:], verbose=0)
    assert acc > 0.85, acc
    assert [w.shape for w in model.layers[0].get_weights()] == [(3, 3, 1, 8), (8,)]


def test_functional_two_inputs_trains():
    rng = np.random.default_rng(3)
    xa, xb = rng.normal(size=(256, 4)), rng.normal(size=(256, 4))
    cls = (xa[:, 0] + xb[:, 1] > 0).astype(int)
    reg = np.stack([xa[:, 2], xb[:, 3], xa[:, 0] * 0], axis=1)
    a, b = Input(shape=(4,), name="a"), Input(shape=(4,), name="b")
    ha, hb = Dense(8, activation="tanh")(a), Dense(8, activation="tanh")(b)
    merged = layers.Concatenate()([ha, hb])
    assert merged.shape == (None, 16)
    out_cls = Dense(2, activation="softmax", name="cls")(merged)
    out_reg = Dense(3, name="reg")(layers.add([ha, hb]))
    model = Model(inputs=[a, b], outputs=[out_cls, out_reg])
    model.compile(optimizer=Adam(0.02), loss={"cls": "categorical_crossentropy", "reg": "mse"},
                  metrics=["accuracy"], loss_weights=[1.0, 0.5])
    h = model.fit({"a": xa, "b": xb}, [cls, reg], epochs=15, batch_size=32, verbose=0, seed=4)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert set(h.history) == {"loss", "cls_accuracy", "reg_accuracy"}
    p_cls, p_reg = model.predict([xa, xb])
    assert p_cls.shape == (256, 2) and p_reg.shape == (256, 3)
    result = model.evaluate([xa, xb], [cls, reg], return_dict=True, verbose=0)
    assert result["cls_accuracy"] > 0.85
    assert [layer.name for layer in model.layers][:2] == ["a", "b"]
    assert model.input_shape == [(None, 4), (None, 4)]


def test_history_keys_and_epochs():
    x, y = blobs()
    model = small_mlp()
    h = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    assert list(h.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert h.epoch == [0, 1, 2] and all(len(v) == 3 for v in h.history.values())
    assert model.history is h and h.params["epochs"] == 3
    h2 = model.fit(x, y, epochs=5, initial_epoch=3, validation_data=(x[:20], y[:20]), verbose=0)
    assert h2.epoch == [3, 4] and "val_loss" in h2.history


def test_evaluate_and_train_on_batch_return_shapes():
    x, y = blobs()
    model = Sequential([Dense(3, activation="softmax", input_dim=4)])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy", "mae"])
    values = model.evaluate(x, y, batch_size=16, verbose=0)
    assert isinstance(values, list) and len(values) == 3
    assert list(model.evaluate(x, y, return_dict=True, verbose=0)) == ["loss", "accuracy", "mae"]
    assert len(model.train_on_batch(x[:16], y[:16])) == 3
    assert set(model.train_on_batch(x[:16], y[:16], return_dict=True)) == {"loss", "accuracy", "mae"}
    assert model.metrics_names == ["loss", "accuracy", "mae"]
    assert model.predict_on_batch(x[:7]).shape == (7, 3)


def test_early_stopping_stops_and_restores_best_weights():
    x, y = blobs()
    model = small_mlp()
    seen = []
    record = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(model.get_weights()))
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=1e9, restore_best_weights=True)
    h = model.fit(x, y, epochs=10, callbacks=[record, stop], verbose=0)
    assert h.epoch == [0, 1] and stop.stopped_epoch == 1
    for got, want in zip(model.get_weights(), seen[0]):
        np.testing.assert_array_equal(got, want)
    patient = callbacks.EarlyStopping(monitor="val_accuracy", patience=50)
    assert small_mlp().fit(x, y, epochs=4, validation_split=0.2, callbacks=[patient], verbose=0).epoch == [0, 1, 2, 3]


# ---- weights, saving, JSON ----------------------------------------------------------------------
def test_weights_round_trip_model_and_layer():
    model = small_mlp()
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(4, 8), (8,), (8, 3), (3,)]
    new = [np.random.default_rng(i).normal(size=w.shape).astype(np.float32) for i, w in enumerate(weights)]
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    dense = model.get_layer(model.layers[1].name)
    dense.set_weights([np.zeros((8, 3)), np.ones(3)])
    np.testing.assert_allclose(model.predict(np.ones((2, 4))), np.full((2, 3), 1 / 3), rtol=1e-6)
    assert [w.shape for w in dense.get_weights()] == [(8, 3), (3,)] and dense.count_params() == 27
    with pytest.raises(ValueError):
        dense.set_weights([np.zeros((8, 3))])


def test_save_and_load_directory(tmp_path):
    x, y = blobs()
    model = small_mlp()
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert isinstance(loaded, Sequential) and [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.optimizer.get_config()["class_name"] == "Adam"
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    loaded.fit(x, y, epochs=1, verbose=0)  # compiled state came back with it


def test_save_compiled_untrained_model_with_adam(tmp_path):
    model = small_mlp()
    model.save(tmp_path / "fresh")
    assert load_model(tmp_path / "fresh").count_params() == model.count_params()


def test_json_round_trip():
    model = small_mlp()
    text = model.to_json()
    spec = json.loads(text)
    assert spec["class_name"] == "Sequential"
    assert [entry["class_name"] for entry in spec["config"]["layers"]] == ["InputLayer", "Dense", "Dense"]
    again = model_from_json(text)
    again.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 4))
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert json.loads(again.to_json())["config"]["layers"] == spec["config"]["layers"]
    fixture = (FIXTURES / "models/elephas_readme.json").read_text()
    assert model_from_json(fixture).count_params() == 118282


def test_keras_json_fixtures_load_or_name_what_is_unsupported():
    for path in sorted((FIXTURES / "models").glob("*.json")):
        text = path.read_text()
        if "shared_layer" in path.name or "unsupported" in path.name or "regularizer" in path.name:
            with pytest.raises(tusk.UnsupportedError):
                model_from_json(text)
            continue
        model = model_from_json(text)
        xs = [np.zeros((2, *shape)) for shape in model._core.input_shapes]
        outs = model.predict(xs if len(xs) > 1 else xs[0])
        assert model.count_params() > 0 and len(model.layers) > 1, path.name
        assert (outs[0] if isinstance(outs, list) else outs).shape[0] == 2


def test_layer_configs_are_keras_3_configs():
    spec = json.loads((FIXTURES / "models/cnn.json").read_text())
    want = {entry["config"]["name"]: entry["config"] for entry in spec["config"]["layers"]}
    assert Conv2D(32, (5, 5), padding="same", activation="relu", name="conv2d").get_config() == want["conv2d"]
    assert MaxPooling2D(pool_size=(2, 2), name="max_pooling2d").get_config() == want["max_pooling2d"]
    assert Dense(512, activation="relu", name="dense").get_config() == want["dense"]
    assert Dropout(0.5, name="dropout").get_config() == want["dropout"]
    assert Flatten(name="flatten").get_config() == want["flatten"]
    assert layers.Dense(3, input_shape=(7,)).units == 3


def test_as_model_accepts_every_form(tmp_path):
    model = small_mlp()
    model.fit(*blobs(), epochs=1, verbose=0)
    assert as_model(model) is model
    assert model._core is as_model(model._core)._core
    model.save(tmp_path / "m")
    assert as_model(str(tmp_path / "m")).count_params() == model.count_params()
    assert as_model(model.to_json()).count_params() == model.count_params()
    with pytest.raises(TypeError):
        as_model(42)


def test_sequential_builds_from_data_and_feature_extraction():
    x, y = blobs()
    model = Sequential([Dense(6, activation="relu"), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    assert model.input_shape == (None, 4)
    features = Model(model.inputs, model.layers[0].output)
    np.testing.assert_array_equal(features.layers[1].get_weights()[0], model.layers[0].get_weights()[0])
    assert features.predict(x).shape == (len(x), 6)


def test_frozen_layer_keeps_its_weights():
    x, y = blobs()
    model = small_mlp()
    model.layers[0].trainable = False
    model.compile(optimizer=Adam(0.05), loss="categorical_crossentropy")
    before = model.layers[0].get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    for got, want in zip(model.layers[0].get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_optimizer_and_loss_objects():
    opt = SGD(lr=0.1, momentum=0.9)
    assert opt.get_config()["class_name"] == "SGD" and opt.get_config()["config"]["learning_rate"] == 0.1
    assert opt.learning_rate == 0.1 and opt.momentum == 0.9
    assert keras.optimizers.get("rmsprop").get_config()["config"]["rho"] == 0.9
    x, y = blobs()
    model = Sequential([Dense(3, input_dim=4)])
    model.compile(optimizer={"class_name": "Adam", "config": {"learning_rate": 0.01}},
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True), metrics=[keras.metrics.CategoricalAccuracy()])
    h = model.fit(x, keras.utils.to_categorical(y, 3), epochs=2, verbose=0)
    assert "categorical_accuracy" in h.history


# ---- errors -------------------------------------------------------------------------------------
def test_unsupported_layer_option_names_the_layer():
    model = Sequential([Dense(4, input_dim=3, kernel_regularizer=keras.regularizers.l2(0.01), name="reg_dense")])
    with pytest.raises(tusk.UnsupportedError, match="reg_dense") as e:
        model.compile(optimizer="sgd", loss="mse")
    assert "kernel_regularizer" in str(e.value) and isinstance(e.value, tusk.TuskError)
    inputs = Input((3,))
    with pytest.raises(tusk.UnsupportedError, match="bogus"):
        Model(inputs, Dense(2, bogus=1, name="odd")(inputs))


def test_bad_shapes_and_call_order():
    model = small_mlp()
    with pytest.raises(tusk.ShapeError):
        model.fit(np.zeros((10, 5)), np.zeros((10, 3)), verbose=0)
    with pytest.raises(tusk.ShapeError):
        model.predict(np.zeros((3, 2, 2)))
    with pytest.raises(tusk.ShapeError):
        Sequential([Conv2D(4, 3, input_shape=(10,))]).summary()
    unfit = Sequential([Dense(2, input_dim=4)])
    with pytest.raises(tusk.StateError):
        unfit.fit(np.zeros((4, 4)), np.zeros((4, 2)), verbose=0)
    with pytest.raises(tusk.StateError):
        Sequential([Dense(2)]).summary()
    with pytest.raises(TypeError):
        Dense(2)(np.zeros((2, 2)))


def test_keras_files_without_keras_give_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "keras", None)
    with pytest.raises(ImportError, match="keras package"):
        small_mlp().save(tmp_path / "m.keras")
    with pytest.raises(ImportError, match="keras package"):
        small_mlp().to_keras()


def test_keras_2_import_paths():
    from tusk.keras.layers.core import Dense as CoreDense
    from tusk.keras.layers.pooling import MaxPooling2D as PoolMax
    from tusk.keras.utils import np_utils

    assert CoreDense is Dense and PoolMax is MaxPooling2D
    np.testing.assert_array_equal(np_utils.to_categorical(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


# ---- real Keras -----------------------------------------------------------------------------------
@keras_only
def test_from_keras_predictions_match():
    rng = np.random.default_rng(5)
    km = real_keras.Sequential([real_keras.Input((8, 8, 1)), real_keras.layers.Conv2D(4, 3, activation="relu"),
                                real_keras.layers.MaxPooling2D(), real_keras.layers.Flatten(),
                                real_keras.layers.Dense(16, activation="relu"), real_keras.layers.Dropout(0.3),
                                real_keras.layers.Dense(10, activation="softmax")])
    km.compile(optimizer=real_keras.optimizers.SGD(0.05, momentum=0.9), loss="categorical_crossentropy",
               metrics=["accuracy"])
    model = keras.from_keras(km)
    x = rng.random((16, 8, 8, 1), dtype=np.float32)
    np.testing.assert_allclose(model.predict(x), km.predict(x, verbose=0), atol=1e-5)
    assert model.optimizer.get_config()["config"]["momentum"] == pytest.approx(0.9)
    assert model.loss == "categorical_crossentropy" and model.metrics_names == ["loss", "accuracy"]

    a, b = real_keras.Input((4,), name="a"), real_keras.Input((4,), name="b")
    h = real_keras.layers.Concatenate()([real_keras.layers.Dense(3)(a), real_keras.layers.Dense(3, activation="tanh")(b)])
    kf = real_keras.Model([a, b], [real_keras.layers.Dense(2, activation="softmax")(h),
                                   real_keras.layers.Add()([h, real_keras.layers.Dense(6)(h)])])
    mf = as_model(kf)
    xa, xb = rng.random((6, 4), dtype=np.float32), rng.random((6, 4), dtype=np.float32)
    for got, want in zip(mf.predict([xa, xb]), kf.predict([xa, xb], verbose=0)):
        np.testing.assert_allclose(got, want, atol=1e-5)


@keras_only
def test_to_keras_and_keras_files(tmp_path):
    x, y = blobs()
    model = small_mlp()
    model.fit(x, y, epochs=2, verbose=0)
    km = model.to_keras()
    np.testing.assert_allclose(km.predict(x, verbose=0), model.predict(x), atol=1e-5)
    assert type(km.optimizer).__name__ == "Adam"
    for name in ("m.keras", "m.h5"):
        model.save(tmp_path / name)
        back = load_model(tmp_path / name)
        np.testing.assert_allclose(back.predict(x), model.predict(x), atol=1e-6)
    assert keras.from_keras(str(tmp_path / "m.keras")).count_params() == model.count_params()


@keras_only
def test_layer_configs_match_real_keras():
    cases = [("Dense", (5,), {"activation": "relu"}), ("Conv1D", (4, 3), {"strides": 2, "padding": "same"}),
             ("Conv2D", (4, 3), {"padding": "same"}), ("MaxPooling2D", (), {"pool_size": 3, "strides": 2}),
             ("AveragePooling1D", (2,), {}), ("GlobalMaxPooling2D", (), {}), ("BatchNormalization", (), {}),
             ("Embedding", (10, 4), {}), ("SimpleRNN", (3,), {}), ("LSTM", (3,), {"return_sequences": True}),
             ("GRU", (3,), {"reset_after": False}), ("LeakyReLU", (), {}), ("Reshape", ((3, 4),), {}),
             ("Concatenate", (), {"axis": 1}), ("Subtract", (), {})]
    for cls, args, kwargs in cases:
        want = json.loads(json.dumps(getattr(real_keras.layers, cls)(*args, name="x", **kwargs).get_config()))
        assert getattr(layers, cls)(*args, name="x", **kwargs).get_config() == want, cls


@keras_only
def test_from_keras_recurrent_and_batchnorm_weights():
    rng = np.random.default_rng(6)
    km = real_keras.Sequential([real_keras.Input((6,)), real_keras.layers.Embedding(20, 8),
                                real_keras.layers.LSTM(5, return_sequences=True),
                                real_keras.layers.GRU(4, return_sequences=True), real_keras.layers.SimpleRNN(3),
                                real_keras.layers.BatchNormalization(), real_keras.layers.Dense(2, activation="softmax")])
    km.layers[4].set_weights([rng.uniform(0.5, 1.5, 3), rng.normal(size=3), rng.normal(size=3), rng.uniform(0.5, 2, 3)])
    x = rng.integers(0, 20, (7, 6)).astype(np.float32)
    np.testing.assert_allclose(keras.from_keras(km).predict(x), km.predict(x, verbose=0), atol=1e-5)


@keras_only
def test_custom_objects_are_named_unless_aliases():
    class MyDense(real_keras.layers.Dense):
        pass

    def my_relu(v):
        return real_keras.activations.relu(v)

    custom = real_keras.Sequential([real_keras.Input((4,)), MyDense(3)])
    with pytest.raises(tusk.UnsupportedError, match="MyDense"):
        keras.from_keras(custom)
    aliased = keras.from_keras(custom, custom_objects={"MyDense": real_keras.layers.Dense})
    assert aliased.layers[0].class_name == "Dense"

    act = real_keras.Sequential([real_keras.Input((4,)), real_keras.layers.Dense(3, activation=my_relu, name="d")])
    with pytest.raises(tusk.UnsupportedError, match="my_relu"):
        keras.from_keras(act)
    model = keras.from_keras(act, custom_objects={"my_relu": real_keras.activations.relu})
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x), act.predict(x, verbose=0), atol=1e-5)


@keras_only
@pytest.mark.parametrize("normalize", [False, True])
def test_dot_of_two_embeddings_matches_keras(normalize):
    """Elephas' recommender test model: two ids, two Embeddings, Flatten, Dot(axes=1)."""
    k = real_keras
    users, items = k.Input(shape=(1,), name="user_input"), k.Input(shape=(1,), name="item_input")
    u = k.layers.Flatten()(k.layers.Embedding(output_dim=6, input_dim=20)(users))
    i = k.layers.Flatten()(k.layers.Embedding(output_dim=6, input_dim=30)(items))
    real = k.Model([users, items], k.layers.Dot(axes=1, normalize=normalize)([u, i]))
    ours = keras.from_keras(real)
    ids = [np.array([[1], [5], [19]], dtype="float32"), np.array([[0], [7], [29]], dtype="float32")]
    np.testing.assert_allclose(ours.predict(ids, verbose=0), real.predict(ids, verbose=0), rtol=1e-5, atol=1e-6)
    ours.compile(optimizer="sgd", loss="mean_squared_error")
    ours.fit(ids, np.array([[1.0], [0.0], [2.0]], dtype="float32"), epochs=2, verbose=0)


def test_dot_layer_in_tusk_keras_and_refusals():
    a, b = Input((4,)), Input((4,))
    model = Model([a, b], layers.Dot(axes=1)([a, b]))
    x = [np.ones((2, 4), "float32"), np.full((2, 4), 2.0, "float32")]
    np.testing.assert_allclose(model.predict(x, verbose=0), [[8.0], [8.0]])
    c, d = Input((2, 3)), Input((2, 3))
    with pytest.raises(tusk.UnsupportedError, match="Dot"):
        Model([c, d], layers.dot([c, d], axes=2)).summary()


def test_unbuilt_and_empty_sequential_round_trip_as_keras_writes_them():
    model = Sequential()
    model.add(Dense(1, "linear"))
    assert model.get_weights() == []
    text = model.to_json()
    assert "build_input_shape" not in text
    back = model_from_json(text)
    assert back.to_json() == text and back.get_weights() == []
    back.compile(optimizer="sgd", loss="mse")
    back.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)  # builds from the data
    assert back.get_weights()[0].shape == (3, 1)
    empty = Sequential()
    empty.build((1,))
    assert empty.get_weights() == [] and model_from_json(empty.to_json()).to_json() == empty.to_json()


@keras_only
def test_keras3_positional_metrics_as_loss_weights_are_dropped_with_a_warning():
    """Keras 3 reads compile(opt, loss, ['acc']) as loss_weights=['acc'] and cannot use them;
    Elephas compiles again without them, and so does tusk (with a warning)."""
    real = real_keras.Sequential([real_keras.Input((3,)), real_keras.layers.Dense(1)])
    real.compile("sgd", "mse", ["mae"])
    with pytest.warns(UserWarning, match="not numbers"):
        ours = keras.from_keras(real)
    assert ours.evaluate(np.ones((2, 3), "float32"), np.ones((2, 1), "float32"), verbose=0) >= 0.0
