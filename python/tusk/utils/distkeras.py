"""dist-keras' `distkeras.utils` names, for `from tusk.utils import *` in dist-keras code.

DataFrames: `shuffle(df)` (random order, cached), `precache(df, num_workers)`,
`new_dataframe_row(row, name, value)`, `json_to_dataframe_row(text)`. Models:
`serialize_keras_model(model)` / `deserialize_keras_model(d)` (`{"model": JSON, "weights":
arrays}`), `uniform_weights(model, constraints)`. Values: `to_one_hot_encoded_dense(value, n_dim)`
(also `to_dense_vector`, its former name), `pickle_object` / `unpickle_object` (local use only:
tusk never sends pickles over the network). Histories: `history_executor(history, id)`,
`history_executors_average(history)`. Misc: `get_os_username()`, `set_keras_base_directory()`.
"""
import getpass
import json
import pickle

import numpy as np


def get_os_username():
    return getpass.getuser()


def set_keras_base_directory(base_dir=None):
    """dist-keras pointed Keras' cache at a per-user directory; tusk keeps no such cache."""


def to_one_hot_encoded_dense(value, n_dim=2):
    vector = np.zeros(n_dim)
    vector[int(value)] = 1.0
    return vector


to_dense_vector = to_one_hot_encoded_dense


def new_dataframe_row(old_row, column_name, column_value):
    from pyspark.sql import Row

    fields = old_row.asDict()
    fields[column_name] = column_value
    return Row(**fields)


def json_to_dataframe_row(string):
    from pyspark.sql import Row

    return Row(**json.loads(string))


def pickle_object(o):
    return pickle.dumps(o, -1)


def unpickle_object(string):
    return pickle.loads(string)


def serialize_keras_model(model):
    return {"model": model.to_json(), "weights": model.get_weights()}


def deserialize_keras_model(dictionary):
    from tusk.utils.serialization import dict_to_model

    return dict_to_model(dictionary)


def uniform_weights(model, constraints=(-0.5, 0.5)):
    """Sets every weight of `model` to a uniform random value in `constraints`."""
    low, high = constraints
    model.set_weights([np.random.uniform(low, high, size=np.shape(w)).astype("float32") for w in model.get_weights()])


def shuffle(dataset):
    from pyspark.sql.functions import rand

    return dataset.orderBy(rand()).cache()


def precache(dataset, num_workers):
    dataset = dataset.repartition(num_workers).cache()
    dataset.count()
    return dataset


def history_executor(history, executor_id):
    return sorted((h for h in history if h["worker_id"] == executor_id), key=lambda h: h["iteration"])


def history_executors_average(history):
    """Per iteration, the mean over every worker of its `history` values."""
    by_iteration = {}
    for h in history:
        by_iteration.setdefault(h["iteration"], []).append(np.asarray(h["history"], dtype=np.float64))
    return [np.mean(v, axis=0) for _, v in sorted(by_iteration.items())]
