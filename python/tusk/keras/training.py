"""Keras' training API on a model (``compile``, ``fit``, ``evaluate``, ``predict``,
``train_on_batch``, ...), as calls into the model's ``_tusk.Model``.

``compile`` writes the training config JSON the Rust core takes:
``{"loss": [name | {"class_name", "config"}, ...], "metrics": [names], "optimizer":
{"class_name", "config"}, "loss_weights"?: [floats]}``. ``fit`` without callbacks is one Rust
call; with callbacks it is one Rust call per epoch (``initial_epoch=e, epochs=e+1``) with the
callbacks run in between. Results come back as Keras gives them: a ``History``, a scalar loss
or ``[loss, *metrics]`` (a dict with ``return_dict=True``), arrays (a list for several outputs).
"""
import json

from . import data, legacy, losses, optimizers
from . import metrics as metrics_mod
from .._tusk import UnsupportedError
from .callbacks import CallbackList, History
from .utils import next_seed

_MASK63 = (1 << 63) - 1


def _per_output(value, names, what):
    """Keras' per-output argument (one value, a list, or a dict by output name) as a list."""
    if isinstance(value, dict):
        missing = [n for n in names if n not in value]
        if missing:
            raise ValueError(f"compile: {what} has no entry for output(s) {', '.join(missing)} (outputs: {', '.join(names)})")
        return [value[n] for n in names]
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _result(pairs, return_dict):
    """Keras' shape of evaluate/train_on_batch results."""
    if return_dict:
        return {k: float(v) for k, v in pairs}
    values = [float(v) for _, v in pairs]
    return values[0] if len(values) == 1 else values


def are_loss_weights(value):
    """Whether ``value`` holds numbers only (Keras 3's ``loss_weights``: a number, or a list or
    dict of them), not tf.keras 2's positional ``metrics`` (names, metric objects, functions)."""
    items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
    flat = [v for item in items for v in (item if isinstance(item, (list, tuple)) else [item])]
    return all(isinstance(v, (int, float)) for v in flat)


def _show_accuracy(model, show, where):
    """Keras 1's ``show_accuracy=True``: makes sure the model reports ``accuracy``."""
    if not show:
        return
    legacy.warn(f"`{where}(show_accuracy=True)` is Keras 1: compile with metrics=['accuracy'] instead")
    config = model._training_config
    if config is None:
        raise ValueError(f"{where}: the model must be compiled before show_accuracy=True can report accuracy")
    names = config.get("metrics") or []
    if not any(n in ("accuracy", "acc") for n in names):
        config["metrics"] = list(names) + ["accuracy"]
        model._metric_names = None
        model._core.set_metrics(config["metrics"])


def _keras1_fit_args(model, kwargs, epochs):
    """Reads Keras 1's ``nb_epoch`` and ``show_accuracy`` out of ``fit``'s extra arguments."""
    if "nb_epoch" in kwargs:
        legacy.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`")
        epochs = kwargs.pop("nb_epoch")
    _show_accuracy(model, kwargs.pop("show_accuracy", False), "fit")
    if kwargs:
        raise TypeError(f"fit() got unexpected arguments: {', '.join(kwargs)}")
    return epochs


class Trainer:
    """Mixin for ``Model``: needs ``_core``, ``input_names``, ``output_names``, ``_single_output``."""

    # ---- compile -----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True, **kwargs):
        if loss_weights is not None and not are_loss_weights(loss_weights):
            # tf.keras 2's order: compile(optimizer, loss, metrics, loss_weights, ...)
            loss_weights, metrics = (metrics or None), loss_weights
        if weighted_metrics:
            raise UnsupportedError("compile: weighted_metrics are not supported")
        data.unsupported_args("compile", sample_weight_mode=kwargs.pop("sample_weight_mode", None),
                              target_tensors=kwargs.pop("target_tensors", None))
        if kwargs:
            raise TypeError(f"compile() got unexpected arguments: {', '.join(kwargs)}")
        names = self.output_names
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        config = {"loss": None, "metrics": metrics_mod.names(metrics), "optimizer": self.optimizer.get_config()}
        if loss is not None:
            config["loss"] = [losses.serialize(entry) for entry in _per_output(loss, names, "loss")]
        if loss_weights is not None:
            config["loss_weights"] = [float(w) for w in _per_output(loss_weights, names, "loss_weights")]
        self._training_config = config if loss is not None else None
        self._loss_entries = config["loss"]
        self._metric_names = None
        if self._training_config is not None and self._is_built():
            self._core.compile(json.dumps(config))

    def _adopt_training_config(self, config):
        """Takes over a core's existing compile settings (loaded models, Keras imports)."""
        self._training_config = config
        self._loss_entries = config.get("loss")
        self.optimizer = optimizers.get(config["optimizer"])
        loss = self._loss_entries or []
        self.loss = loss[0] if len(loss) == 1 else loss

    @property
    def compiled(self):
        return self._training_config is not None

    @property
    def metrics_names(self):
        if self._metric_names is None:
            return ["loss"] + list((self._training_config or {}).get("metrics") or [])
        return list(self._metric_names)

    # ---- data ----------------------------------------------------------------------------------
    def _x(self, x, what="x"):
        self._build_from_data(x)
        return data.arrays(x, self.input_names, what)

    def _build_from_data(self, x):
        """Sequential models without an input shape build from the first data they see."""

    # ---- fit -----------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1, seed=None,
            **kwargs):
        """Keras' ``fit``; ``seed`` (tusk's addition) fixes the shuffling order. Keras 1's
        ``nb_epoch`` and ``show_accuracy`` are read with a warning."""
        epochs = _keras1_fit_args(self, kwargs, epochs)
        data.unsupported_args("fit", class_weight=class_weight, sample_weight=sample_weight,
                              steps_per_epoch=steps_per_epoch, validation_steps=validation_steps)
        if validation_freq != 1:
            raise UnsupportedError(f"fit: validation_freq={validation_freq} (only 1)")
        xs = self._x(x)
        ys = data.targets(self, y)
        val = data.validation(self, validation_data)
        bs = data.batch_size(batch_size)
        verbose = 1 if verbose == "auto" else int(verbose)
        seed = next_seed() if seed is None else int(seed) & _MASK63
        args = {"batch_size": bs, "validation_split": float(validation_split), "validation_data": val,
                "shuffle": bool(shuffle), "verbose": verbose}
        history = History()
        params = {"verbose": verbose, "epochs": int(epochs), "steps": -(-len(xs[0]) // bs)}
        user = list(callbacks or [])
        listeners = CallbackList(user + [history], self, params)
        self.stop_training = False
        listeners.on_train_begin()
        core = self._core
        if not user:
            report = json.loads(core.fit(xs, ys, epochs=int(epochs), seed=seed, initial_epoch=int(initial_epoch), **args))
            for i, epoch in enumerate(report["epoch"]):
                history.on_epoch_end(epoch, {k: v[i] for k, v in report["history"].items()})
        else:
            for epoch in range(int(initial_epoch), int(epochs)):
                listeners.on_epoch_begin(epoch)
                epoch_seed = (seed * 6364136223846793005 + epoch + 1) & _MASK63
                report = json.loads(core.fit(xs, ys, epochs=epoch + 1, seed=epoch_seed, initial_epoch=epoch, **args))
                logs = {k: v[-1] for k, v in report["history"].items()}
                listeners.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        listeners.on_train_end()
        self._metric_names = [k for k in history.history if not k.startswith("val_")] or None
        history.model, history.params = self, params
        self.history = history
        return history

    # ---- evaluate / predict ----------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Keras' ``evaluate``; Keras 1's ``show_accuracy=True`` adds the accuracy to the result."""
        _show_accuracy(self, kwargs.pop("show_accuracy", False), "evaluate")
        if kwargs:
            raise TypeError(f"evaluate() got unexpected arguments: {', '.join(kwargs)}")
        data.unsupported_args("evaluate", sample_weight=sample_weight, steps=steps)
        xs = self._x(x)
        pairs = self._core.evaluate(xs, data.targets(self, y), batch_size=data.batch_size(batch_size))
        self._metric_names = [k for k, _ in pairs]
        return _result(pairs, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        data.unsupported_args("predict", steps=steps)
        xs = self._x(x)
        outs = self._core.predict(xs, batch_size=data.batch_size(batch_size))
        return outs[0] if self._single_output else list(outs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        data.unsupported_args("train_on_batch", sample_weight=sample_weight, class_weight=class_weight)
        xs = self._x(x)
        pairs = self._core.train_on_batch(xs, data.targets(self, y))
        self._metric_names = [k for k, _ in pairs]
        return _result(pairs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        data.unsupported_args("test_on_batch", sample_weight=sample_weight)
        xs = self._x(x)
        pairs = self._core.evaluate(xs, data.targets(self, y), batch_size=max(1, len(xs[0])))
        return _result(pairs, return_dict)

    # ---- Keras 2's Sequential.predict_classes / predict_proba (removed in TF 2.6) ---------------
    def predict_proba(self, x, batch_size=None, verbose=0):
        legacy.warn("`model.predict_proba()` is deprecated: use `model.predict()`")
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    def predict_classes(self, x, batch_size=None, verbose=0):
        """The class of each sample: the arg max of a multi-unit output, ``p > 0.5`` of one unit."""
        legacy.warn("`model.predict_classes()` is deprecated: use np.argmax(model.predict(x), axis=-1) "
                    "(or (model.predict(x) > 0.5).astype('int32') for one sigmoid unit)")
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_on_batch(self, x):
        xs = self._x(x)
        outs = self._core.predict(xs, batch_size=max(1, len(xs[0])))
        return outs[0] if self._single_output else list(outs)
