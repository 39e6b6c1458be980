"""tusk-dist on this machine: convergence of every Elephas mode and dist-keras trainer next to
SingleTrainer, parameter-server throughput, compression, and the overhead of a second worker.

Prints markdown tables (and writes them to bench/dist-results.md with --write):
1. Convergence: Fashion-MNIST `mlp`, --epochs (5), batch 32, 4 worker threads, Adam: test accuracy,
   its difference to single, wall time of training.
2. Parameter server: commits/s and MB/s on loopback TCP for a 1M- and a 10M-parameter model with 8
   workers, bytes per commit for each compression (examples/ps_throughput.rs).
3. Compression and accuracy: DOWNPOUR (λ = 4, 4 workers) with each compression.
4. Overhead: asynchronous per-batch training, λ = 4 and 8, 1 worker against 2 (samples/s).

Usage:  python3 bench/dist.py [--epochs N] [--write] [--only convergence,ps,compression,overhead]
Needs the release build: cargo build --release -p tusk-cli -p tusk-dist --example ps_throughput
"""
import argparse, json, os, platform, subprocess, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUSK = os.path.join(ROOT, "target", "release", "tusk")
PS_BENCH = os.path.join(ROOT, "target", "release", "examples", "ps_throughput")

CONVERGENCE = [
    ("single", ["--trainer", "single"]),
    ("synchronous, epoch", ["--mode", "synchronous", "--frequency", "epoch"]),
    ("synchronous, batch", ["--mode", "synchronous", "--frequency", "batch"]),
    ("asynchronous, epoch", ["--mode", "asynchronous", "--frequency", "epoch"]),
    ("asynchronous, batch λ=4", ["--mode", "asynchronous", "--frequency", "batch", "--window", "4"]),
    ("hogwild, batch λ=4", ["--mode", "hogwild", "--frequency", "batch", "--window", "4"]),
    ("averaging", ["--trainer", "averaging"]),
    ("ensemble", ["--trainer", "ensemble"]),
    ("downpour λ=5", ["--trainer", "downpour"]),
    ("adag λ=12", ["--trainer", "adag"]),
    ("dynsgd λ=5", ["--trainer", "dynsgd"]),
    ("aeasgd λ=32", ["--trainer", "aeasgd"]),
    ("eamsgd λ=32 (η=0.01, ρ=10)", ["--trainer", "eamsgd", "--elastic-lr", "0.01", "--rho", "10"]),
]


def tusk_train(args, epochs, workers):
    with tempfile.NamedTemporaryFile(suffix=".json") as rep:
        cmd = [TUSK, "train", "--model", "mlp", "--data", "fashion-mnist", "--epochs", str(epochs), "--batch-size", "32",
               "--workers", str(workers), "--report-json", rep.name] + args
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return json.load(open(rep.name))


def convergence(epochs):
    rows, single = [], None
    for name, args in CONVERGENCE:
        r = tusk_train(args, epochs, 4)
        single = r["test_accuracy"] if single is None else single
        rows.append(f"| {name} | {r['test_accuracy']:.4f} | {100 * (r['test_accuracy'] - single):+.1f} | {r['train_seconds']:.1f} | "
                    f"{r['train_samples_per_sec']:.0f} | {r['commits']} | {r['staleness_mean']:.2f} / {r['staleness_max']} |")
    head = (f"Convergence: Fashion-MNIST mlp, {epochs} epochs, batch 32, Adam, 4 worker threads (single: 1)\n\n"
            "| mode / trainer | test acc | Δ vs single (points) | train s | samples/s | commits | staleness mean / max |\n"
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    return "\n".join([head] + rows)


def ps_throughput():
    rows = []
    for params in (1_000_000, 10_000_000):
        out = subprocess.run([PS_BENCH, str(params), "8", "3", "none", "fp16", "bf16", "topk:0.01"], check=True, capture_output=True, text=True)
        rows += out.stdout.strip().splitlines()
    head = ("Parameter server on loopback TCP, 8 worker threads pulling and committing for 3 s (DOWNPOUR)\n\n"
            "| parameters | workers | compression | commits/s | MB/s in | MB/s both ways | bytes in per commit |\n"
            "| ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    return "\n".join([head] + rows)


def compression(epochs):
    rows = []
    for c in ("none", "fp16", "bf16", "topk:0.1", "topk:0.01"):
        r = tusk_train(["--trainer", "downpour", "--window", "4", "--compression", c], epochs, 4)
        commits = max(r["commits"], 1)
        rows.append(f"| {c} | {r['test_accuracy']:.4f} | {r['bytes_received'] / commits:.0f} | {r['bytes_received'] / 1e6:.0f} | {r['train_seconds']:.1f} |")
    head = (f"Compression: DOWNPOUR λ=4, 4 workers, mlp, {epochs} epochs\n\n"
            "| compression | test acc | bytes per commit | MB committed | train s |\n| --- | ---: | ---: | ---: | ---: |")
    return "\n".join([head] + rows)


def overhead(epochs):
    rows = []
    for window in (4, 8):
        args = ["--mode", "asynchronous", "--frequency", "batch", "--window", str(window)]
        one = tusk_train(args, epochs, 1)
        two = tusk_train(args, epochs, 2)
        ratio = two["train_samples_per_sec"] / one["train_samples_per_sec"]
        rows.append(f"| {window} | {one['train_samples_per_sec']:.0f} | {two['train_samples_per_sec']:.0f} | {ratio:.2f}x | "
                    f"{one['test_accuracy']:.4f} | {two['test_accuracy']:.4f} |")
    head = (f"Overhead: asynchronous per-batch mlp, batch 32, {epochs} epochs, worker threads on this {os.cpu_count()}-core machine\n\n"
            "| λ | 1 worker samples/s | 2 workers samples/s | ratio | 1 worker acc | 2 workers acc |\n| ---: | ---: | ---: | ---: | ---: | ---: |")
    return "\n".join([head] + rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--only", default="convergence,ps,compression,overhead")
    a = ap.parse_args()
    parts = a.only.split(",")
    out = [f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}"]
    if "convergence" in parts:
        out.append(convergence(a.epochs))
    if "ps" in parts:
        out.append(ps_throughput())
    if "compression" in parts:
        out.append(compression(a.epochs))
    if "overhead" in parts:
        out.append(overhead(min(a.epochs, 3)))
    text = "\n\n".join(out) + "\n"
    print(text)
    if a.write:
        with open(os.path.join(ROOT, "bench", "dist-results.md"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
