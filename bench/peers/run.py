"""tusk against its peers, on this machine, in one run: Keras/TensorFlow in one process, and
Elephas on Spark `local[2]`. Writes bench/RESULTS.md (with --write) and prints it.

Sections (each run is its own process tree, measured from outside by measure.py):
  single   mlp (batch 32 and 128, SGD and Adam) and cnn (batch 128, Adam) on Fashion-MNIST:
           Keras vs `tusk train` (CLI) vs tusk's Python API (`tusk.keras`)
  spark    SparkModel.fit with 2 workers, Adam, batch 32: Elephas vs tusk in every mode x
           frequency (synchronous, asynchronous, hogwild x epoch, batch)
  predict  SparkModel.predict on an RDD of the 10k test images (mlp and cnn), both

Runs alternate peer and tusk (the order flips every repeat); tables give medians over repeats
and tusk/peer ratios computed pair by pair (repeat i of tusk against repeat i of the peer),
then the median. A peer run that fails or exceeds its timeout is reported with its error and
the peer is not run again for that workload; the script goes on.

Usage (after bench/peers/setup.sh):
  bench/.venv-peers/bin/python bench/peers/run.py [--write] [--repeats R] [--epochs E]
      [--spark-epochs E] [--only single,spark,predict] [--timeout S] [--cnn-repeats R]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import measure
import report

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TUSK = os.path.join(ROOT, "target", "release", "tusk")
SINGLE = [("mlp", "sgd", 32), ("mlp", "adam", 32), ("mlp", "sgd", 128), ("mlp", "adam", 128), ("cnn", "adam", 128)]
SPARK_MODES = [(m, f) for m in ("synchronous", "asynchronous", "hogwild") for f in ("epoch", "batch")]
PREDICT_MODELS = ("mlp", "cnn")
SPARK_BATCH = 32


def cli_result(path):
    """The CLI's --report-json as a RESULT: the means over the epochs after the first."""
    with open(path) as f:
        r = json.load(f)
    steady = r["epochs"][1:] or r["epochs"]
    mean = lambda field: sum(e[field] for e in steady) / len(steady)  # noqa: E731
    return {"seconds_per_epoch": mean("seconds"), "samples_per_sec": mean("samples_per_sec"),
            "test_accuracy": r["test_accuracy"]}


def run_single(peer, model, opt, batch, epochs, timeout):
    py = sys.executable
    if peer != "tusk-cli":
        return measure.run([py, os.path.join(HERE, "single.py"), peer, model, opt, str(batch), str(epochs)], timeout)
    with tempfile.NamedTemporaryFile(suffix=".json") as rep:
        return measure.run([TUSK, "train", "--model", model, "--data", "fashion-mnist", "--epochs", str(epochs),
                            "--batch-size", str(batch), "--optimizer", opt, "--report-json", rep.name],
                           timeout, parse_file=lambda: cli_result(rep.name))


def spark_argv(*args):
    return [sys.executable, os.path.join(HERE, "spark_jobs.py"), *map(str, args)]


def alternate(peers, repeats, run_one):
    """{peer: [Outcome per repeat]}; the order of `peers` rotates every repeat, and a peer that
    failed is not run again."""
    outcomes = {p: [] for p in peers}
    for r in range(repeats):
        order = peers[r % len(peers):] + peers[:r % len(peers)]
        for peer in order:
            if outcomes[peer] and not outcomes[peer][-1].ok:
                continue
            outcome = run_one(peer)
            outcomes[peer].append(outcome)
            status = "ok" if outcome.ok else outcome["error"]
            print(f"  {peer}: {status} ({outcome['wall_s']:.0f} s, peak {outcome['peak_mib']:.0f} MiB)",
                  file=sys.stderr, flush=True)
    return outcomes


def section_single(a):
    rows = []
    for model, opt, batch in SINGLE:
        print(f"single {model} {opt} {batch}", file=sys.stderr, flush=True)
        repeats = a.repeats if model == "mlp" else a.cnn_repeats
        outcomes = alternate(["keras", "tusk-cli", "tusk-py"], repeats,
                             lambda peer: run_single(peer, model, opt, batch, a.epochs, a.timeout))
        rows.append(((model, opt, batch), outcomes))
    return rows


def section_spark(a):
    rows = []
    for mode, frequency in SPARK_MODES:
        print(f"spark {mode} {frequency}", file=sys.stderr, flush=True)
        outcomes = alternate(["elephas", "tusk"], a.repeats, lambda peer: measure.run(
            spark_argv("fit", peer, mode, frequency, a.spark_epochs, SPARK_BATCH), a.timeout))
        rows.append(((mode, frequency), outcomes))
    return rows


def section_predict(a, tmp):
    rows = []
    for model in PREDICT_MODELS:
        print(f"predict {model}", file=sys.stderr, flush=True)
        path = os.path.join(tmp, model)
        prepared = measure.run(spark_argv("prepare", model, path), a.timeout)
        if not prepared.ok:
            prepared["error"] = f"preparing the trained {model} model: {prepared['error']}"
            rows.append(((model,), {"elephas": [prepared], "tusk": [prepared]}))
            continue
        outcomes = alternate(["elephas", "tusk"], a.repeats, lambda peer: measure.run(
            spark_argv("predict", peer, model, path, a.predict_calls), a.timeout))
        rows.append(((model,), outcomes))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each peer per workload (default 3)")
    ap.add_argument("--cnn-repeats", type=int, default=2, help="runs of the single-process cnn (default 2)")
    ap.add_argument("--epochs", type=int, default=3, help="single-process epochs, the first is warm-up (default 3)")
    ap.add_argument("--spark-epochs", type=int, default=10, help="epochs of each Spark fit (default 10)")
    ap.add_argument("--predict-calls", type=int, default=3, help="predict calls per Spark session (default 3)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds before a run is killed (default 900)")
    ap.add_argument("--only", default="single,spark,predict", help="comma-separated sections")
    ap.add_argument("--write", action="store_true", help="write bench/RESULTS.md")
    a = ap.parse_args()
    sections = a.only.split(",")
    unknown = set(sections) - {"single", "spark", "predict"}
    if unknown:
        ap.error(f"--only: unknown sections {sorted(unknown)}")
    if "single" in sections:  # the CLI from this checkout (setup.sh built the Python package from it)
        subprocess.run(["cargo", "build", "--release", "-p", "tusk-cli"], cwd=ROOT, check=True)
    started = time.time()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "single" in sections:
            results["single"] = section_single(a)
        if "spark" in sections:
            results["spark"] = section_spark(a)
        if "predict" in sections:
            results["predict"] = section_predict(a, tmp)
    text = report.markdown(results, a, " ".join(["bench/.venv-peers/bin/python", "bench/peers/run.py"] + sys.argv[1:]),
                           time.time() - started)
    print(text)
    if a.write:
        with open(os.path.join(ROOT, "bench", "RESULTS.md"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
