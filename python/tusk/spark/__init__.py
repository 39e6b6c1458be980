"""tusk on Apache Spark: the engine every Spark entry point trains through (`runner`), the
serverless trainers (`serverless`), distributed prediction and evaluation (`inference`),
partitions as numpy arrays (`partition_data`) and the model adapters (`models`).
The Elephas-compatible API is `tusk.spark_model`; its data helpers `tusk.utils.rdd_utils`,
`tusk.ml.adapter` and `tusk.mllib.adapter`."""
from tusk.spark.result import TrainResult  # noqa: F401
from tusk.spark.runner import train  # noqa: F401
from tusk.spark.inference import evaluate_rdd, predict_data_frame, predict_rdd  # noqa: F401

__all__ = ["TrainResult", "train", "predict_rdd", "predict_data_frame", "evaluate_rdd"]
