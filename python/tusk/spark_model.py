"""Elephas' `elephas.spark_model` on tusk: `SparkModel`, `AsynchronousSparkModel`,
`SparkMLlibModel`, `load_spark_model`.

Only the import changes: `from tusk.spark_model import SparkModel` and the Elephas README runs
as it is. `SparkModel(model, mode, frequency, ...)` wraps a compiled model (tusk.keras, a
`_tusk.Model`, or a real Keras model converted by `tusk.keras.models.as_model`); `fit(rdd)`
trains it data-parallel through `tusk.spark.runner` (the parameter server on a Rust thread of
the driver, one Spark task per partition), `predict`/`evaluate` run locally on numpy arrays or
distributed on RDDs, `save`/`load_spark_model` keep the model with its Spark settings.

Beyond Elephas: `driver_optimizer` (older Elephas' driver-side SGD/RMSprop/Adagrad/Adadelta/Adam;
`optimizer=`/`elephas_optimizer=` accepted as aliases), `port=None` picks an ephemeral port,
fit also takes DataFrames, and the `JOB_SETTINGS` and `SERVER_SETTINGS` pass through as keyword
arguments.
After `fit`: `master_network` (the trained model), `training_histories` (per worker, Keras
`History.history` dicts), `report` (the server's report) and `worker_outcomes`.
"""
import json
import os
import shutil
import warnings

import numpy as np

from tusk import _tusk, enums
from tusk.spark import inference, models, runner

MODES = tuple(_tusk.MODES)
FREQUENCIES = tuple(_tusk.FREQUENCIES)
#: `_tusk.job_spec` settings a SparkModel passes through (those it does not set itself).
JOB_SETTINGS = tuple(k for k in _tusk.JOB_SETTINGS if k not in ("frequency", "epochs", "batch_size", "driver_optimizer", "validation_split"))
#: `tusk.spark.runner.train` settings a SparkModel passes through.
SERVER_SETTINGS = (*_tusk.SERVER_SETTINGS, "worker_timeout", "listen")
#: Elephas arguments that mean nothing to tusk (its protocol is its own; the model is compiled).
IGNORED = ("parameter_server_mode", "master_optimizer", "master_loss", "master_metrics")
#: The file beside the saved model that holds the SparkModel's settings.
CONFIG_FILE = "spark_model.json"


class SparkModel:
    """A compiled model trained data-parallel on Spark, as Elephas' SparkModel."""

    def __init__(self, model, mode="asynchronous", frequency="epoch", parameter_server_mode="http", num_workers=None,
                 custom_objects=None, batch_size=32, port=None, driver_optimizer=None, **kwargs):
        for alias in ("optimizer", "elephas_optimizer"):
            if alias in kwargs:
                value = kwargs.pop(alias)
                driver_optimizer = driver_optimizer if driver_optimizer is not None else value
        mode, frequency = enums.value(mode), enums.value(frequency)
        if mode not in MODES:
            raise ValueError(f"mode '{mode}': choose from one of the modes: {', '.join(MODES)}")
        if frequency not in FREQUENCIES:
            raise ValueError(f"frequency '{frequency}': choose 'epoch' or 'batch'")
        self.custom_objects = custom_objects or {}
        self._user_model = model
        self._master_network = models.as_keras(model, self.custom_objects)
        self.mode, self.frequency, self.parameter_server_mode = mode, frequency, parameter_server_mode
        self.num_workers, self.batch_size, self.port = num_workers, batch_size, port
        self.driver_optimizer = driver_optimizer
        self.job_settings = {k: kwargs.pop(k) for k in JOB_SETTINGS if k in kwargs}
        self.server_settings = {k: kwargs.pop(k) for k in SERVER_SETTINGS if k in kwargs}
        for k in IGNORED:
            kwargs.pop(k, None)
        self.kwargs = kwargs
        if kwargs:
            warnings.warn(f"SparkModel: ignoring unknown arguments {sorted(kwargs)}", stacklevel=2)
        self._training_histories, self.report, self.worker_outcomes = [], None, []

    # -- state -----------------------------------------------------------------------------
    @property
    def master_network(self):
        """The model being trained (after fit: the trained one)."""
        return self._master_network

    @master_network.setter
    def master_network(self, network):
        self._user_model = network
        self._master_network = models.as_keras(network, self.custom_objects)

    @property
    def training_histories(self):
        """Per worker, its epochs' logs (`{"loss": [...], "accuracy": [...]}`) from the last fit."""
        return self._training_histories

    @property
    def _core(self):
        return models.as_core(self._master_network)

    def get_config(self) -> dict:
        driver = models.optimizer_json(self.driver_optimizer)
        return dict(mode=self.mode, frequency=self.frequency, parameter_server_mode=self.parameter_server_mode,
                    num_workers=self.num_workers, batch_size=self.batch_size, port=self.port,
                    driver_optimizer=json.loads(driver) if driver and driver.lstrip().startswith("{") else driver,
                    **self.job_settings, **self.server_settings)

    def start_server(self):
        """Elephas API; tusk starts a fresh parameter server inside every fit."""

    def stop_server(self):
        """Elephas API; tusk's parameter server stops when fit returns or raises."""

    # -- training --------------------------------------------------------------------------
    def fit(self, rdd, epochs=10, batch_size=32, verbose=0, validation_split=0.1, **kwargs):
        """Trains on an RDD of `(features, label)` pairs (or a DataFrame: `features_col`,
        `label_col`) with this model's mode and frequency."""
        epochs = kwargs.pop("nb_epoch", epochs)
        num_workers = kwargs.pop("num_workers", self.num_workers)
        columns = {k: kwargs.pop(k) for k in ("features_col", "label_col") if k in kwargs}
        if kwargs:
            raise TypeError(f"fit: unexpected arguments {sorted(kwargs)}")
        core = self._core
        models.require_compiled(core, "SparkModel.fit")
        settings = dict(self.job_settings, frequency=self.frequency, epochs=int(epochs), batch_size=int(batch_size),
                        validation_split=float(validation_split or 0.0))
        if self.driver_optimizer is not None:
            settings["driver_optimizer"] = models.optimizer_json(self.driver_optimizer)
        job = _tusk.job_spec(self.mode, core, **settings)
        result = runner.train(core, job, rdd, num_workers, port=self.port or 0, **columns, **self.server_settings)
        core.set_params(result.weights)
        self._update_user_model(core)
        self.report, self.worker_outcomes = result.report, result.outcomes
        self._training_histories = models.histories(result.report)
        if verbose:
            self._print_summary()

    train = fit  # Elephas before 1.0

    def _update_user_model(self, core):
        """The model the user handed in gets the trained weights too, as in Elephas."""
        user = self._user_model
        if user is self._master_network or user is core or isinstance(user, str):
            return
        if isinstance(user, _tusk.Model):
            user.set_params(core.params())
        elif hasattr(user, "set_weights"):
            user.set_weights(self._master_network.get_weights())

    def _print_summary(self):
        r = self.report
        print(f"tusk {r['algorithm']}: {r['workers']} workers, {r['commits']} commits, "
              f"staleness mean {r.get('staleness_mean', 0):.2f} max {r.get('staleness_max', 0)}")
        for w, history in enumerate(self._training_histories):
            last = ", ".join(f"{k}: {v[-1]:.4f}" for k, v in history.items() if v and v[-1] is not None)
            print(f"  worker {w}: {len(next(iter(history.values()), []))} epochs; {last}")

    # -- inference -------------------------------------------------------------------------
    def predict(self, data):
        """Predictions for a numpy array (here, in Rust) or an RDD of features (on the
        executors), as Elephas returns them: a list with one array per sample, in the data's
        order (a list of such lists for several outputs). For a multi-input model each sample
        holds the inputs' values side by side (Elephas' `hsplit`). A DataFrame gets a
        `prediction` column."""
        if runner.is_data_frame(data):
            return inference.predict_data_frame(self._core, data, batch_size=self.batch_size)
        if hasattr(data, "mapPartitionsWithIndex"):
            outputs = inference.predict_rdd(self._core, data, batch_size=self.batch_size)
        else:
            core = self._core
            xs = core.conform_inputs([np.ascontiguousarray(data, dtype=np.float32)])
            outputs = core.predict(xs, batch_size=self.batch_size)
            outputs = outputs[0] if len(outputs) == 1 else outputs
        return list(outputs) if isinstance(outputs, np.ndarray) else [list(o) for o in outputs]

    def evaluate(self, x_test, y_test=None, **kwargs):
        """Loss (and metrics) as Keras returns them, on numpy arrays (here) or an RDD of
        `(features, label)` pairs (on the executors)."""
        batch_size = int(kwargs.pop("batch_size", self.batch_size) or 32)
        kwargs.pop("verbose", None)
        core = self._core
        if hasattr(x_test, "mapPartitions"):
            if y_test is not None:
                raise TypeError("evaluate: pass an RDD of (features, label) pairs alone, or numpy x_test and y_test")
            return models.keras_result(inference.evaluate_rdd(core, x_test, batch_size=batch_size))
        models.require_compiled(core, "SparkModel.evaluate")
        xs = core.conform_inputs([np.ascontiguousarray(x_test, dtype=np.float32)])
        y = models.conform_labels(core, np.ascontiguousarray(y_test, dtype=np.float32))
        return models.keras_result(core.evaluate(xs, [y], batch_size=batch_size))

    # -- persistence -----------------------------------------------------------------------
    def save(self, file_name, overwrite=False, to_hadoop=False):
        """Saves the model (a tusk model directory) with this SparkModel's settings, replacing
        an earlier save at `file_name` as Elephas' save did (`overwrite` is accepted for
        Elephas' signature). A directory holding anything but a saved model is refused, so
        that no user file is lost."""
        if to_hadoop:
            raise _tusk.UnsupportedError("SparkModel.save(to_hadoop=True): save locally and copy the directory")
        _clear_saved(file_name)
        self._core.save(file_name)
        with open(os.path.join(file_name, CONFIG_FILE), "w") as f:
            json.dump({"class_name": type(self).__name__, "config": self.get_config()}, f, indent=2)


class AsynchronousSparkModel(SparkModel):
    """Elephas 7's name for a SparkModel trained through the parameter server: `mode`
    asynchronous (default) or hogwild, per `frequency` epoch or batch."""

    def __init__(self, model, num_workers=None, custom_objects=None, batch_size=32, mode="asynchronous",
                 frequency="epoch", parameter_server_mode="http", port=None, **kwargs):
        super().__init__(model, mode=mode, frequency=frequency, parameter_server_mode=parameter_server_mode,
                         num_workers=num_workers, custom_objects=custom_objects, batch_size=batch_size, port=port,
                         **kwargs)


class SparkMLlibModel(SparkModel):
    """A SparkModel trained on RDDs of MLlib `LabeledPoint`s, predicting on MLlib vectors and
    matrices, as Elephas' SparkMLlibModel."""

    def train(self, labeled_points, epochs=10, batch_size=32, verbose=0, validation_split=0.1,
              categorical=False, nb_classes=None, **kwargs):
        from tusk.utils.rdd_utils import lp_to_simple_rdd

        epochs = kwargs.pop("nb_epoch", epochs)
        rdd = lp_to_simple_rdd(labeled_points, categorical, nb_classes)
        SparkModel.fit(self, rdd, epochs=epochs, batch_size=batch_size, verbose=verbose,
                       validation_split=validation_split, **kwargs)

    fit = train

    def predict(self, mllib_data):
        """A `DenseVector` for an MLlib Vector (one sample), a `DenseMatrix` for a Matrix
        (one sample per row)."""
        from pyspark.mllib.linalg import Matrix, Vector

        from tusk.mllib.adapter import from_matrix, from_vector, to_matrix, to_vector

        if isinstance(mllib_data, Matrix):
            return to_matrix(np.asarray(SparkModel.predict(self, from_matrix(mllib_data)), dtype=np.float64))
        if isinstance(mllib_data, Vector):
            row = from_vector(mllib_data)[None, :]
            return to_vector(np.asarray(SparkModel.predict(self, row), dtype=np.float64)[0])
        raise ValueError("Provided data must be of type Vector or Matrix")


#: What a saved SparkModel directory holds (tusk-core's model files and the settings).
SAVED_FILES = ("model.json", "model.safetensors", "training.json", "optimizer.safetensors", CONFIG_FILE)


def _clear_saved(path):
    """Removes an earlier save at `path`: a file, a directory of SAVED_FILES, or a tusk Spark ML
    save (`metadata/` and `data/` naming a tusk class). Anything else is refused."""
    if os.path.isfile(path):
        os.remove(path)
        return
    if not os.path.isdir(path):
        return
    entries = os.listdir(path)
    others = [f for f in entries if f not in SAVED_FILES]
    if others and not _is_tusk_ml_save(path, others):
        raise FileExistsError(f"{path} is a directory holding other files ({', '.join(sorted(others)[:3])}); "
                              "SparkModel.save replaces only an earlier save")
    for f in entries:
        target = os.path.join(path, f)
        shutil.rmtree(target) if os.path.isdir(target) else os.remove(target)


def _is_tusk_ml_save(path, entries):
    """Whether `entries` of `path` are an ElephasEstimator/Transformer save (Spark ML layout)."""
    if not set(entries) <= {"metadata", "data"}:
        return False
    metadata = os.path.join(path, "metadata")
    parts = [f for f in os.listdir(metadata) if f.startswith("part-")] if os.path.isdir(metadata) else []
    try:
        with open(os.path.join(metadata, parts[0])) as f:
            return '"class":"tusk.ml_model.' in f.read(4096).replace(" ", "")
    except (IndexError, OSError):
        return False


def load_spark_model(file_name):
    """A SparkModel (or SparkMLlibModel) saved by `save`, with its model and settings."""
    path = os.path.join(file_name, CONFIG_FILE)
    saved = {"class_name": "SparkModel", "config": {}}
    if os.path.exists(path):
        with open(path) as f:
            saved = json.load(f)
    classes = {"SparkModel": SparkModel, "SparkMLlibModel": SparkMLlibModel, "AsynchronousSparkModel": AsynchronousSparkModel}
    if saved.get("class_name") not in classes:
        raise _tusk.FormatError(f"{path}: unknown class_name {saved.get('class_name')!r}")
    model = models.as_keras(_tusk.Model.load(file_name))
    return classes[saved["class_name"]](model, **saved.get("config", {}))
