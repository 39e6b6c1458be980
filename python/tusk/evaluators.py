"""dist-keras' `distkeras.evaluators` on tusk: `AccuracyEvaluator`.

`AccuracyEvaluator(label_col="label", prediction_col="prediction")`: `evaluate(dataframe)` is the
share of rows whose prediction equals the label, computed by Spark in one aggregation (no
Python per row). As in dist-keras the two columns are usually class indices (the
`LabelIndexTransformer`'s `prediction_index` and the label); a column that holds a vector or an
array (a `ModelPredictor` prediction, a one-hot label) is compared by its arg-max.
"""
from pyspark.sql import functions as F

from tusk.spark import columns as cols


class Evaluator:
    """dist-keras' abstract evaluator."""

    def __init__(self, label_col="label", prediction_col="prediction"):
        self.label_column, self.prediction_column = label_col, prediction_col

    def evaluate(self, dataframe):
        raise NotImplementedError


def _class_index(dataframe, name):
    """The column as a class index: arg-max of a vector/array, else the number as a double."""
    if cols.is_vector(dataframe, name) or cols.is_array(dataframe, name):
        return cols.argmax(cols.as_array(dataframe, name))
    return F.col(name).cast("double")


class AccuracyEvaluator(Evaluator):
    """Share of rows where the prediction is the label; see the module docstring."""

    def __init__(self, label_col="label", prediction_col="prediction"):
        super().__init__(label_col, prediction_col)

    def evaluate(self, dataframe) -> float:
        label = _class_index(dataframe, self.label_column)
        prediction = _class_index(dataframe, self.prediction_column)
        hit = F.when(label == prediction, 1.0).otherwise(0.0)
        row = dataframe.agg(F.count(F.lit(1)).alias("n"), F.sum(hit).alias("hits")).first()
        if not row["n"]:
            raise ValueError("AccuracyEvaluator: the DataFrame has no rows")
        return float(row["hits"]) / float(row["n"])
