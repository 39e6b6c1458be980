"""tusk with Spark MLlib: vector and matrix adapters (`tusk.mllib.adapter`, as `elephas.mllib.adapter`)."""
