"""The public modules Elephas and dist-keras users import, under tusk's names: `tusk.utils`
(Elephas' and dist-keras' helpers), `tusk.utils.model_utils`, `tusk.enums`, `tusk.ml.params`,
`tusk.spark_model.AsynchronousSparkModel`, and the Spark extra's clear errors."""
import json
import sys

import numpy as np
import pytest

from tusk import ConfigError
from tusk.enums import Frequency, Mode
from tusk.keras.layers import Dense
from tusk.keras.models import Sequential
from tusk.utils import model_utils


def test_utils_exports_elephas_and_distkeras_names():
    from tusk.utils import (add_params, deserialize_keras_model, dict_to_model, divide_by, get_neutral,  # noqa: F401
                            get_os_username, json_to_dataframe_row, lp_to_simple_rdd, model_to_dict, serialize_keras_model,
                            shuffle, subtract_params, to_one_hot_encoded_dense, to_simple_rdd)

    a, b = [np.ones(2), np.full(3, 2.0)], [np.ones(2), np.ones(3)]
    np.testing.assert_array_equal(add_params(a, b)[1], [3, 3, 3])
    np.testing.assert_array_equal(subtract_params(a, b)[1], [1, 1, 1])
    np.testing.assert_array_equal(divide_by(a, num_workers=2)[0], [0.5, 0.5])
    assert [x.shape for x in get_neutral(a)] == [(2,), (3,)]
    np.testing.assert_array_equal(to_one_hot_encoded_dense(2, 4), [0, 0, 1, 0])
    assert isinstance(get_os_username(), str) and get_os_username()


def test_model_dicts_round_trip_exactly():
    from tusk.utils import deserialize_keras_model, dict_to_model, model_to_dict, serialize_keras_model

    model = Sequential([Dense(3, input_dim=2), Dense(1, "linear")])
    d = model_to_dict(model)
    assert list(d) == ["model", "weights"]
    back = dict_to_model(d)
    assert back.to_json() == model.to_json()
    assert all(np.array_equal(x, y) for x, y in zip(back.get_weights(), model.get_weights()))
    again = deserialize_keras_model(serialize_keras_model(model))
    assert all(np.array_equal(x, y) for x, y in zip(again.get_weights(), model.get_weights()))


def test_model_type_json_and_multi_io():
    text = json.dumps({"t": model_utils.ModelType.REGRESSION}, cls=model_utils.ModelTypeEncoder)
    assert json.loads(text, object_hook=model_utils.as_enum)["t"] is model_utils.ModelType.REGRESSION
    model = Sequential([Dense(1, input_dim=2)])
    assert not model_utils.is_multiple_input_model(model) and not model_utils.is_multiple_output_model(model)
    with pytest.raises(ValueError, match="ModelType"):
        model_utils.LossModelTypeMapper().register_loss("x", "regression")


def test_enums_are_the_plain_names():
    assert Mode.SYNCHRONOUS == "synchronous" and [m.value for m in Mode] == ["synchronous", "asynchronous", "hogwild"]
    assert Frequency.BATCH == "batch" and json.dumps(Frequency.EPOCH) == '"epoch"'
    from tusk.enums import frequency, modes  # noqa: F401  (Elephas' module paths)


def test_spark_model_takes_enums_and_asynchronous_spark_model():
    from tusk.spark_model import AsynchronousSparkModel, SparkModel

    model = Sequential([Dense(2, input_dim=2, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    assert SparkModel(model, mode=Mode.HOGWILD, frequency=Frequency.BATCH).get_config()["mode"] == "hogwild"
    spark_model = AsynchronousSparkModel(model, frequency=Frequency.BATCH, port=None)
    assert (spark_model.mode, spark_model.frequency) == ("asynchronous", "batch")
    with pytest.raises(ValueError, match="mode"):
        AsynchronousSparkModel(model, mode="lockstep")


def test_trainer_parameter_server_num_updates():
    from tusk.trainers import DOWNPOUR

    model = Sequential([Dense(2, input_dim=2, activation="softmax")])
    trainer = DOWNPOUR(model, worker_optimizer="adam", loss="categorical_crossentropy", num_workers=2)
    assert trainer.parameter_server.num_updates == 0
    trainer.report = {"updates": 7}
    assert trainer.parameter_server.num_updates == 7


def test_executor_import_failure_is_one_clear_error():
    from tusk.spark.jobs import executor_error

    text = ("py4j.protocol.Py4JJavaError: An error occurred while calling o1.collect.\n"
            "  File \"pyspark/serializers.py\", line 1, in loads\nModuleNotFoundError: No module named 'tusk'\n")
    error = executor_error(RuntimeError(text))
    assert isinstance(error, ConfigError) and "cannot import tusk" in str(error) and "tusk[spark]" in str(error)
    assert executor_error(RuntimeError("java.lang.OutOfMemoryError")) is None


def test_an_executor_error_comes_back_as_its_class_by_its_marker_line():
    from tusk.errors import ShapeError, tagged, to_marker
    from tusk.spark.jobs import executor_error

    @tagged
    def partition(rows):
        yield from rows
        raise ShapeError("layer 'dense' expects 4 features,\nnot 3")

    with pytest.raises(ShapeError) as raised:
        list(partition([1]))
    # As Spark shows it on the driver: the executor's traceback inside a Java exception.
    text = f"py4j.protocol.Py4JJavaError: ...\nTraceback (most recent call last):\n  ...\ntusk.errors.ShapeError: {raised.value}\n\tat org.apache.spark..."
    error = executor_error(RuntimeError(text))
    assert type(error) is ShapeError and str(error) == "layer 'dense' expects 4 features,\nnot 3"
    assert isinstance(error, ValueError), "a tusk ShapeError is also a ValueError"
    # A line that merely looks like an error class is not taken for one.
    assert executor_error(RuntimeError("tusk.ShapeError: layer 'dense' expects 4 features")) is None
    assert to_marker(error).count("\n") == 0


def test_missing_pyarrow_names_the_extra(monkeypatch):
    from tusk.ml import adapter

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    with pytest.raises(ModuleNotFoundError, match=r"to_data_frame needs pyarrow.*tusk\[spark\]"):
        adapter.to_data_frame(None, np.zeros((2, 2)), np.zeros(2))


def test_keras_datasets_read_keras_cache_offline(tmp_path, monkeypatch):
    from tusk.keras.datasets import boston_housing, fashion_mnist, mnist

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="never downloads"):
        mnist.load_data()
    (tmp_path / "datasets").mkdir()
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    np.savez(tmp_path / "datasets" / "mnist.npz", x_train=images, y_train=np.array([1, 2], np.uint8),
             x_test=images[:1], y_test=np.array([3], np.uint8))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (2, 28, 28) and list(y_test) == [3]
    x = np.arange(50 * 13, dtype=np.float64).reshape(50, 13)
    np.savez(tmp_path / "datasets" / "boston_housing.npz", x=x, y=np.arange(50.0))
    (xb, yb), (xt, yt) = boston_housing.load_data()
    assert xb.shape == (40, 13) and xt.shape == (10, 13)
    np.testing.assert_array_equal(xb[:, 0] / 13, yb)  # rows and targets shuffled together
    (fx, fy), (tx, ty) = fashion_mnist.load_data()  # Debian's package
    assert fx.shape == (60000, 28, 28) and tx.shape == (10000, 28, 28) and fy.dtype == np.uint8


def test_model_dicts_of_real_keras_models_come_back_as_keras():
    keras = pytest.importorskip("keras")
    from tusk.utils import dict_to_model, model_to_dict

    real = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, "linear")])
    back = dict_to_model(model_to_dict(real))
    assert isinstance(back, keras.Model) and back.to_json() == real.to_json()
    assert all(np.array_equal(a, b) for a, b in zip(back.get_weights(), real.get_weights()))
