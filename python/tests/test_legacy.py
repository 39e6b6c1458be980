"""Keras 1 and tf.keras 2 spellings in users' Elephas and dist-keras code: each is read as what
it meant (the same model config as its Keras 3 spelling), with a KerasLegacyWarning, or refused
by name; Keras 3 code is unchanged."""
import json

import numpy as np
import pytest

from tusk import UnsupportedError
from tusk.keras import Input, Model, layers
from tusk.keras.layers import (
    LSTM, Activation, BatchNormalization, Convolution1D, Convolution2D, Conv2D, Dense, Dropout, Embedding, Flatten,
    MaxPooling1D, MaxPooling2D,
)
from tusk.keras.legacy import KerasLegacyWarning
from tusk.keras.models import Sequential, model_from_yaml
from tusk.keras.optimizers import SGD, Adam


def config_without_name(layer):
    cfg = layer.get_config()
    cfg.pop("name")
    return cfg


def same_config(old, new):
    assert config_without_name(old) == config_without_name(new)


def small_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = np.eye(3, dtype="float32")[(x[:, 0] > 0).astype(int) + (x[:, 1] > 1).astype(int)]
    return x, y


def mlp():
    return Sequential([Dense(16, input_dim=8, activation="relu"), Dense(3, activation="softmax")])


# ---- Keras 1 layer signatures -------------------------------------------------------------------
def test_convolution2d_keras1_positionals_are_filters_rows_cols():
    with pytest.warns(KerasLegacyWarning, match="Conv2D"):
        old = Convolution2D(32, 3, 3, border_mode="valid", input_shape=(28, 28, 1))
    same_config(old, Conv2D(32, (3, 3), padding="valid"))
    assert Sequential([old]).output_shape == (None, 26, 26, 32)  # not strides 3 (9x9)


def test_convolution2d_keras1_keywords():
    with pytest.warns(KerasLegacyWarning):
        old = Convolution2D(nb_filter=8, nb_row=5, nb_col=3, subsample=(2, 2), border_mode="same", init="he_normal",
                            activation="relu", dim_ordering="tf", bias=False)
    same_config(old, Conv2D(8, (5, 3), strides=(2, 2), padding="same", kernel_initializer="he_normal",
                            activation="relu", data_format="channels_last", use_bias=False))


def test_keras2_and_keras3_conv_forms_keep_their_meaning():
    same_config(Convolution2D(32, (3, 3)), Conv2D(32, (3, 3)))
    same_config(Convolution2D(32, 3), Conv2D(32, (3, 3)))
    assert Conv2D(32, 3, 2).get_config()["strides"] == [2, 2]  # Keras 3: third positional is strides


def test_channels_first_from_th_ordering_is_refused_by_name():
    with pytest.warns(KerasLegacyWarning):
        layer = Convolution2D(4, 3, 3, dim_ordering="th")
    assert layer.get_config()["data_format"] == "channels_first"
    with pytest.raises(UnsupportedError, match="data_format"):
        Sequential([Input((1, 8, 8)), layer]).summary()


def test_border_mode_full_is_refused():
    with pytest.raises(UnsupportedError, match="border_mode='full'"):
        Convolution2D(4, 3, 3, border_mode="full")


def test_keras1_positional_options_after_nb_col_are_refused():
    with pytest.raises(UnsupportedError, match="by keyword"):
        Convolution2D(4, 3, 3, "uniform")


def test_dense_keras1_keywords():
    with pytest.warns(KerasLegacyWarning, match="Dense"):
        old = Dense(output_dim=10, init="uniform", bias=False, W_regularizer=None)
    same_config(old, Dense(10, kernel_initializer="uniform", use_bias=False))


def test_both_old_and_new_keyword_is_an_error():
    with pytest.raises(TypeError, match="output_dim"):
        Dense(units=3, output_dim=4)


def test_dropout_pooling_embedding_batchnorm_lstm_keras1():
    with pytest.warns(KerasLegacyWarning):
        same_config(Dropout(p=0.25), Dropout(0.25))
        same_config(MaxPooling2D(pool_size=(2, 2), border_mode="same"), MaxPooling2D((2, 2), padding="same"))
        same_config(MaxPooling1D(pool_length=3, stride=1), MaxPooling1D(3, strides=1))
        same_config(Convolution1D(4, filter_length=5, subsample_length=2), Convolution1D(4, 5, strides=2))
        same_config(Embedding(100, 8, init="normal"), Embedding(100, 8, embeddings_initializer="normal"))
        same_config(BatchNormalization(beta_init="zeros", gamma_init="ones", mode=0), BatchNormalization())
        same_config(LSTM(output_dim=6, inner_activation="hard_sigmoid", dropout_W=0.1, forget_bias_init="one"),
                    LSTM(6, recurrent_activation="hard_sigmoid", dropout=0.1))
    with pytest.raises(UnsupportedError, match="mode=1"):
        BatchNormalization(mode=1)


def test_keras1_functional_model_input_output_keywords():
    x = Input((8,))
    y = Dense(3)(x)
    with pytest.warns(KerasLegacyWarning):
        model = Model(input=x, output=y)
    assert model.output_shape == (None, 3)


def test_keras3_code_gives_no_legacy_warning(recwarn):
    model = Sequential([Input((8,)), Dense(16, activation="relu"), Dropout(0.1), Dense(3, activation="softmax")])
    model.compile(optimizer=Adam(learning_rate=0.01), loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(*small_data(), epochs=1, verbose=0)
    assert not [w for w in recwarn if issubclass(w.category, KerasLegacyWarning)]


# ---- tf.keras 2 compile/fit/evaluate forms ----------------------------------------------------
def test_compile_positional_metrics_tf_keras2_order():
    model = mlp()
    model.compile(SGD(), "categorical_crossentropy", ["acc"])
    assert model.metrics_names == ["loss", "acc"]
    loss, acc = model.evaluate(*small_data(), verbose=0)
    assert 0.0 <= acc <= 1.0


def test_compile_positional_loss_weights_keras3_order():
    x = Input((8,))
    model = Model(x, [Dense(3, name="a")(x), Dense(1, name="b")(x)])
    model.compile("sgd", ["mse", "mse"], [0.5, 2.0])
    assert model._training_config["loss_weights"] == [0.5, 2.0]
    assert not model._training_config["metrics"]


def test_compile_positional_metrics_then_loss_weights():
    model = mlp()
    model.compile("sgd", "categorical_crossentropy", ["accuracy"], [1.0])
    assert model._training_config["metrics"] == ["accuracy"]
    assert model._training_config["loss_weights"] == [1.0]


def test_keras1_fit_nb_epoch_and_show_accuracy():
    x, y = small_data()
    model = mlp()
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    with pytest.warns(KerasLegacyWarning, match="nb_epoch"):
        history = model.fit(x, y, batch_size=16, nb_epoch=3, show_accuracy=True, verbose=0)
    assert len(history.history["loss"]) == 3
    assert "accuracy" in history.history
    with pytest.warns(KerasLegacyWarning):
        score, acc = model.evaluate(x, y, show_accuracy=True, verbose=0)
    assert 0.0 <= acc <= 1.0


def test_show_accuracy_keeps_the_optimizer_state():
    x, y = small_data()
    a, b = mlp(), mlp()
    b.set_weights(a.get_weights())
    for m in (a, b):
        m.compile(loss="categorical_crossentropy", optimizer="adam")
        m.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    with pytest.warns(KerasLegacyWarning):
        b.evaluate(x, y, show_accuracy=True, verbose=0)
    for m in (a, b):
        m.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_unknown_fit_argument_is_an_error():
    model = mlp()
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(TypeError, match="nb_epochs"):
        model.fit(*small_data(), nb_epochs=2)


def test_optimizer_lr_and_decay():
    with pytest.warns(KerasLegacyWarning, match="lr"):
        opt = SGD(lr=0.1, decay=1e-2)
    assert opt.get_config()["config"]["learning_rate"] == pytest.approx(0.1)
    assert opt.get_config()["config"]["decay"] == pytest.approx(1e-2)
    # decay changes training (the Rust optimizer runs it): same start, different result.
    x, y = small_data()
    runs = []
    for decay in (0.0, 0.5):
        model = mlp()
        if runs:
            model.set_weights(runs[0][0])
        start = model.get_weights()
        with pytest.warns(KerasLegacyWarning):
            model.compile(loss="categorical_crossentropy", optimizer=SGD(lr=0.5, decay=decay))
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        runs.append((start, model.get_weights()))
    assert not np.allclose(runs[0][1][0], runs[1][1][0])


def test_to_yaml_round_trips():
    model = mlp()
    text = model.to_yaml()
    back = model_from_yaml(text)
    assert json.loads(back.to_json())["config"]["layers"][1]["config"]["units"] == 16


def test_predict_classes_and_proba():
    x, y = small_data()
    model = mlp()
    with pytest.warns(KerasLegacyWarning):
        classes = model.predict_classes(x)
    np.testing.assert_array_equal(classes, model.predict(x, verbose=0).argmax(-1))
    binary = Sequential([Dense(1, input_dim=8, activation="sigmoid")])
    with pytest.warns(KerasLegacyWarning):
        assert set(np.unique(binary.predict_classes(x))) <= {0, 1}


def test_activation_layer_and_legacy_module_paths():
    from tusk.keras.layers.core import Dense as CoreDense
    from tusk.keras.layers.convolutional import Convolution2D as ConvPath

    assert CoreDense is Dense and ConvPath is Convolution2D and layers.Activation is Activation
