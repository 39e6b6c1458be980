"""``tusk.keras.metrics``: metric names and thin metric classes (computed in Rust).

``compile(metrics=[...])`` takes names (``"accuracy"``, ``"acc"``, ``"mae"``, ...), these
classes, Keras' metric functions, or real Keras metric objects; each becomes the name the
Rust core resolves (``accuracy`` picks categorical, sparse or binary accuracy by shapes).
"""


class Metric:
    metric_name = None

    def __init__(self, name=None, dtype=None):
        self.name = name or self.metric_name

    def get_config(self):
        return {"name": self.name, "dtype": "float32"}

    def __call__(self, *args, **kwargs):
        raise TypeError("tusk metrics are computed by the Rust core; pass them to model.compile")


class Accuracy(Metric):
    metric_name = "accuracy"


class CategoricalAccuracy(Metric):
    metric_name = "categorical_accuracy"


class SparseCategoricalAccuracy(Metric):
    metric_name = "sparse_categorical_accuracy"


class BinaryAccuracy(Metric):
    metric_name = "binary_accuracy"

    def __init__(self, name=None, dtype=None, threshold=0.5):
        if threshold != 0.5:
            from .._tusk import UnsupportedError

            raise UnsupportedError(f"BinaryAccuracy: threshold={threshold} (only 0.5)")
        super().__init__(name, dtype)


class TopKCategoricalAccuracy(Metric):
    metric_name = "top_k_categorical_accuracy"

    def __init__(self, k=5, name=None, dtype=None):
        super().__init__(name or ("top_k_categorical_accuracy" if k == 5 else f"top_{k}_accuracy"), dtype)
        self.k = k


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    metric_name = "sparse_top_k_categorical_accuracy"

    def __init__(self, k=5, name=None, dtype=None):
        Metric.__init__(self, name or ("sparse_top_k_categorical_accuracy" if k == 5 else f"top_{k}_accuracy"), dtype)
        self.k = k


class MeanAbsoluteError(Metric):
    metric_name = "mean_absolute_error"


class MeanSquaredError(Metric):
    metric_name = "mean_squared_error"


# Keras metric class names -> the names the Rust core resolves (for real Keras objects).
_KERAS_CLASSES = {
    "CategoricalAccuracy": "categorical_accuracy", "SparseCategoricalAccuracy": "sparse_categorical_accuracy",
    "BinaryAccuracy": "binary_accuracy", "MeanAbsoluteError": "mean_absolute_error",
    "MeanSquaredError": "mean_squared_error", "TopKCategoricalAccuracy": "top_k_categorical_accuracy",
    "SparseTopKCategoricalAccuracy": "sparse_top_k_categorical_accuracy",
}


def _name_function(name):
    def metric(y_true, y_pred):
        raise TypeError(f"tusk metrics are computed by the Rust core; pass '{name}' to model.compile")

    metric.__name__ = metric.__qualname__ = name
    return metric


categorical_accuracy = _name_function("categorical_accuracy")
sparse_categorical_accuracy = _name_function("sparse_categorical_accuracy")
binary_accuracy = _name_function("binary_accuracy")
top_k_categorical_accuracy = _name_function("top_k_categorical_accuracy")
sparse_top_k_categorical_accuracy = _name_function("sparse_top_k_categorical_accuracy")
mae = mean_absolute_error = _name_function("mean_absolute_error")
mse = mean_squared_error = _name_function("mean_squared_error")


def name_of(metric):
    """The metric name the Rust core resolves, for any metric argument."""
    if isinstance(metric, str):
        return metric
    if isinstance(metric, Metric):
        return metric.name
    if isinstance(metric, dict):  # a serialized Keras metric
        return _KERAS_CLASSES.get(metric.get("class_name"), (metric.get("config") or {}).get("name", ""))
    cls = type(metric).__name__
    if cls in _KERAS_CLASSES:
        k = getattr(metric, "k", 5)
        return _KERAS_CLASSES[cls] if k == 5 else f"top_{k}_accuracy"
    name = getattr(metric, "name", None) or getattr(metric, "__name__", None)
    if name is None:
        raise ValueError(f"cannot interpret {metric!r} as a metric")
    return name


def names(metrics):
    """A flat list of unique names from Keras' ``metrics`` argument (list, per-output list or dict)."""
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        metrics = list(metrics.values())
    if not isinstance(metrics, (list, tuple)):
        metrics = [metrics]
    out = []
    for m in metrics:
        for one in (m if isinstance(m, (list, tuple)) else [m]):
            if one is None:
                continue
            n = name_of(one)
            if n not in out:
                out.append(n)
    return out
