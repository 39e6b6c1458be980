"""One Spark `local[2]` run for bench/peers/run.py: Elephas or tusk, the same Keras model, the
same RDD (each library's own `to_simple_rdd` over the same arrays), the same settings.

  fit PEER MODE FREQUENCY EPOCHS BATCH      data-parallel training with 2 workers, then test
                                            accuracy of the trained model (evaluated locally)
  predict PEER MODEL MODEL_FILE CALLS       `SparkModel.predict` on an RDD of the 10k test
                                            images, CALLS times in one session
  prepare MODEL(mlp|cnn) MODEL_FILE         trains a Keras model one epoch and saves it (the
                                            model both peers predict with; not timed)

PEER is `elephas` (Elephas' own `SparkModel`, or `AsynchronousSparkModel` for the asynchronous
and hogwild modes, as its README says) or `tusk` (`tusk.spark_model.SparkModel` over the same
model built with `tusk.keras`; a tusk process never imports TensorFlow). `prepare` saves the
trained Keras model twice, MODEL_FILE.keras for Elephas and MODEL_FILE.tusk (the same weights,
through `tusk.keras.from_keras`) for tusk. Prints one line `RESULT {json}`; a mode a peer does
not offer exits with status 3 and says so.
"""
import json
import os
import statistics
import sys
import time
import traceback

import numpy as np

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # Elephas' server binds to the host's address
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from fashion import fashion_mnist, model_for  # noqa: E402

WORKERS = 2


def spark_context():
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master(f"local[{WORKERS}]").appName("tusk-bench-peers")
             .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark.sparkContext


def result(**fields):
    print("RESULT " + json.dumps(fields), flush=True)


def not_offered(why):
    print(f"NOT OFFERED: {why}", file=sys.stderr, flush=True)
    sys.exit(3)


def accuracy(predictions, y):
    return float(np.mean(np.argmax(np.asarray(predictions), 1) == np.argmax(y, 1)))


def compiled_mlp(k):
    model = model_for("mlp", k)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def fit(peer, mode, frequency, epochs, batch):
    (x, y), (xt, yt) = fashion_mnist("mlp")
    sc = spark_context()
    if peer == "elephas":
        import keras
        from elephas.spark_model import AsynchronousSparkModel, SparkModel
        from elephas.utils.rdd_utils import to_simple_rdd
        if mode == "synchronous":
            if frequency != "epoch":
                not_offered("Elephas 7.3 has no synchronous per-batch training: its SparkModel averages once per "
                            "epoch and takes no frequency, and AsynchronousSparkModel(mode='synchronous') applies "
                            "updates asynchronously without a lock")
            spark_model = SparkModel(compiled_mlp(keras), num_workers=WORKERS)
        else:
            spark_model = AsynchronousSparkModel(compiled_mlp(keras), mode=mode, frequency=frequency, num_workers=WORKERS)
    else:
        import tusk.keras
        from tusk.spark_model import SparkModel
        from tusk.utils.rdd_utils import to_simple_rdd
        spark_model = SparkModel(compiled_mlp(tusk.keras), mode=mode, frequency=frequency, num_workers=WORKERS)
    rdd = to_simple_rdd(sc, x, y)
    start = time.perf_counter()
    spark_model.fit(rdd, epochs=epochs, batch_size=batch, verbose=0, validation_split=0.0)
    seconds = time.perf_counter() - start
    trained = spark_model.master_network
    result(seconds_per_epoch=seconds / epochs, samples_per_sec=len(x) * epochs / seconds,
           test_accuracy=accuracy(trained.predict(xt, batch_size=256, verbose=0), yt))


def predict(peer, name, model_file, calls):
    _, (xt, yt) = fashion_mnist(name)
    sc = spark_context()
    if peer == "elephas":
        import keras
        from elephas.spark_model import SparkModel
        spark_model = SparkModel(keras.models.load_model(model_file + ".keras"))
    else:
        import tusk.keras
        from tusk.spark_model import SparkModel
        spark_model = SparkModel(tusk.keras.models.load_model(model_file + ".tusk"))
    rdd = sc.parallelize(xt)
    times, acc = [], None
    for _ in range(calls):
        start = time.perf_counter()
        predictions = spark_model.predict(rdd)
        times.append(time.perf_counter() - start)
        acc = accuracy(predictions, yt)
    steady = statistics.median(times[1:] or times)
    result(first_call_seconds=times[0], seconds=steady, samples_per_sec=len(xt) / steady, test_accuracy=acc)


def prepare(name, model_file):
    import keras
    from tusk.keras import from_keras
    (x, y), _ = fashion_mnist(name)
    model = model_for(name, keras)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    model.save(model_file + ".keras")
    from_keras(model).save(model_file + ".tusk")
    result(saved=model_file)


def main():
    try:
        run(sys.argv[1], sys.argv[2:])
    except SystemExit:
        raise
    except BaseException:  # noqa: BLE001 - report, then exit at once: a peer's leftover
        traceback.print_exc()  # non-daemon server process must not keep this run alive
        sys.stderr.flush()
        os._exit(1)


def run(command, args):
    if command == "fit":
        fit(args[0], args[1], args[2], int(args[3]), int(args[4]))
    elif command == "predict":
        predict(args[0], args[1], args[2], int(args[3]))
    elif command == "prepare":
        prepare(args[0], args[1])
    else:
        sys.exit(f"spark_jobs.py: unknown command {command!r} (fit, predict or prepare)")


if __name__ == "__main__":
    main()
