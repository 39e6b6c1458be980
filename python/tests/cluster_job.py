"""Run by test_cluster.py against a Spark standalone cluster: trains the Elephas README model
with SparkModel on Fashion-MNIST, with executors in the cluster's worker JVMs, and prints one
JSON line: the test accuracy and the process ids that ran tasks."""
import json
import os
import sys

from pyspark.sql import SparkSession

from tusk.keras.layers import Dense, Dropout
from tusk.keras.models import Sequential
from tusk.spark_model import SparkModel
from tusk.utils.rdd_utils import to_simple_rdd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fashion import fashion_mnist  # noqa: E402

master = sys.argv[1]
spark = (SparkSession.builder.master(master).appName("tusk-cluster-test")
         .config("spark.ui.enabled", "false").config("spark.log.level", "ERROR")
         .config("spark.executor.memory", "1g").config("spark.cores.max", "2")
         .config("spark.executorEnv.PYTHONPATH", os.environ.get("PYTHONPATH", ""))
         .getOrCreate())
sc = spark.sparkContext
x, y = fashion_mnist(6000)
tx, ty = fashion_mnist(1000, test=True)
model = Sequential([Dense(128, activation="relu", input_shape=(784,)), Dropout(0.2), Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
rdd = to_simple_rdd(sc, x, y).repartition(2)
pids = sorted(set(rdd.mapPartitions(lambda _: [os.getpid()]).collect()))
spark_model = SparkModel(model, frequency="batch", mode="asynchronous", num_workers=2)
spark_model.fit(rdd, epochs=3, batch_size=32, verbose=0, validation_split=0.0)
loss, acc = spark_model.master_network.evaluate(tx, ty, verbose=0)
print(json.dumps({"accuracy": float(acc), "executor_pids": pids, "driver_pid": os.getpid()}))
spark.stop()
