"""Elephas' `elephas.ml_model` on tusk: `ElephasEstimator` (a `pyspark.ml.Estimator`),
`ElephasTransformer` (the fitted `pyspark.ml.Model`), `load_ml_estimator`, `load_ml_transformer`.

`ElephasEstimator(model=None, **params)`: `model` (optional) is a Keras-style model (tusk.keras,
`_tusk.Model`, real Keras) whose JSON becomes `keras_model_config`, whose weights are the starting
point and whose compile settings fill `loss`/`metrics`/`optimizer_config` unless given; the
Params (`tusk.spark.ml_params`) are Elephas' (`mode`, `frequency`, `epochs`, `batch_size`, `num_workers`,
`categorical`, `nb_classes`, `validation_split`, `featuresCol`, `labelCol`, `outputCol`, ...).
`fit(df)` compiles the model, trains it through `tusk.spark_model.SparkModel` (the Spark runner:
parameter server on a Rust thread of the driver, one task per partition, `mode` and `frequency`
honoured) and returns an `ElephasTransformer` holding the trained weights and the run's
`training_report` / `training_histories`.

`ElephasTransformer.transform(df)` predicts in Rust per partition (`tusk.spark.inference`:
`mapInArrow`, the model JSON and weights broadcast) and adds `outputCol` as Elephas does: for
a classifier the model's output vector (`array<double>`, e.g. the softmax probabilities), for
a regression model its output (a double for one output unit). `model_type` (a `ModelType` or
its name) says which; unset, the loss decides through `LossModelTypeMapper` (an unknown loss is
a classifier's). With `predict_classes=True` a classifier's `outputCol` holds the class index
(a double) and `probabilityCol` the probabilities (a vector). Index and vector are made by
Spark SQL functions, not Python. `get_model()` returns a real Keras model when the estimator
was given one, else a tusk.keras model.

Persistence is Spark ML's (`save(path)` replaces what is at `path`, as Elephas' did; `load(path)`;
inside `Pipeline.save`/`PipelineModel.load`):
the Params as Spark's JSON metadata, the weights as float32 chunks in Parquet under `path/data`
(any Hadoop file system). `custom_objects` values that are not JSON (Python classes) are not
saved: give them again after loading. Elephas wrote one `.h5` file; tusk writes a directory.
"""
import json
import warnings

import numpy as np
from pyspark.ml import Estimator, Model
from pyspark.ml.util import MLReadable, MLWritable

from tusk import _tusk
from tusk.spark import columns as cols
from tusk.keras.interop import resolve_loss
from tusk.ml_persistence import Reader as _Reader
from tusk.ml_persistence import Writer as _Writer
from tusk.spark.ml_params import (ESTIMATOR_DEFAULTS, TRANSFORMER_DEFAULTS, ElephasEstimatorParams,
                            ElephasTransformerParams, canonical)


def _keras_model(config: str, custom_objects=None, params=None, training_config=None):
    """A tusk.keras model from Keras JSON, optionally with flat weights and compiled."""
    from tusk.keras.models import as_model, model_from_json

    if not isinstance(config, str) or not config.lstrip().startswith("{"):
        raise _tusk.ConfigError("keras_model_config: expected the model's JSON (model.to_json()); YAML is not supported")
    model = model_from_json(config, custom_objects=custom_objects or None)
    if params is not None:
        model._core.set_params(np.ascontiguousarray(params, dtype=np.float32))
    if training_config:
        core = model._core
        core.compile(training_config)
        model = as_model(core)  # wraps the compiled core, taking over its compile settings
    return model


class _UsersModel(MLWritable, MLReadable):
    """What the estimator and the transformer share: `get_model()` in the form the user gave
    the model (`_users_model`) and Spark ML persistence (`tusk.ml_persistence`), where `save`
    replaces what is at the path, as Elephas' `save` did. Subclasses give `_tusk_model()`."""

    def get_model(self):
        """The model (the transformer's trained and compiled when its training config is known;
        the estimator's with its starting weights): a real Keras model when the estimator was
        given one, else a tusk.keras model."""
        return _users_model(self._tusk_model(), self.get_keras_model_config(), self.returns_keras,
                            self.get_custom_objects())

    def write(self):
        return _Writer(self)

    @classmethod
    def read(cls):
        return _Reader(cls)

    def save(self, path):
        self.write().overwrite().save(path)


def _users_model(model, config_text, returns_keras, custom_objects):
    """`model` (tusk.keras) as the user gave it: a real Keras model when they handed one in, or
    when the model config is Keras' own JSON (Keras 3 writes `build_config`/`compile_config`
    beside the architecture, tf.keras 2 `keras_version`) and Keras is installed;
    Keras' own JSON is then read back by Keras, so that `to_json()` gives the same text."""
    from tusk.keras.interop import keras_available, to_keras, written_by_keras

    keras_json = written_by_keras(config_text)
    if returns_keras or (keras_json and keras_available()):
        return to_keras(model, config_text if keras_json else None, custom_objects)
    return model


class ElephasEstimator(Estimator, ElephasEstimatorParams, _UsersModel):
    """Elephas' Spark ML Estimator: fits a Keras-style model on a DataFrame; see the module doc."""

    def __init__(self, model=None, **kwargs):
        super().__init__()
        self._setDefault(**ESTIMATOR_DEFAULTS)
        self._initial = None  # (model JSON, flat weights) of a model object handed in
        self.returns_keras = False  # get_model() gives a real Keras model (one was handed in)
        if model is not None:
            self._adopt(model, kwargs)
        self.set_params(**kwargs)

    def _adopt(self, model, kwargs):
        if isinstance(model, str):
            kwargs.setdefault("keras_model_config", model)
            return
        from tusk.keras.interop import is_keras_model
        from tusk.spark.models import as_keras

        self.returns_keras = is_keras_model(model)
        model = as_keras(model)
        text = model.to_json()
        kwargs.setdefault("keras_model_config", text)
        self._initial = (text, model._core.params())
        config = model._core.training_config()
        if config is not None:
            config = json.loads(config)
            kwargs.setdefault("loss", config["loss"][0] if len(config.get("loss") or []) == 1 else config["loss"])
            kwargs.setdefault("metrics", config.get("metrics") or [])
            kwargs.setdefault("optimizer_config", config.get("optimizer"))

    def set_params(self, **kwargs):
        """Sets the given Params (Elephas' names; `nb_epoch` and `optimizer` accepted)."""
        return self._set(**canonical(kwargs))

    setParams = set_params

    def _tusk_model(self):
        text = self.get_keras_model_config()
        params = self._initial[1] if self._initial and self._initial[0] == text else None
        return _keras_model(text, self.get_custom_objects(), params)

    def _compiled_model(self):
        model = self._tusk_model()
        loss = self.get_loss()
        loss = [loss] if isinstance(loss, dict) else loss  # a dict alone would read as {output: loss}
        loss = resolve_loss(loss, self.get_custom_objects())  # a custom loss' name -> its function (traced)
        model.compile(optimizer=self.get_optimizer_config() or "rmsprop", loss=loss, metrics=self.get_metrics())
        return model

    def _training_frame(self, df, core):
        """Features and label columns; with `categorical`, class indices are one-hot encoded in
        Spark SQL when the model has a k-wide output and its loss needs one-hot targets
        (categorical_crossentropy takes the indices as they are)."""
        from pyspark.sql import functions as F

        features, label = self.getFeaturesCol(), self.getLabelCol()
        scalar = not (cols.is_vector(df, label) or cols.is_array(df, label))
        wide = int(np.prod(core.output_shapes[0])) > 1
        takes_index = cols.loss_name(self.get_loss()) in ("categoricalcrossentropy", "sparsecategoricalcrossentropy")
        if self.get_categorical_labels() and scalar and wide and not takes_index:
            return df.select(F.col(features), cols.one_hot(F.col(label), self.get_nb_classes()).alias(label))
        return df.select(features, label)

    def _workers(self, sc) -> int:
        n = self.get_num_workers()
        slots = sc.defaultParallelism
        if self.get_mode() == "synchronous" and n > slots:
            warnings.warn(f"ElephasEstimator: synchronous training runs all {n} workers at once but Spark has "
                          f"{slots} task slots; using {slots} workers", stacklevel=3)
            return slots
        return n

    def _model_type(self):
        """`model_type` when set, else what the loss trains (Elephas' `LossModelTypeMapper`)."""
        if self.isSet("model_type"):
            return self.get_model_type()
        return cols.loss_kind(self.get_loss())

    def _fit(self, df):
        from tusk.spark_model import SparkModel

        model = self._compiled_model()
        spark_model = SparkModel(model, mode=self.get_mode(), frequency=self.get_frequency(),
                                 num_workers=self._workers(df.sparkSession.sparkContext), batch_size=self.get_batch_size())
        spark_model.fit(self._training_frame(df, model._core), epochs=self.get_epochs(), batch_size=self.get_batch_size(),
                        verbose=self.get_verbosity(), validation_split=self.get_validation_split(),
                        features_col=self.getFeaturesCol(), label_col=self.getLabelCol())
        core = spark_model._core
        transformer = ElephasTransformer(
            keras_model_config=core.to_json(), weights=core.params(), training_config=core.training_config(),
            featuresCol=self.getFeaturesCol(), labelCol=self.getLabelCol(), outputCol=self.getOutputCol(),
            probabilityCol=self.getProbabilityCol(), custom_objects=self.get_custom_objects(),
            predict_classes=self.get_predict_classes(), inference_batch_size=self.get_inference_batch_size(),
            model_type=self._model_type())
        transformer.returns_keras = self.returns_keras
        transformer.training_report = spark_model.report
        transformer.training_histories = spark_model.training_histories
        return transformer



class ElephasTransformer(Model, ElephasTransformerParams, _UsersModel):
    """A trained model as a Spark ML Model (Transformer); see the module doc. `weights`: the
    trained weights (Keras order, a list of arrays) or the flat float32 buffer."""

    def __init__(self, weights=None, training_config=None, **kwargs):
        super().__init__()
        self._setDefault(**TRANSFORMER_DEFAULTS)
        self._set(**canonical(kwargs))
        self.training_config = training_config
        self.training_report, self.training_histories = None, []
        self.returns_keras = False  # get_model() gives a real Keras model (the estimator was given one)
        self._params_flat, self._model, self._pending_weights = None, None, None
        if weights is not None:
            self.set_weights(weights)

    def set_params(self, **kwargs):
        self._model = None
        return self._set(**canonical(kwargs))

    def _set(self, **kwargs):
        result = super()._set(**kwargs)
        if getattr(self, "_pending_weights", None) is not None and self.isDefined("keras_model_config"):
            weights, self._pending_weights = self._pending_weights, None
            self.set_weights(weights)
        return result

    def set_weights(self, weights):
        """Keras-ordered arrays (`get_weights()`) or the flat float32 buffer. Arrays given
        before `keras_model_config` is set (as Elephas allows) are taken when it is."""
        if isinstance(weights, (list, tuple)):
            if not self.isDefined("keras_model_config"):
                self._pending_weights = list(weights)
                return
            core = _keras_model(self.get_keras_model_config(), self.get_custom_objects())._core
            core.set_weights([np.ascontiguousarray(w, dtype=np.float32) for w in weights])
            weights = core.params()
        self._params_flat, self._model = np.ascontiguousarray(weights, dtype=np.float32).reshape(-1), None

    @property
    def history(self):
        """Elephas' name for `training_histories`: per worker, its epochs' logs."""
        return self.training_histories

    @property
    def weights(self):
        """The trained weights as Keras orders them (a list of numpy arrays)."""
        return self._tusk_model().get_weights()

    def _tusk_model(self):
        key = (self.get_keras_model_config(), self.training_config)
        if self._model is None or self._model[0] != key:  # built again after a Param changed
            self._model = (key, _keras_model(key[0], self.get_custom_objects(), self._params_flat, key[1]))
        return self._model[1]

    def _transform(self, df):
        from pyspark.sql import functions as F

        from tusk.spark.inference import predict_data_frame

        core, tmp = self._tusk_model()._core, "__tusk_output"
        width = int(np.prod(core.output_shapes[0]))
        out = predict_data_frame(core, df, self.getFeaturesCol(), tmp, batch_size=self.get_inference_batch_size())
        y, output, probability = F.col(tmp).cast("array<double>"), self.getOutputCol(), self.getProbabilityCol()
        if self._kind() == "regression":
            return out.withColumn(output, y[0] if width == 1 else y).drop(tmp)
        if not self.get_predict_classes():  # Elephas: the model's output vector, as array<double>
            return out.withColumn(output, y).drop(tmp)
        if width == 1:  # one sigmoid unit: P(class 1)
            p = y[0]
            probs, index = F.array(1.0 - p, p), (p >= 0.5).cast("double")
        else:
            probs, index = y, cols.argmax(y)
        out = out.withColumn(probability, cols.to_vector(probs)) if probability else out
        return out.withColumn(output, index).drop(tmp)

    def _kind(self):
        """`model_type` when set, else what the training loss trains; "classification" when
        unknown (as Elephas)."""
        if self.isDefined("model_type"):
            return self.get_model_type()
        loss = json.loads(self.training_config).get("loss") if self.training_config else None
        return cols.loss_kind(loss)



def load_ml_estimator(file_name: str) -> ElephasEstimator:
    """An `ElephasEstimator` saved by `estimator.save(file_name)`."""
    return ElephasEstimator.load(file_name)


def load_ml_transformer(file_name: str) -> ElephasTransformer:
    """An `ElephasTransformer` saved by `transformer.save(file_name)`."""
    return ElephasTransformer.load(file_name)
