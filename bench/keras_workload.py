"""One Keras/TensorFlow training run, for the benchmark: the same model, data, optimizer and
batch size as `tusk train`, timed per epoch with a callback. Prints one JSON line.

Usage: python keras_workload.py MODEL(mlp|cnn) OPTIMIZER BATCH EPOCHS
"""
import gzip, json, os, resource, sys, time

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

DIR = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(DIR, name)) as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def model_for(name):
    if name == "mlp":
        return keras.Sequential([
            keras.Input((784,)), layers.Dense(128, activation="relu"), layers.Dropout(0.2),
            layers.Dense(128, activation="relu"), layers.Dropout(0.2), layers.Dense(10, activation="softmax")])
    return keras.Sequential([
        keras.Input((28, 28, 1)), layers.Conv2D(32, 5, padding="same", activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 5, padding="same", activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
        layers.Dense(512, activation="relu"), layers.Dropout(0.5), layers.Dense(10, activation="softmax")])


class Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.t)


def main():
    name, opt, batch, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    x = idx("train-images-idx3-ubyte.gz").astype("float32") / 255.0
    y = keras.utils.to_categorical(idx("train-labels-idx1-ubyte.gz"), 10)
    xt = idx("t10k-images-idx3-ubyte.gz").astype("float32") / 255.0
    yt = keras.utils.to_categorical(idx("t10k-labels-idx1-ubyte.gz"), 10)
    shape = (-1, 784) if name == "mlp" else (-1, 28, 28, 1)
    x, xt = x.reshape(shape), xt.reshape(shape)
    model = model_for(name)
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
