"""dist-keras' `distkeras.trainers` on tusk: `SingleTrainer`, `AveragingTrainer`, `EnsembleTrainer`,
`DOWNPOUR`, `ADAG`, `DynSGD`, `AEASGD`, `EAMSGD`, with dist-keras' constructor arguments.

Only the import changes: `trainer = ADAG(keras_model=model, worker_optimizer="adam",
loss="categorical_crossentropy", num_workers=2, communication_window=12, ...)`, then
`trained = trainer.train(dataframe)`. `keras_model` is a tusk.keras model, a `_tusk.Model` or a
real Keras model (converted); it is not modified: `train` compiles a copy with
`worker_optimizer`, `loss` and `metrics` and returns the trained copy (a tusk.keras model;
`EnsembleTrainer` returns a list of them). The DataFrame has a features column (a Spark ML
vector or an array of numbers) and a label column (a class index, a number or a one-hot vector).

Each trainer is a configuration of the one engine (`_tusk.job_spec(<algorithm>, model,
window=communication_window, rho=rho, elastic_lr=learning_rate, momentum=momentum)`) run by
`tusk.spark.runner.train`: the parameter server on a Rust thread of the driver, one Spark task
per worker (`num_workers` partitions). Rules: see `ALGORITHMS.md`. Beyond dist-keras, every
trainer takes `seed`, `shuffle`, `compression`, `stop_at_accuracy`, `stop_at_loss` and
`driver_optimizer` (job settings) as keyword arguments.

After `train`: `get_training_time()` (seconds), `get_history()` (one record per worker and
epoch: `{"worker_id", "iteration", "history": [loss, *metrics], "logs": {...}}`),
`get_averaged_history()` (per epoch, the workers' mean of `history`), `get_executor_history(i)`,
`report` (the server's report) and `num_updates()`.
"""
import json
import time
from typing import List, NamedTuple, Optional

import numpy as np

from tusk import _tusk

#: `_tusk.job_spec` settings passed through from keyword arguments (the rest each trainer sets
#: from its own dist-keras arguments).
JOB_SETTINGS = ("seed", "shuffle", "compression", "stop_at_accuracy", "stop_at_loss", "driver_optimizer")


def _keras_copy(model):
    """A tusk.keras model with `model`'s architecture and weights (an independent copy)."""
    from tusk.keras.models import as_model
    from tusk.spark.models import as_keras

    source = as_keras(model)._core
    core = _tusk.Model.from_json(source.to_json())
    core.set_params(source.params())
    return as_model(core)


def _shuffle(dataframe, seed: Optional[int] = None):
    """The rows in a random order (dist-keras' `utils.shuffle`), done by Spark."""
    from pyspark.sql import functions as F

    return dataframe.orderBy(F.rand(seed))


shuffle = _shuffle


def _getter(attribute):
    return lambda self: getattr(self, attribute)


def _setter(attribute):
    return lambda self, value: setattr(self, attribute, value)


class ParameterServerStats(NamedTuple):
    """What dist-keras code reads of a trainer's parameter server after training."""

    num_updates: int


class Trainer:
    """What every trainer shares; subclasses set `algorithm` and their settings."""

    algorithm: str = ""

    def __init__(self, keras_model, loss, worker_optimizer, metrics=None, loss_weights=None, **settings):
        unknown = sorted(set(settings) - set(JOB_SETTINGS))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected arguments {unknown}")
        self.master_model = keras_model
        self.loss, self.worker_optimizer, self.loss_weights = loss, worker_optimizer, loss_weights
        self.metrics = ["accuracy"] if metrics is None else list(metrics)
        self.job_settings = settings
        self.features_column, self.label_column = "features", "label"
        self.num_epoch, self.batch_size, self.num_workers = 1, 32, 1
        self.history: List[dict] = []
        self.report: Optional[dict] = None
        self.training_time = 0.0
        self.parallelism_factor = 1

    # -- dist-keras accessors ---------------------------------------------------------------
    def get_training_time(self) -> float:
        return self.training_time

    def get_history(self) -> List[dict]:
        return self.history

    def has_history(self) -> bool:
        return len(self.history) > 0

    def get_executor_history(self, executor_id: int) -> List[dict]:
        return [h for h in self.history if h["worker_id"] == executor_id]

    def get_averaged_history(self) -> List[np.ndarray]:
        """Per epoch, the mean over workers of `[loss, *metrics]`."""
        by_iteration = {}
        for h in self.history:
            by_iteration.setdefault(h["iteration"], []).append(h["history"])
        return [np.mean(np.asarray(v, dtype=np.float64), axis=0) for _, v in sorted(by_iteration.items())]

    def num_updates(self) -> int:
        return int((self.report or {}).get("updates", 0))

    @property
    def parameter_server(self):
        """dist-keras' `trainer.parameter_server.num_updates`: the last run's server, as its counts."""
        return ParameterServerStats(self.num_updates())

    # dist-keras' plain setters and getters; `parallelism_factor`: `num_workers * factor` Spark
    # tasks, each a worker of the server.
    set_model = _setter("master_model")
    get_num_epoch, set_num_epoch = _getter("num_epoch"), _setter("num_epoch")
    get_minibatch_size, set_minibatch_size = _getter("batch_size"), _setter("batch_size")
    get_num_workers, set_num_workers = _getter("num_workers"), _setter("num_workers")
    get_features_column, get_label_column = _getter("features_column"), _getter("label_column")
    get_parallelism_factor, set_parallelism_factor = _getter("parallelism_factor"), _setter("parallelism_factor")

    # -- training ---------------------------------------------------------------------------
    def _job_settings(self) -> dict:
        """The algorithm's own settings for `job_spec` (window, rho, ...)."""
        return {}

    def _server_options(self) -> dict:
        return {}

    def _workers(self) -> Optional[int]:
        return int(self.num_workers) * max(int(self.parallelism_factor), 1)

    def _compiled_copy(self):
        model = _keras_copy(self.master_model)
        model.compile(optimizer=self.worker_optimizer, loss=self.loss, metrics=self.metrics, loss_weights=self.loss_weights)
        return model

    def train(self, dataframe, shuffle: bool = False):
        """Trains on `dataframe` (rows shuffled by Spark first with `shuffle=True`); returns the
        trained model."""
        from tusk.spark import runner

        model = self._compiled_copy()
        core = model._core
        settings = dict(self.job_settings, epochs=int(self.num_epoch), batch_size=int(self.batch_size), **self._job_settings())
        if isinstance(settings.get("driver_optimizer"), (dict, list)):
            settings["driver_optimizer"] = json.dumps(settings["driver_optimizer"])
        job = _tusk.job_spec(self.algorithm, core, **settings)
        data = _shuffle(dataframe, self.job_settings.get("seed")) if shuffle else dataframe
        start = time.time()
        result = runner.train(core, job, data, self._workers(), features_col=self.features_column,
                              label_col=self.label_column, **self._server_options())
        self.training_time = time.time() - start
        self.report = result.report
        self.history = _history_records(result.report)
        return self._trained(model, result)

    def _trained(self, model, result):
        model._core.set_params(result.weights)
        return model


def _history_records(report: dict) -> List[dict]:
    """dist-keras' history records from the server report: one per worker and epoch."""
    records = []
    for worker in sorted(report.get("per_worker", []), key=lambda w: w["worker"]):
        for i, entry in enumerate(worker.get("history", [])):
            logs = entry.get("logs", {})
            values = [v for v in logs.values() if v is not None]
            records.append({"worker_id": worker["worker"], "iteration": entry.get("epoch", i), "history": values,
                            "logs": logs, "seconds": entry.get("seconds"), "samples": entry.get("samples")})
    return records


class SingleTrainer(Trainer):
    """One model on all the data (the baseline), trained on the driver."""

    algorithm = "single"

    def __init__(self, keras_model, worker_optimizer, loss, metrics=None, features_col="features", label_col="label",
                 num_epoch=1, batch_size=32, loss_weights=None, **settings):
        super().__init__(keras_model, loss, worker_optimizer, metrics, loss_weights, **settings)
        self.features_column, self.label_column = features_col, label_col
        self.num_epoch, self.batch_size = num_epoch, batch_size

    def _workers(self):
        return None


class AveragingTrainer(Trainer):
    """Every epoch each worker trains from the center on its shard; the center becomes the mean."""

    algorithm = "averaging"

    def __init__(self, keras_model, worker_optimizer, loss, metrics=None, features_col="features", label_col="label",
                 num_epoch=1, batch_size=32, num_workers=2, loss_weights=None, **settings):
        super().__init__(keras_model, loss, worker_optimizer, metrics, loss_weights, **settings)
        self.features_column, self.label_column = features_col, label_col
        self.num_epoch, self.batch_size, self.num_workers = num_epoch, batch_size, num_workers


class EnsembleTrainer(Trainer):
    """`num_ensembles` independent models, one per partition; `train` returns the list."""

    algorithm = "ensemble"

    def __init__(self, keras_model, worker_optimizer, loss, metrics=None, features_col="features", label_col="label",
                 batch_size=32, num_ensembles=2, num_epoch=1, loss_weights=None, **settings):
        super().__init__(keras_model, loss, worker_optimizer, metrics, loss_weights, **settings)
        self.features_column, self.label_column = features_col, label_col
        self.batch_size, self.num_ensembles, self.num_epoch = batch_size, num_ensembles, num_epoch
        self.num_workers = num_ensembles

    def _trained(self, model, result):
        members = []
        for weights in result.members:
            member = _keras_copy(model)
            member._core.set_params(weights)
            members.append(member)
        return members


class DistributedTrainer(Trainer):
    """A trainer with a parameter server: dist-keras' common arguments and `master_port`
    (None or 0: an ephemeral port; dist-keras' fixed 5000 is not the default)."""

    def __init__(self, keras_model, worker_optimizer, loss, metrics=None, num_workers=2, batch_size=32,
                 features_col="features", label_col="label", num_epoch=1, master_port=None, loss_weights=None, **settings):
        super().__init__(keras_model, loss, worker_optimizer, metrics, loss_weights, **settings)
        self.num_workers, self.batch_size, self.num_epoch = num_workers, batch_size, num_epoch
        self.features_column, self.label_column = features_col, label_col
        self.master_port = master_port
        self.communication_window, self.rho, self.learning_rate, self.momentum = None, None, None, None

    def _job_settings(self):
        names = (("window", self.communication_window), ("rho", self.rho), ("elastic_lr", self.learning_rate), ("momentum", self.momentum))
        return {k: v for k, v in names if v is not None}

    def _server_options(self):
        return {"port": int(self.master_port or 0)}


AsynchronousDistributedTrainer = DistributedTrainer


class DOWNPOUR(DistributedTrainer):
    """Dean et al. 2012: commit `W - W0` every `communication_window` steps. `learning_rate`
    is accepted for dist-keras' older signature and unused (the server adds the deltas)."""

    algorithm = "downpour"

    def __init__(self, keras_model, worker_optimizer, loss, metrics=None, num_workers=2, batch_size=32,
                 features_col="features", label_col="label", num_epoch=1, learning_rate=0.1, communication_window=5, **kwargs):
        super().__init__(keras_model, worker_optimizer, loss, metrics, num_workers, batch_size, features_col, label_col, num_epoch, **kwargs)
        self.communication_window, self.downpour_learning_rate = communication_window, learning_rate


class ADAG(DistributedTrainer):
    """Hermans 2017: DOWNPOUR committing `(W - W0) / communication_window`."""

    algorithm = "adag"

    def __init__(self, keras_model, worker_optimizer, loss, metrics=None, num_workers=2, batch_size=32,
                 features_col="features", label_col="label", num_epoch=1, communication_window=12, **kwargs):
        super().__init__(keras_model, worker_optimizer, loss, metrics, num_workers, batch_size, features_col, label_col, num_epoch, **kwargs)
        self.communication_window = communication_window


class DynSGD(DistributedTrainer):
    """Jiang et al. 2017: each commit scaled by `1 / (staleness + 1)`."""

    algorithm = "dynsgd"

    def __init__(self, keras_model, worker_optimizer, loss, metrics=None, num_workers=2, batch_size=32,
                 features_col="features", label_col="label", num_epoch=1, communication_window=10, **kwargs):
        super().__init__(keras_model, worker_optimizer, loss, metrics, num_workers, batch_size, features_col, label_col, num_epoch, **kwargs)
        self.communication_window = communication_window


class AEASGD(DistributedTrainer):
    """Zhang, Choromanska, LeCun 2015: the elastic difference `learning_rate * rho * (W - C)`
    moves the worker and the center every `communication_window` steps."""

    algorithm = "aeasgd"

    def __init__(self, keras_model, worker_optimizer, loss, metrics=None, num_workers=2, batch_size=32,
                 features_col="features", label_col="label", num_epoch=1, communication_window=32, rho=5.0,
                 learning_rate=0.1, **kwargs):
        super().__init__(keras_model, worker_optimizer, loss, metrics, num_workers, batch_size, features_col, label_col, num_epoch, **kwargs)
        self.communication_window, self.rho, self.learning_rate = communication_window, rho, learning_rate


class EAMSGD(AEASGD):
    """AEASGD with Nesterov momentum `momentum` in the workers' local steps."""

    algorithm = "eamsgd"

    def __init__(self, keras_model, worker_optimizer, loss, metrics=None, num_workers=2, batch_size=32,
                 features_col="features", label_col="label", num_epoch=1, communication_window=32, rho=5.0,
                 learning_rate=0.1, momentum=0.9, **kwargs):
        super().__init__(keras_model, worker_optimizer, loss, metrics, num_workers, batch_size, features_col, label_col,
                         num_epoch, communication_window, rho, learning_rate, **kwargs)
        self.momentum = momentum
