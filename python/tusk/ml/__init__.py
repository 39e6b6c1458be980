"""tusk with Spark ML: DataFrame adapters (`tusk.ml.adapter`, as `elephas.ml.adapter`)."""
