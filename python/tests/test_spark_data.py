"""Spark data paths of tusk: Elephas' rdd_utils and ml adapter, training on DataFrames (Arrow
batches, barrier mode for synchronous jobs), DataFrame prediction, and the serverless trainers
(`single`, `ensemble`) through the runner."""
import numpy as np
import pytest

from spark_helpers import core_accuracy, mlp
from tusk import _tusk
from tusk.ml.adapter import df_to_simple_rdd, from_data_frame, to_data_frame
from tusk.spark import partition_data, runner
from tusk.spark_model import SparkModel
from tusk.utils.rdd_utils import encode_label, from_labeled_point, lp_to_simple_rdd, to_labeled_point, to_simple_rdd

pytestmark = pytest.mark.spark


def test_rdd_utils_round_trips(sc):
    x = np.arange(24, dtype=np.float32).reshape(6, 4)
    labels = np.array([0, 2, 1, 2, 0, 1], dtype=np.float32)
    onehot = _tusk.to_categorical(labels, 3)
    pairs = to_simple_rdd(sc, x, onehot).collect()
    assert len(pairs) == 6 and np.array_equal(pairs[4][0], x[4]) and np.array_equal(pairs[4][1], onehot[4])

    lp = to_labeled_point(sc, x, onehot, categorical=True)
    assert [p.label for p in lp.collect()] == labels.tolist()
    features, back = from_labeled_point(lp, categorical=True, nb_classes=4)
    assert np.array_equal(features, x) and back.shape == (6, 4) and np.array_equal(back[:, :3], onehot)
    _, plain = from_labeled_point(to_labeled_point(sc, x, labels))
    assert np.array_equal(plain, labels)

    simple = lp_to_simple_rdd(lp, categorical=True).collect()  # nb_classes from the labels: 3
    assert np.array_equal(np.stack([y for _, y in simple]), onehot)
    assert np.array_equal(encode_label(2, 5), [0, 0, 1, 0, 0])


def test_ml_adapter_round_trips(sc):
    x = np.random.default_rng(0).random((50, 8)).astype(np.float32)
    labels = np.arange(50, dtype=np.float32) % 4
    df = to_data_frame(sc, x, _tusk.to_categorical(labels, 4), categorical=True)
    assert df.columns == ["features", "label"] and type(df.schema["features"].dataType).__name__ == "VectorUDT"
    features, onehot = from_data_frame(df, categorical=True, nb_classes=4)
    np.testing.assert_allclose(features, x, rtol=1e-6)
    assert np.array_equal(onehot, _tusk.to_categorical(labels, 4))
    rows = df_to_simple_rdd(df.withColumnRenamed("label", "y"), categorical=True, label_col="y").collect()
    assert len(rows) == 50 and np.array_equal(rows[3][1], [0, 0, 0, 1])


def test_partition_arrays_from_rows_batches_and_arrow():
    import pyarrow as pa

    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    rows_x, rows_y = partition_data.rows_to_arrays(zip(x, [0.0, 1.0, 2.0]), [4], [3])
    assert rows_x.shape == (3, 4) and rows_y.tolist() == [0, 1, 2]
    batch_x, batch_y = partition_data.rows_to_arrays([(x[:2], np.eye(3)[:2]), (x[2:], np.eye(3)[2:])], [4], [3])
    assert np.array_equal(batch_x, x) and np.array_equal(batch_y, np.eye(3))
    # Stacked as they come: the Rust worker moves them into the model's layout.
    image_x, _ = partition_data.rows_to_arrays([(x[i].reshape(2, 2), 1.0) for i in range(3)], [2, 2, 1], [1])
    assert image_x.shape == (3, 2, 2)
    empty_x, empty_y = partition_data.rows_to_arrays(iter(()), [4], [3])
    assert empty_x.shape == (0, 4) and empty_y.shape == (0, 3)
    table = pa.table({"f": pa.array([[1.0, 2.0], [3.0, 4.0]]), "l": [1.0, 0.0]})
    ax, ay = partition_data.arrow_to_arrays(table.to_batches(), "f", "l", [2], [1])
    assert ax.tolist() == [[1, 2], [3, 4]] and ay.shape == (2,)
    with pytest.raises(ValueError, match="same number"):
        partition_data.arrow_column_to_numpy(pa.array([[1.0], [2.0, 3.0]]), "f")


def test_partition_rows_are_stacked_in_chunks(monkeypatch):
    """Across chunk boundaries (CHUNK = 3 here) the arrays are the same as stacked at once, for
    pairs, numpy batches, LabeledPoints and features alone; a row of another shape in a later
    chunk is still named."""
    from pyspark.mllib.regression import LabeledPoint

    monkeypatch.setattr(partition_data, "CHUNK", 3)
    x = np.arange(40, dtype=np.float32).reshape(10, 4)
    labels = np.arange(10, dtype=np.float32) % 3
    rows_x, rows_y = partition_data.rows_to_arrays(iter(list(zip(x, labels))), [4], [3])
    assert np.array_equal(rows_x, x) and np.array_equal(rows_y, labels) and rows_x.flags.c_contiguous
    batches = [(x[i:i + 2], np.eye(3)[labels[i:i + 2].astype(int)]) for i in range(0, 10, 2)]
    batch_x, batch_y = partition_data.rows_to_arrays(iter(batches), [4], [3])
    assert np.array_equal(batch_x, x) and np.array_equal(batch_y.argmax(1), labels)
    points = [LabeledPoint(float(l), row.tolist()) for row, l in zip(x, labels)]
    lp_x, lp_y = partition_data.rows_to_arrays(iter(points), [4], [3])
    assert np.array_equal(lp_x, x) and np.array_equal(lp_y, labels)
    assert np.array_equal(partition_data.features_to_array(iter(list(x)), [2, 2, 1]), x)
    for wrong in (7, 9):  # inside a chunk; alone in the last chunk (found when joining)
        bad = list(zip(x, labels))
        bad[wrong] = (np.zeros(5, dtype=np.float32), 0.0)
        with pytest.raises(ValueError, match="features do not all have the same shape"):
            partition_data.rows_to_arrays(iter(bad), [4], [3])
        with pytest.raises(ValueError, match="features do not all have the same shape"):
            partition_data.features_to_array(iter([row for row, _ in bad]), [4])


@pytest.fixture(scope="module")
def train_df(sc, fashion):
    x, y, _, _ = fashion
    return to_data_frame(sc, x, y).repartition(2).cache()


@pytest.mark.parametrize("mode", ["synchronous", "asynchronous"])
def test_fit_on_a_data_frame(train_df, fashion, mode):
    _, _, tx, ty = fashion
    spark_model = SparkModel(mlp(), mode=mode, frequency="batch")
    spark_model.fit(train_df, epochs=2, batch_size=32, validation_split=0)
    assert [o["partition"] for o in spark_model.worker_outcomes] == [0, 1]
    assert sum(o["rows"] for o in spark_model.worker_outcomes) == 4000
    assert core_accuracy(spark_model._core, tx, ty) > 0.72


def test_predict_on_a_data_frame(sc, fashion):
    x, y, tx, _ = fashion
    spark_model = SparkModel(mlp(), mode="asynchronous", frequency="batch")
    test_df = to_data_frame(sc, tx[:300], np.zeros(300)).repartition(3)
    predicted = spark_model.predict(test_df).collect()
    assert len(predicted) == 300 and set(predicted[0].asDict()) == {"features", "label", "prediction"}
    features = np.array([row.features.toArray() for row in predicted], dtype=np.float32)
    got = np.array([row.prediction for row in predicted], dtype=np.float32)
    np.testing.assert_allclose(got, spark_model._core.predict([features])[0], rtol=1e-5, atol=1e-6)


def test_serverless_single_and_ensemble(sc, fashion):
    x, y, tx, ty = fashion
    model = mlp()
    rdd = to_simple_rdd(sc, x, y).repartition(2)
    single = runner.train(model, _tusk.job_spec("single", model, epochs=2), rdd)
    assert single.report["algorithm"] == "single" and len(single.outcomes) == 1
    model.set_params(single.weights)
    assert core_accuracy(model, tx, ty) > 0.75

    ensemble = runner.train(model, _tusk.job_spec("ensemble", model, epochs=2), rdd, num_workers=3)
    assert len(ensemble.members) == 3 and ensemble.report["workers"] == 3
    assert [o["partition"] for o in ensemble.outcomes] == [0, 1, 2]
    assert not np.array_equal(ensemble.members[0], ensemble.members[1])  # independent initialisations
    for weights in ensemble.members:
        model.set_params(weights)
        assert core_accuracy(model, tx, ty) > 0.7

    df_members = runner.train(model, _tusk.job_spec("ensemble", model, epochs=1), to_data_frame(sc, x, y).repartition(2))
    assert len(df_members.members) == 2 and df_members.members[0].shape == (model.n_params,)
