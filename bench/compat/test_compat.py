"""The compatibility harness' own machinery: the import rewrite (the only edit it makes), the
private-test filter and the summary, and the offline data it writes."""
import os

import numpy as np
import pytest

from offline import write_keras_cache, write_otto
from rewrite import rewrite
from suites import is_private, summarize

SOURCE = """from elephas.spark_model import SparkModel
import elephas.utils as eu
from tensorflow.keras.layers import Dense
from tensorflow import keras
import keras
from keras import Model
import tensorflow.keras.backend as K
with patch('elephas.parameter.client.socket'):
    conf.setAppName('Elephas_App')
SparkModel(model, elephas_optimizer=None)
from distkeras.trainers import *
"""


def test_rewrite_to_tusk_keras():
    out = rewrite(SOURCE, "tusk")
    assert "from tusk.spark_model import SparkModel" in out and "import tusk.utils as eu" in out
    assert "from tusk.keras.layers import Dense" in out and "from tusk import keras" in out
    assert "import tusk.keras as keras\n" in out and "from tusk.keras import Model" in out
    assert "import tusk.keras.backend as K" in out and "'tusk.parameter.client.socket'" in out
    assert "'Elephas_App'" in out and "elephas_optimizer=None" in out and "from tusk.trainers import *" in out


def test_rewrite_keeping_real_keras():
    out = rewrite(SOURCE + "from tensorflow.keras.datasets import mnist\n", "real")
    assert "from tusk.spark_model import SparkModel" in out and "from tensorflow.keras.layers import Dense" in out
    assert "from tusk.keras.datasets import mnist" in out
    assert "\nimport keras\n" in out
    with pytest.raises(ValueError):
        rewrite(SOURCE, "theano")


def test_private_tests_are_not_counted():
    rows = [("tests.parameter.test_client::test_client", "failed", "x"), ("tests.test_ml_model::test_a", "passed", ""),
            ("tests.utils.test_rdd_utils::test_b", "failed", "y"), ("tests.test_ml_model::test_c", "skipped", "")]
    assert is_private(rows[0][0]) and not is_private(rows[1][0])
    assert is_private("::tests.parameter.test_client")  # a collection failure
    assert summarize(rows) == (1, 2)


def test_offline_data(tmp_path):
    home = write_keras_cache(str(tmp_path))
    with np.load(os.path.join(home, "datasets", "mnist.npz")) as f:
        assert f["x_train"].shape == (60000, 28, 28) and f["y_test"].shape == (10000,)
    with np.load(os.path.join(home, "datasets", "boston_housing.npz")) as f:
        assert f["x"].shape == (506, 13) and f["y"].shape == (506,)
    write_otto(str(tmp_path), rows=50)
    header = open(tmp_path / "train.csv").readline().strip().split(",")
    assert header[0] == "id" and header[-1] == "target" and len(header) == 95


def test_failures_of_keras_itself_are_told_apart():
    from suites import keras_own

    keras_only = ('tests/test_x.py:12: in test_a\n    SGD(lr=0.1)\n'
                  '.venv/lib/python3.11/site-packages/keras/src/optimizers/sgd.py:60: in __init__\n    super().__init__(\n'
                  'E   ValueError: Argument(s) not recognized')
    through_tusk = ('tests/test_x.py:12: in test_a\n    m.fit(rdd)\n/work/main/python/tusk/spark_model.py:120: in fit\n'
                    '.venv/lib/python3.11/site-packages/keras/src/models/model.py:9: in get\nE   ValueError: bad')
    inside_pytest = keras_only + "\n.venv/lib/python3.11/site-packages/_pytest/recwarn.py:331: in __exit__\nE   Failed: DID NOT WARN"
    assert keras_own(keras_only) and keras_own(inside_pytest)
    assert not keras_own(through_tusk) and not keras_own("E   AssertionError")
