"""Elephas' `elephas.utils.rdd_utils`: numpy arrays to and from RDDs of `(features, label)`
pairs and of MLlib `LabeledPoint`s.

Same names, arguments and results as Elephas, so that only the import changes:
- `to_simple_rdd(sc, features, labels)`: an RDD of `(features[i], labels[i])` numpy pairs;
- `to_labeled_point(sc, features, labels, categorical=False)`: an RDD of `LabeledPoint`s
  (one-hot labels become their class index when `categorical`);
- `from_labeled_point(rdd, categorical=False, nb_classes=None)`: `(features, labels)` arrays;
- `lp_to_simple_rdd(lp_rdd, categorical=False, nb_classes=None)`: `LabeledPoint`s to pairs;
- `encode_label(label, nb_classes)`: one one-hot vector.
One-hot encoding is `_tusk.to_categorical` (once per partition, not per row); `nb_classes`
defaults to the largest label + 1.
"""
from typing import Optional

import numpy as np

from tusk import _tusk


def _f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def encode_label(label, nb_classes: int) -> np.ndarray:
    """The one-hot vector (length `nb_classes`) of a class index."""
    return _tusk.to_categorical(_f32([label]), int(nb_classes))[0]


def to_simple_rdd(sc, features, labels):
    """An RDD of `(features[i], labels[i])` pairs."""
    features, labels = np.asarray(features), np.asarray(labels)
    if len(features) != len(labels):
        raise ValueError(f"to_simple_rdd: {len(features)} feature rows but {len(labels)} labels")
    return sc.parallelize(list(zip(features, labels)))


def to_labeled_point(sc, features, labels, categorical: bool = False):
    """An RDD of MLlib `LabeledPoint(label, features[i])`; with `categorical`, one-hot `labels`
    become class indices."""
    from pyspark.mllib.regression import LabeledPoint

    features, labels = np.asarray(features), np.asarray(labels)
    if categorical and labels.ndim > 1:
        labels = np.argmax(labels, axis=-1)
    if labels.ndim > 1 and labels[0].size == 1:
        labels = labels.reshape(len(labels))
    if labels.ndim > 1:
        raise ValueError(f"to_labeled_point: a LabeledPoint's label is one number, got labels of shape {labels.shape} (one-hot labels need categorical=True)")
    rows = features.astype(np.float64).reshape(len(features), -1)
    return sc.parallelize([LabeledPoint(float(y), x) for x, y in zip(rows, labels)])


def _nb_classes(labels_rdd) -> int:
    """The largest label + 1 (a Spark action over the labels)."""
    return int(labels_rdd.max()) + 1


def from_labeled_point(rdd, categorical: bool = False, nb_classes: Optional[int] = None):
    """`(features, labels)` numpy arrays from an RDD of `LabeledPoint`s; with `categorical`,
    labels one-hot encoded (`nb_classes` columns)."""
    pairs = rdd.map(lambda lp: (lp.features.toArray(), lp.label)).collect()
    if not pairs:
        return np.zeros((0, 0), dtype=np.float32), np.zeros((0,), dtype=np.float32)
    features = np.asarray([x for x, _ in pairs])
    labels = np.asarray([y for _, y in pairs], dtype=np.float32)
    if categorical:
        k = int(nb_classes) if nb_classes else int(labels.max()) + 1
        return features, _tusk.to_categorical(labels, k)
    return features, labels


def encode_partition(pairs, nb_classes: int):
    """`(features, class index)` pairs of one partition → `(features, one-hot)` pairs, encoded
    in one `_tusk.to_categorical` call."""
    items = list(pairs)
    if not items:
        return []
    onehot = _tusk.to_categorical(_f32([y for _, y in items]), int(nb_classes))
    return list(zip((x for x, _ in items), onehot))


def lp_to_simple_rdd(lp_rdd, categorical: bool = False, nb_classes: Optional[int] = None):
    """An RDD of `LabeledPoint`s as an RDD of `(features, label)` numpy pairs (one-hot labels
    with `categorical`)."""
    rdd = lp_rdd.map(lambda lp: (lp.features.toArray(), lp.label))
    if not categorical:
        return rdd
    k = int(nb_classes) if nb_classes else _nb_classes(lp_rdd.map(lambda lp: lp.label))
    return rdd.mapPartitions(lambda pairs: encode_partition(pairs, k))
