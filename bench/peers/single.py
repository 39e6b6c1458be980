"""One single-process training run for bench/peers/run.py: Keras/TensorFlow or tusk's Python API
(`tusk.keras`: the same model code with `import tusk.keras as keras`; TensorFlow is not imported),
on Fashion-MNIST.

Both do what a user does: `fit(epochs=1)` (the first epoch: graph tracing, warm-up), then
`fit(epochs=E-1)` timed as the steady state, then `evaluate` on the 10k test set.
Prints one line `RESULT {json}`: seconds_per_epoch, samples_per_sec, test_accuracy,
peak_rss_mib (this process alone) and, for Keras, versions. bench/core.py runs its Keras side
with this script too.

Usage: python single.py keras|tusk-py MODEL(mlp|cnn) OPTIMIZER BATCH EPOCHS
"""
import json
import os
import resource
import sys
import time

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from fashion import fashion_mnist, model_for  # noqa: E402


def main():
    peer, name, opt, batch, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    if epochs < 2:
        sys.exit("single.py: EPOCHS must be at least 2 (the first is warm-up)")
    (x, y), (xt, yt) = fashion_mnist(name)
    if peer == "keras":
        import keras
    elif peer == "tusk-py":
        import tusk.keras as keras
    else:
        sys.exit(f"single.py: unknown peer {peer!r} (keras or tusk-py)")
    model = model_for(name, keras)
    model.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=epochs - 1, verbose=0)
    per_epoch = (time.perf_counter() - start) / (epochs - 1)
    _, acc = model.evaluate(xt, yt, batch_size=256, verbose=0)
    result = {"seconds_per_epoch": per_epoch, "samples_per_sec": len(x) / per_epoch, "test_accuracy": float(acc),
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    if peer == "keras":
        result["versions"] = {"keras": keras.__version__, "tensorflow": __import__("tensorflow").__version__}
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
