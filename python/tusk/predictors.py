"""dist-keras' `distkeras.predictors` on tusk: `ModelPredictor` adds a model's predictions to a
DataFrame.

`ModelPredictor(keras_model, features_col="features", output_col="prediction", batch_size=256)`:
`predict(dataframe)` returns the DataFrame with `output_col` added, the model's (first) output
per row as a Spark ML dense vector (dist-keras gave an MLlib `DenseVector`; ML vectors are what
`pyspark.ml` stages and `vector_to_array` take). The model is a tusk.keras model, a
`_tusk.Model` or a real Keras model; an `EnsembleTrainer`'s list of models predicts their mean.

Prediction runs in Rust once per Arrow batch of each partition (`tusk.spark.inference`:
`mapInArrow`, the model JSON and weights broadcast); the vector is made by Spark SQL.
"""
from pyspark.sql import functions as F

from tusk.spark import columns as cols


class Predictor:
    """dist-keras' abstract predictor: holds the model."""

    def __init__(self, keras_model):
        self.model = keras_model

    def predict(self, dataframe):
        raise NotImplementedError


class ModelPredictor(Predictor):
    """Adds `output_col` (the prediction vector) to a DataFrame; see the module docstring."""

    def __init__(self, keras_model, features_col="features", output_col="prediction", batch_size=256):
        super().__init__(keras_model)
        self.features_column, self.output_column, self.batch_size = features_col, output_col, int(batch_size)

    def _members(self):
        from tusk.spark.models import as_core

        models = self.model if isinstance(self.model, (list, tuple)) else [self.model]
        if not models:
            raise ValueError("ModelPredictor: an empty list of models")
        return [as_core(m) for m in models]

    def predict(self, dataframe):
        """`dataframe` with the prediction vector in `output_col`."""
        from tusk.spark.inference import predict_data_frame

        members, out, names = self._members(), dataframe, []
        for i, core in enumerate(members):
            name = f"__tusk_prediction_{i}"
            out = predict_data_frame(core, out, self.features_column, name, batch_size=self.batch_size)
            names.append(name)
        arrays = [F.col(n).cast("array<double>") for n in names]
        if len(arrays) == 1:
            mean = arrays[0]
        else:  # element-wise mean of the members' outputs
            total = arrays[0]
            for a in arrays[1:]:
                total = F.zip_with(total, a, lambda x, y: x + y)
            mean = F.transform(total, lambda v: v / float(len(arrays)))
        return out.withColumn(self.output_column, cols.to_vector(mean)).drop(*names)
