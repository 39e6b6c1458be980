"""The Spark ML `Params` of Elephas' `ElephasEstimator` and `ElephasTransformer`, with Elephas'
setter and getter names (`set_mode`/`get_mode`, `set_epochs`/`get_epochs`, ...) beside
PySpark's camel-case ones for the column Params (`setFeaturesCol`, `getOutputCol`, ...; the
camel-case setters warn as deprecated, as in Elephas).

Values are normalised when set, so that every Param survives Spark ML persistence as JSON:
the model config is Keras JSON text (a model object given instead is converted), the loss a
name or `{"class_name", "config"}`, metrics a list of names, the optimizer config a name or a
Keras optimizer config dict (an optimizer object is converted). `custom_objects` is kept as
given (it may hold Python classes; see `ml_model` for what is saved of it).
"""
import warnings

from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasFeaturesCol, HasLabelCol, HasOutputCol, HasProbabilityCol

from tusk import _tusk, enums

MODES = tuple(_tusk.MODES)
FREQUENCIES = tuple(_tusk.FREQUENCIES)


def _model_config(value):
    """Keras JSON text: as given, or `to_json()` of a model object (tusk.keras, `_tusk.Model`,
    real Keras)."""
    if value is None or isinstance(value, str):
        return value
    from tusk.keras.models import as_model

    return as_model(value).to_json()


def _choice(choices):
    def convert(value):
        value = TypeConverters.toString(enums.value(value))
        if value not in choices:
            raise ValueError(f"'{value}': choose one of {', '.join(choices)}")
        return value

    return convert


def _loss(value):
    from tusk.keras import losses

    return losses.serialize(value)


def _metrics(value):
    from tusk.keras import metrics

    return metrics.names(value)


def _optimizer(value):
    if value is None or isinstance(value, (str, dict)):
        return value
    from tusk.keras import optimizers

    return optimizers.get(value).get_config()


def _model_type(value):
    """A `ModelType` (or its name, any case) as the name "classification" or "regression"."""
    name = getattr(value, "name", value)
    name = TypeConverters.toString(name).lower()
    if name not in ("classification", "regression"):
        raise ValueError(f"model_type '{value}': choose ModelType.CLASSIFICATION or ModelType.REGRESSION")
    return name


def _identity(value):
    return value


def _param(name, doc, converter):
    return Param(Params._dummy(), name, doc, typeConverter=converter)


#: name → (doc, converter, Elephas setter, Elephas getter)
ACCESSORS = {
    "keras_model_config": ("the Keras model as JSON (model.to_json())", _model_config, "set_keras_model_config", "get_keras_model_config"),
    "mode": ("Elephas mode: asynchronous, synchronous or hogwild", _choice(MODES), "set_mode", "get_mode"),
    "frequency": ("Elephas frequency: epoch or batch", _choice(FREQUENCIES), "set_frequency", "get_frequency"),
    "optimizer_config": ("the workers' optimizer: a name or a Keras optimizer config", _optimizer, "set_optimizer_config", "get_optimizer_config"),
    "loss": ("the Keras loss", _loss, "set_loss", "get_loss"),
    "metrics": ("the Keras metrics", _metrics, "set_metrics", "get_metrics"),
    "epochs": ("number of epochs", TypeConverters.toInt, "set_epochs", "get_epochs"),
    "batch_size": ("mini-batch size", TypeConverters.toInt, "set_batch_size", "get_batch_size"),
    "num_workers": ("number of workers (Spark tasks)", TypeConverters.toInt, "set_num_workers", "get_num_workers"),
    "categorical": ("whether labels are class indices to one-hot encode", TypeConverters.toBoolean, "set_categorical_labels", "get_categorical_labels"),
    "nb_classes": ("number of classes", TypeConverters.toInt, "set_nb_classes", "get_nb_classes"),
    "validation_split": ("share of each worker's rows held out for validation", TypeConverters.toFloat, "set_validation_split", "get_validation_split"),
    "verbose": ("print a training summary when > 0", TypeConverters.toInt, "set_verbosity", "get_verbosity"),
    "custom_objects": ("names in the model config mapped to tusk built-ins", _identity, "set_custom_objects", "get_custom_objects"),
    "predict_classes": ("outputCol holds the class index, probabilityCol the probabilities (else outputCol holds the model's output, as Elephas)", TypeConverters.toBoolean, "set_predict_classes", "get_predict_classes"),
    "inference_batch_size": ("batch size of transform's predictions", TypeConverters.toInt, "set_inference_batch_size", "get_inference_batch_size"),
    "model_type": ("classification or regression (ModelType or its name; default: from the loss)", _model_type, "set_model_type", "get_model_type"),
}

ESTIMATOR_DEFAULTS = dict(mode="asynchronous", frequency="epoch", optimizer_config=None, loss="categorical_crossentropy",
                          metrics=["accuracy"], epochs=10, batch_size=32, num_workers=8, categorical=True, nb_classes=10,
                          validation_split=0.1, verbose=0, custom_objects={}, predict_classes=False,
                          inference_batch_size=256, outputCol="prediction")
TRANSFORMER_DEFAULTS = dict(custom_objects={}, predict_classes=False, inference_batch_size=256,
                            outputCol="prediction")
#: Keyword aliases Elephas versions used.
ALIASES = {"nb_epoch": "epochs", "optimizer": "optimizer_config"}


def _accessors(name, setter, getter):
    def set_value(self, value):
        return self._set(**{name: value})

    def get_value(self):
        return self.getOrDefault(name)

    set_value.__name__, get_value.__name__ = setter, getter
    set_value.__doc__ = get_value.__doc__ = ACCESSORS[name][0]
    return set_value, get_value


def _deprecated_camel(setter, name, value):
    """Elephas deprecates PySpark's camel-case column setters for its snake-case ones."""
    warnings.warn(f"{name} is deprecated: use {setter.__name__} (or pass the column to the constructor)",
                  DeprecationWarning, stacklevel=3)
    return setter(value)


class _ColumnSetters:
    """Elephas' snake-case and PySpark's camel-case setters of the column Params, and Elephas'
    `get_config`."""

    def get_config(self) -> dict:
        """Every Param's value (set or default) by name."""
        return {p.name: self.getOrDefault(p) for p in self.params if self.isDefined(p)}

    def set_features_col(self, value):
        return self._set(featuresCol=value)

    def set_label_col(self, value):
        return self._set(labelCol=value)

    def set_output_col(self, value):
        return self._set(outputCol=value)

    def setFeaturesCol(self, value):
        return _deprecated_camel(self.set_features_col, "setFeaturesCol", value)

    def setLabelCol(self, value):
        return _deprecated_camel(self.set_label_col, "setLabelCol", value)

    def setOutputCol(self, value):
        return _deprecated_camel(self.set_output_col, "setOutputCol", value)

    def setProbabilityCol(self, value):
        return self._set(probabilityCol=value)


def _with_params(cls, names):
    for name in names:
        doc, converter, setter, getter = ACCESSORS[name]
        setattr(cls, name, _param(name, doc, converter))
        set_value, get_value = _accessors(name, setter, getter)
        setattr(cls, setter, set_value)
        setattr(cls, getter, get_value)
    return cls


class ElephasEstimatorParams(HasFeaturesCol, HasLabelCol, HasOutputCol, HasProbabilityCol, _ColumnSetters):
    """Every Param of `ElephasEstimator`."""

    def set_nb_epoch(self, value):
        return self._set(epochs=value)

    def get_nb_epoch(self):
        return self.getOrDefault("epochs")


class ElephasTransformerParams(HasFeaturesCol, HasLabelCol, HasOutputCol, HasProbabilityCol, _ColumnSetters):
    """Every Param of `ElephasTransformer`."""


_with_params(ElephasEstimatorParams, list(ACCESSORS))
_with_params(ElephasTransformerParams, ["keras_model_config", "custom_objects", "predict_classes", "inference_batch_size", "model_type"])


def canonical(kwargs: dict) -> dict:
    """Keyword arguments with Elephas' aliases replaced by the Param names."""
    return {ALIASES.get(k, k): v for k, v in kwargs.items()}
