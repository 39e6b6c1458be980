"""Core layers: ``InputLayer``/``Input``, ``Dense``, ``Activation``, ``LeakyReLU``, ``Dropout``,
``Flatten``, ``Reshape``, ``Embedding`` and ``BatchNormalization``.

Each constructor takes Keras' arguments and records the config Keras 3 writes for them
(defaults included); extra keyword arguments go into the config unchanged.
"""
from .. import legacy, naming
from ..legacy import keras1_arguments
from ..serialization import initializer, regularizer
from .base import KerasTensor, Layer, activation_name, data_format


class InputLayer(Layer):
    """A model input of per-sample ``shape`` (config ``batch_shape`` = ``[None, *shape]``)."""

    class_name = "InputLayer"

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        if shape is None and batch_shape is None:
            # Keras 2 spellings
            if kwargs.get("input_shape") is not None:
                shape = kwargs.pop("input_shape")
            elif kwargs.get("batch_input_shape") is not None:
                batch_shape = kwargs.pop("batch_input_shape")
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs a shape (or batch_shape)")
            shape = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
            batch_shape = (batch_size, *shape)
        kwargs.pop("ragged", None)
        name = name or naming.unique_name("input_layer")
        super().__init__(name=name, **kwargs)
        self._config = {"batch_shape": [None if d is None else int(d) for d in batch_shape],
                        "dtype": "float32" if dtype is None else str(getattr(dtype, "name", dtype)),
                        "sparse": bool(sparse), "ragged": False, "name": name, "optional": bool(optional)}
        self._set()
        self._batch_input_shape = tuple(self._config["batch_shape"])

    @property
    def batch_shape(self):
        return tuple(self._config.get("batch_shape") or self._config.get("batch_input_shape"))

    def tensor(self):
        """The symbolic tensor this input layer stands for."""
        if not self._inbound_nodes:
            self._add_node([], merge=False)
        return KerasTensor(self, 0, 0, shape=self.batch_shape)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """Keras' ``Input``: a symbolic tensor for a model input (``shape`` without the batch axis)."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, optional=optional)
    return layer.tensor()


class Dense(Layer):
    class_name = "Dense"
    keras1_renames = legacy.COMMON

    @keras1_arguments
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, **kwargs):
        super().__init__(**kwargs)
        opts = dict(units=int(units), activation=activation_name(activation), use_bias=bool(use_bias),
                    kernel_initializer=initializer(kernel_initializer), bias_initializer=initializer(bias_initializer),
                    kernel_regularizer=regularizer(kernel_regularizer), bias_regularizer=regularizer(bias_regularizer))
        if activity_regularizer is not None:
            opts["activity_regularizer"] = regularizer(activity_regularizer)
        opts.update(kernel_constraint=regularizer(kernel_constraint), bias_constraint=regularizer(bias_constraint),
                    quantization_config=None)
        if lora_rank is not None:
            opts["lora_rank"] = lora_rank
        self._set(**opts)


class Activation(Layer):
    class_name = "Activation"

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self._set(activation=activation_name(activation))


class LeakyReLU(Layer):
    class_name = "LeakyReLU"

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # Keras 2's name, still accepted by Keras 3
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self._set(negative_slope=float(negative_slope))


class Dropout(Layer):
    class_name = "Dropout"
    keras1_renames = legacy.DROPOUT

    @keras1_arguments
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self._set(rate=float(rate), seed=seed, noise_shape=noise_shape)


class Flatten(Layer):
    class_name = "Flatten"

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._set(data_format=_fmt(data_format))


class Reshape(Layer):
    class_name = "Reshape"

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self._set(target_shape=[int(d) for d in target_shape])


class Embedding(Layer):
    """Keras' ``Embedding(input_dim, output_dim)``; ``input_length`` (Keras 2) sets the input shape."""

    class_name = "Embedding"
    keras1_renames = legacy.EMBEDDING

    @keras1_arguments
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, lora_rank=None, activity_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        opts = dict(input_dim=int(input_dim), output_dim=int(output_dim),
                    embeddings_initializer=initializer(embeddings_initializer),
                    embeddings_regularizer=regularizer(embeddings_regularizer),
                    activity_regularizer=regularizer(activity_regularizer),
                    embeddings_constraint=regularizer(embeddings_constraint), mask_zero=bool(mask_zero),
                    quantization_config=None)
        if lora_rank is not None:
            opts["lora_rank"] = lora_rank
        self._set(**opts)


class BatchNormalization(Layer):
    class_name = "BatchNormalization"
    keras1_renames = legacy.BATCH_NORM

    @keras1_arguments
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, synchronized=False, **kwargs):
        mode = kwargs.pop("mode", 0)
        if mode != 0:
            from ..._tusk import UnsupportedError

            raise UnsupportedError(f"BatchNormalization: mode={mode} (Keras 1's per-sample modes; only mode=0, "
                                   "feature-wise normalization, exists in Keras 2 and 3)")
        renorm = kwargs.pop("renorm", False)
        renorm_clipping = kwargs.pop("renorm_clipping", None)
        renorm_momentum = kwargs.pop("renorm_momentum", 0.99)
        super().__init__(**kwargs)
        self._set(axis=axis, momentum=float(momentum), epsilon=float(epsilon), center=bool(center), scale=bool(scale),
                  beta_initializer=initializer(beta_initializer), gamma_initializer=initializer(gamma_initializer),
                  moving_mean_initializer=initializer(moving_mean_initializer),
                  moving_variance_initializer=initializer(moving_variance_initializer),
                  beta_regularizer=regularizer(beta_regularizer), gamma_regularizer=regularizer(gamma_regularizer),
                  beta_constraint=regularizer(beta_constraint), gamma_constraint=regularizer(gamma_constraint),
                  synchronized=bool(synchronized), renorm=renorm, renorm_clipping=renorm_clipping,
                  renorm_momentum=renorm_momentum)


def _fmt(value):
    return data_format(value)
