"""Recurrent layers: ``SimpleRNN``, ``LSTM`` and ``GRU`` on ``[batch, steps, features]``,
recording the config Keras 3 writes (``return_sequences``, activations, initializers, ...)."""
from .. import legacy
from ..legacy import keras1_arguments
from ..serialization import initializer, regularizer
from .base import Layer, activation_name


class _RNN(Layer):
    gated = True
    keras1_renames = legacy.RECURRENT

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, seed=None,
                 cell_options=None, **kwargs):
        zero_output_for_mask = kwargs.pop("zero_output_for_mask", False)
        super().__init__(**kwargs)
        opts = dict(return_sequences=bool(return_sequences), return_state=bool(return_state),
                    go_backwards=bool(go_backwards), stateful=bool(stateful), unroll=bool(unroll),
                    zero_output_for_mask=zero_output_for_mask, units=int(units), activation=activation_name(activation))
        if self.gated:
            opts["recurrent_activation"] = activation_name(recurrent_activation)
        opts.update(use_bias=bool(use_bias), kernel_initializer=initializer(kernel_initializer),
                    recurrent_initializer=initializer(recurrent_initializer),
                    bias_initializer=initializer(bias_initializer))
        opts.update(cell_options or {})
        opts.update(kernel_regularizer=regularizer(kernel_regularizer),
                    recurrent_regularizer=regularizer(recurrent_regularizer),
                    bias_regularizer=regularizer(bias_regularizer),
                    activity_regularizer=regularizer(activity_regularizer),
                    kernel_constraint=regularizer(kernel_constraint),
                    recurrent_constraint=regularizer(recurrent_constraint),
                    bias_constraint=regularizer(bias_constraint), dropout=float(dropout),
                    recurrent_dropout=float(recurrent_dropout))
        if self.gated:
            opts["seed"] = seed
        self._set(**opts)


class SimpleRNN(_RNN):
    class_name = "SimpleRNN"
    gated = False

    @keras1_arguments
    def __init__(self, units, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)


class LSTM(_RNN):
    class_name = "LSTM"

    @keras1_arguments
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         cell_options={"unit_forget_bias": bool(unit_forget_bias)}, **kwargs)


class GRU(_RNN):
    class_name = "GRU"

    @keras1_arguments
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", reset_after=True, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation, **kwargs)
        # Keras 3 writes reset_after between recurrent_dropout and seed.
        seed = self._config.pop("seed", None)
        self._config["reset_after"] = bool(reset_after)
        self._config["seed"] = seed
        for k, v in self._extra.items():  # keep unknown options last
            self._config[k] = self._config.pop(k, v)
