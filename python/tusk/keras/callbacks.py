"""``tusk.keras.callbacks``: Keras' epoch-level callbacks.

``fit`` with callbacks trains one epoch per Rust call and calls ``on_epoch_begin`` /
``on_epoch_end(epoch, logs)`` in between; batch-level hooks are not called (the epochs run
in Rust without coming back to Python). A callback stops training by setting
``self.model.stop_training = True``, as in Keras.
"""
import math
import os


class Callback:
    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass


class History(Callback):
    """What ``fit`` returns: ``history`` (name -> per-epoch values) and ``epoch`` (indices)."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []  # Keras keeps the history dict across fits but restarts the epoch list

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def __repr__(self):
        return f"<History epochs={len(self.epoch)} keys={list(self.history)}>"


def _higher_is_better(monitor, mode):
    if mode == "max":
        return True
    if mode == "min":
        return False
    name = monitor.split("val_", 1)[-1]
    return name.endswith(("acc", "accuracy", "auc"))


class EarlyStopping(Callback):
    """Keras 3's ``EarlyStopping``: stop once ``monitor`` has not improved by more than
    ``min_delta`` for ``patience`` epochs; ``restore_best_weights`` puts back the weights of
    the best epoch at the end of training."""

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor, self.patience, self.verbose, self.mode = monitor, int(patience), verbose, mode
        self.min_delta = abs(float(min_delta))
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = int(start_from_epoch)
        self.stopped_epoch = 0

    def _improved(self, value, reference):
        if reference is None:
            return True
        if self._max:
            return value - self.min_delta > reference
        return value + self.min_delta < reference

    def on_train_begin(self, logs=None):
        self._max = _higher_is_better(self.monitor, self.mode)
        self.wait, self.stopped_epoch, self.best, self.best_epoch, self.best_weights = 0, 0, None, 0, None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            if self.verbose:
                print(f"EarlyStopping: metric '{self.monitor}' is not available; available: {', '.join(logs or {})}")
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model._core.params()
        self.wait += 1
        if self._improved(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model._core.params()
            if self.baseline is None or self._improved(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model._core.set_params(self.best_weights)


class ModelCheckpoint(Callback):
    """Saves the model (``model.save``) after each epoch; ``filepath`` may hold ``{epoch}`` and
    log names (``"ckpt-{epoch:02d}-{val_loss:.2f}"``). ``save_best_only`` keeps the best by ``monitor``."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        if save_freq != "epoch":
            from .._tusk import UnsupportedError

            raise UnsupportedError(f"ModelCheckpoint: save_freq={save_freq!r} (only 'epoch')")
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self._max = _higher_is_better(monitor, mode)
        self.best = initial_value_threshold

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                return
            better = self.best is None or (value > self.best if self._max else value < self.best)
            if not better:
                return
            self.best = value
        if self.verbose:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        self.model.save(path)


class LambdaCallback(Callback):
    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        for name, fn in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                         ("on_train_begin", on_train_begin), ("on_train_end", on_train_end)):
            if fn is not None:
                setattr(self, name, fn)


class TerminateOnNaN(Callback):
    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            print(f"Epoch {epoch + 1}: invalid loss, terminating training")
            self.model.stop_training = True


class CallbackList:
    """Calls every callback in turn (after ``set_model``/``set_params``)."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for c in self.callbacks:
            c.set_model(model)
            c.set_params(params)

    def __getattr__(self, hook):
        def call(*args, **kwargs):
            for c in self.callbacks:
                getattr(c, hook)(*args, **kwargs)

        return call

