"""Elephas' `elephas.utils` and dist-keras' `distkeras.utils` in one package: the data helpers
(`rdd_utils`), weight-list arithmetic (`functional_utils`), model dicts (`serialization`),
`model_utils`, and dist-keras' helpers (`distkeras`), with their functions at the package level
as both libraries have them (`from tusk.utils import to_simple_rdd`, `from tusk.utils import *`)."""
from tusk.utils import distkeras, functional_utils, model_utils, rdd_utils, serialization
from tusk.utils.distkeras import (deserialize_keras_model, get_os_username, history_executor,
                                  history_executors_average, json_to_dataframe_row, new_dataframe_row, pickle_object,
                                  precache, serialize_keras_model, set_keras_base_directory, shuffle,
                                  to_dense_vector, to_one_hot_encoded_dense, uniform_weights, unpickle_object)
from tusk.utils.functional_utils import add_params, divide_by, get_neutral, subtract_params
from tusk.utils.rdd_utils import (encode_label, from_labeled_point, lp_to_simple_rdd, to_labeled_point,
                                  to_simple_rdd)
from tusk.utils.serialization import dict_to_model, model_to_dict

__all__ = [
    "deserialize_keras_model", "distkeras", "get_os_username", "history_executor", "history_executors_average",
    "json_to_dataframe_row", "new_dataframe_row", "pickle_object", "precache", "serialize_keras_model",
    "set_keras_base_directory", "shuffle", "to_dense_vector", "to_one_hot_encoded_dense", "uniform_weights",
    "unpickle_object",
    "add_params", "dict_to_model", "divide_by", "encode_label", "from_labeled_point", "functional_utils",
    "get_neutral", "lp_to_simple_rdd", "model_to_dict", "model_utils", "rdd_utils", "serialization",
    "subtract_params", "to_labeled_point", "to_simple_rdd",
]
