"""One Keras/TensorFlow training run, for the benchmark: the same model, data, optimizer and
batch size as `tusk train`, timed per epoch with a callback. Prints one JSON line.

Usage: python keras_workload.py MODEL(mlp|cnn) OPTIMIZER BATCH EPOCHS
"""
import json, os, resource, sys, time

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

from fashion import fashion_mnist, model_for  # noqa: E402


class Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.t)


def main():
    name, opt, batch, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    (x, y), (xt, yt) = fashion_mnist(name)
    model = model_for(name, keras)
    model.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
    timer = Timer()
    timer.times = []
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, callbacks=[timer])
    _, acc = model.evaluate(xt, yt, batch_size=256, verbose=0)
    steady = timer.times[1:] or timer.times
    print(json.dumps({
        "seconds_per_epoch": sum(steady) / len(steady),
        "samples_per_sec": len(x) / (sum(steady) / len(steady)),
        "test_accuracy": float(acc),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "versions": {"keras": keras.__version__, "tensorflow": __import__("tensorflow").__version__},
    }))


if __name__ == "__main__":
    main()
