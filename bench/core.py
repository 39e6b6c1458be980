"""tusk-core against Keras/TensorFlow on this machine, in one run, on Fashion-MNIST.

Runs each workload with `tusk train` (the release binary) and with Keras (bench/peers/single.py
in a Python that has TensorFlow), alternating, `--repeats` times (the cnn once), and prints a
markdown table of medians: seconds per epoch, samples/s (steady-state: epochs after the first),
test accuracy, peak RSS, and tusk/Keras ratios.

Usage:  python3 bench/core.py [--epochs N] [--repeats R] [--no-keras] [--only mlp|cnn]
The Keras Python is $KERAS_PYTHON, else bench/.venv-keras (created with tensorflow-cpu + keras
on first use; outside the test path).
"""
import argparse, json, os, platform, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUSK = os.path.join(ROOT, "target", "release", "tusk")
VENV = os.path.join(ROOT, "bench", ".venv-keras")
WORKLOADS = [("mlp", "sgd", 32), ("mlp", "adam", 32), ("mlp", "sgd", 128), ("mlp", "adam", 128), ("cnn", "adam", 128)]
DATASET_MIB = 60000 * 784 * 4 / 2**20 + 10000 * 784 * 4 / 2**20  # f32 train + test images


def keras_python():
    py = os.environ.get("KERAS_PYTHON")
    if py:
        return py
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        print(f"creating {VENV} with tensorflow-cpu and keras ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "tensorflow-cpu", "keras"], check=True)
    return py


def run_tusk(model, opt, batch, epochs):
    with tempfile.NamedTemporaryFile(suffix=".json") as rep:
        subprocess.run([TUSK, "train", "--model", model, "--data", "fashion-mnist", "--epochs", str(epochs),
                        "--batch-size", str(batch), "--optimizer", opt, "--report-json", rep.name],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = json.load(open(rep.name))
    steady = r["epochs"][1:] or r["epochs"]
    secs = sum(e["seconds"] for e in steady) / len(steady)
    sps = sum(e["samples_per_sec"] for e in steady) / len(steady)
    return {"seconds_per_epoch": secs, "samples_per_sec": sps, "test_accuracy": r["test_accuracy"], "peak_rss_mib": r["peak_rss_mib"]}


def run_keras(py, model, opt, batch, epochs):
    out = subprocess.run([py, os.path.join(ROOT, "bench", "peers", "single.py"), "keras", model, opt, str(batch), str(epochs)],
                         check=True, capture_output=True, text=True, timeout=3600)
    return json.loads([line for line in out.stdout.splitlines() if line.startswith("RESULT ")][-1][len("RESULT "):])


def median(runs):
    """Per-field medians of several runs' results."""
    return {k: statistics.median(r[k] for r in runs) for k, v in runs[0].items() if isinstance(v, (int, float))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--no-keras", action="store_true")
    ap.add_argument("--only", choices=["mlp", "cnn"])
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    if not os.path.exists(TUSK):
        subprocess.run(["cargo", "build", "--release", "-p", "tusk-cli"], cwd=ROOT, check=True)
    py = None if a.no_keras else keras_python()
    rows, versions = [], {}
    for model, opt, batch in WORKLOADS:
        if a.only and model != a.only:
            continue
        ts, ks = [], []
        for _ in range(a.repeats if model == "mlp" else 1):
            ts.append(run_tusk(model, opt, batch, a.epochs))
            if py:
                ks.append(run_keras(py, model, opt, batch, a.epochs))
        if ks:
            versions = ks[0].get("versions", versions)
        rows.append((model, opt, batch, median(ts), median(ks) if ks else None))
        print(f"done {model} {opt} {batch}", file=sys.stderr)
    fmt = lambda v, f: "-" if v is None else f.format(v)
    lines = [
        f"tusk vs Keras on Fashion-MNIST, {a.epochs} epochs each, steady-state = epochs after the first; "
        f"medians of {a.repeats} alternating runs (cnn: 1)",
        f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}; "
        f"keras {versions.get('keras', '-')}, tensorflow {versions.get('tensorflow', '-')}; "
        f"dataset as f32: {DATASET_MIB:.0f} MiB",
        "",
        "| model | optimizer | batch | tusk samples/s | Keras samples/s | ratio | tusk s/epoch | Keras s/epoch | tusk test acc | Keras test acc | tusk peak MiB | Keras peak MiB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for model, opt, batch, t, k in rows:
        k = k or {}
        ratio = t["samples_per_sec"] / k["samples_per_sec"] if k else None
        lines.append(
            f"| {model} | {opt} | {batch} | {t['samples_per_sec']:.0f} | {fmt(k.get('samples_per_sec'), '{:.0f}')} | {fmt(ratio, '{:.1f}x')} "
            f"| {t['seconds_per_epoch']:.2f} | {fmt(k.get('seconds_per_epoch'), '{:.2f}')} | {t['test_accuracy']:.4f} | {fmt(k.get('test_accuracy'), '{:.4f}')} "
            f"| {t['peak_rss_mib']:.0f} | {fmt(k.get('peak_rss_mib'), '{:.0f}')} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
