"""Elephas' `elephas.ml.params`: one Spark ML `Params` mixin per setting, each with Elephas'
Param name, default, and snake-case setter (returning self) and getter.

| mixin | Param | default |
| --- | --- | --- |
| HasKerasModelConfig | keras_model_config | (none) |
| HasMode / HasFrequency | mode / frequency | "asynchronous" / "epoch" |
| HasNumberOfClasses / HasCategoricalLabels | nb_classes / categorical | 10 / True |
| HasEpochs / HasBatchSize / HasVerbosity | epochs / batch_size / verbose | 10 / 32 / 0 |
| HasValidationSplit / HasNumberOfWorkers | validation_split / num_workers | 0.1 / 8 |
| HasKerasOptimizerConfig / HasMetrics / HasLoss | optimizer_config / metrics / loss | None / ["acc"] / (none) |
| HasCustomObjects / HasInferenceBatchSize | custom_objects / inference_batch_size | {} / None |

The Params and their docs are `tusk.spark.ml_params.ACCESSORS`, the ones `ElephasEstimator` and
`ElephasTransformer` carry; as in Elephas, the mixins store values as given (the estimator
and transformer check theirs).
"""
from pyspark.ml.param import Param, Params  # noqa: F401 (Elephas' module exports them)

from tusk.spark.ml_params import ACCESSORS, _accessors, _identity, _param

#: Elephas' mixin name -> (Param name, default; absent: no default).
MIXINS = {
    "HasKerasModelConfig": ("keras_model_config",),
    "HasMode": ("mode", "asynchronous"),
    "HasFrequency": ("frequency", "epoch"),
    "HasNumberOfClasses": ("nb_classes", 10),
    "HasCategoricalLabels": ("categorical", True),
    "HasEpochs": ("epochs", 10),
    "HasBatchSize": ("batch_size", 32),
    "HasVerbosity": ("verbose", 0),
    "HasValidationSplit": ("validation_split", 0.1),
    "HasNumberOfWorkers": ("num_workers", 8),
    "HasKerasOptimizerConfig": ("optimizer_config", None),
    "HasMetrics": ("metrics", ["acc"]),
    "HasLoss": ("loss",),
    "HasCustomObjects": ("custom_objects", {}),
    "HasInferenceBatchSize": ("inference_batch_size", None),
}


def _mixin(class_name, name, *default):
    # As Elephas' mixins, these store what they are given; ElephasEstimator/Transformer,
    # which train with the values, check them (tusk.spark.ml_params).
    doc, _, setter, getter = ACCESSORS[name]
    converter = _identity
    set_value, get_value = _accessors(name, setter, getter)

    def __init__(self):
        super(cls, self).__init__()
        if default:
            self._setDefault(**{name: default[0]})

    cls = type(class_name, (Params,), {"__init__": __init__, name: _param(name, doc, converter), setter: set_value,
                                        getter: get_value, "__doc__": f"Mixin for the Param `{name}`: {doc}."})
    cls.__module__ = __name__
    return cls


for _name, _spec in MIXINS.items():
    globals()[_name] = _mixin(_name, *_spec)

__all__ = ["Param", "Params", *MIXINS]
