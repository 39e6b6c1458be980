"""Spark ML persistence of `ElephasEstimator` and `ElephasTransformer` (`tusk.ml_model`):
the Params as Spark ML's metadata JSON (`DefaultParamsWriter`), plus `tusk_format`,
`returns_keras` and, for a transformer, its training config and report; the flat float32
weights as Parquet under `path/data` (chunks of CHUNK values, any Hadoop file system).
Params whose values JSON cannot hold (custom_objects' Python classes) are left out with a
warning: give them again after loading."""
import json
import warnings

import numpy as np
from pyspark.ml.util import DefaultParamsReader, DefaultParamsWriter, MLReader, MLWriter

#: float32 values per Parquet row of saved weights (16 MiB).
CHUNK = 1 << 22


def is_transformer(instance) -> bool:
    """A fitted ElephasTransformer (it holds trained weights) rather than an estimator."""
    return hasattr(instance, "_params_flat")


def _jsonable_params(instance) -> dict:
    """The Params set on `instance` that JSON can hold (custom_objects' Python classes cannot)."""
    out = {}
    for param, value in instance._paramMap.items():
        try:
            json.dumps(value)
        except TypeError:
            warnings.warn(f"{type(instance).__name__}.save: Param '{param.name}' holds Python objects and is not "
                          "saved; set it again after loading", stacklevel=4)
            continue
        out[param.name] = value
    return out


def _flat_weights(instance):
    if is_transformer(instance):
        return instance._params_flat
    initial = instance._initial
    return initial[1] if initial and initial[0] == instance.getOrDefault("keras_model_config") else None


class Writer(MLWriter):
    """Params as Spark ML metadata JSON; weights as Parquet under `path/data`."""

    def __init__(self, instance):
        super().__init__()
        self.instance = instance

    def saveImpl(self, path):
        inst = self.instance
        extra = {"tusk_format": 1, "returns_keras": inst.returns_keras}
        if is_transformer(inst):
            extra.update(training_config=inst.training_config, training_report=inst.training_report)
        DefaultParamsWriter.saveMetadata(inst, path, self.sc, extraMetadata=extra, paramMap=_jsonable_params(inst))
        flat = _flat_weights(inst)
        if flat is not None:
            rows = [(i, flat[s:s + CHUNK].astype("<f4").tobytes()) for i, s in enumerate(range(0, max(flat.size, 1), CHUNK))]
            self.sparkSession.createDataFrame(rows, "chunk int, data binary").coalesce(1).write.parquet(f"{path}/data")


class Reader(MLReader):
    def __init__(self, cls):
        super().__init__()
        self.cls = cls

    def load(self, path):
        metadata = DefaultParamsReader.loadMetadata(path, self.sc)
        instance = self.cls()
        instance._resetUid(metadata["uid"])
        DefaultParamsReader.getAndSetParams(instance, metadata)
        flat = None
        if metadata.get("tusk_format") and self._has_data(path):
            rows = self.sparkSession.read.parquet(f"{path}/data").orderBy("chunk").collect()
            flat = np.concatenate([np.frombuffer(bytes(r.data), dtype="<f4") for r in rows]).astype(np.float32)
        instance.returns_keras = bool(metadata.get("returns_keras"))
        if is_transformer(instance):
            instance.training_config = metadata.get("training_config")
            instance.training_report = metadata.get("training_report")
            if flat is not None:
                instance.set_weights(flat)
        elif flat is not None:
            instance._initial = (instance.get_keras_model_config(), flat)
        return instance

    def _has_data(self, path) -> bool:
        jvm = self.sc._jvm
        hadoop_path = jvm.org.apache.hadoop.fs.Path(f"{path}/data")
        return hadoop_path.getFileSystem(self.sc._jsc.hadoopConfiguration()).exists(hadoop_path)
