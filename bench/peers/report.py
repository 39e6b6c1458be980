"""The markdown of bench/RESULTS.md: the machine and versions, the exact commands, one table per
section (medians over the repeats that succeeded; tusk/peer ratios pair by pair, then the
median), and the issue's goals checked against the numbers of this run."""
import importlib.metadata
import os
import platform
import statistics
import subprocess
import time

PACKAGES = ("tusk", "tensorflow", "keras", "elephas", "pyspark", "numpy")
PEER_NAMES = {"keras": "Keras", "tusk-cli": "tusk CLI", "tusk-py": "tusk Python", "elephas": "Elephas", "tusk": "tusk"}


def _command(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (done.stdout or done.stderr).strip().splitlines()[0]  # java -version prints on stderr
    except (OSError, IndexError, subprocess.SubprocessError):
        return "-"


def _machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0) / 2**20
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} {platform.release()}"


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _versions():
    out = [f"{p} {_version(p)}" for p in PACKAGES]
    out += [f"Python {platform.python_version()}", _command(["rustc", "--version"]), _command(["java", "-version"])]
    return ", ".join(out)


def _median(outcomes, field):
    values = [o["result"][field] for o in outcomes if o.ok]
    return statistics.median(values) if values else None


def _ratio(tusk, peer, value):
    """Median over repeats i where both succeeded of value(tusk[i]) / value(peer[i])."""
    pairs = [value(t) / value(p) for t, p in zip(tusk, peer) if t.ok and p.ok and value(p)]
    return statistics.median(pairs) if pairs else None


def _speed(o):
    return o["result"]["samples_per_sec"]


def _peak(o):
    return o["peak_mib"]


def _fmt(value, spec):
    return "—" if value is None else format(value, spec)


def _cells(outcomes, fields):
    """Cells for one peer's row: runs, the median of each field, the median peak memory."""
    ok = [o for o in outcomes if o.ok]
    if not ok:
        error = (outcomes[0]["error"] if outcomes else "not run").replace("|", "\\|")
        return [f"0/{len(outcomes)}", f"**{error}**"] + ["—"] * len(fields)  # the error takes the first field's cell
    peak = statistics.median(o["peak_mib"] for o in ok)
    return [f"{len(ok)}/{len(outcomes)}"] + [_fmt(_median(ok, f), spec) for f, spec in fields] + [f"{peak:.0f}"]


def _table(header, rows, fields, base, key_cols):
    """`rows`: [(key, {peer: outcomes})]; the first peer of each is `base`, the one ratios are against."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key, outcomes in rows:
        for peer, runs in outcomes.items():
            cells = _cells(runs, fields)
            ratios = ["—", "—"] if peer == base else [
                _fmt(_ratio(runs, outcomes[base], _speed), ".1f") + "×",
                _fmt(_ratio(runs, outcomes[base], _peak), ".2f") + "×"]
            lines.append("| " + " | ".join([*map(str, key[:key_cols]), PEER_NAMES[peer], *cells, *ratios]) + " |")
    return lines


SPEED_FIELDS = [("samples_per_sec", ",.0f"), ("seconds_per_epoch", ".2f"), ("test_accuracy", ".4f")]
PREDICT_FIELDS = [("samples_per_sec", ",.0f"), ("first_call_seconds", ".2f"), ("seconds", ".2f"), ("test_accuracy", ".4f")]


def _goals(results):
    lines = []

    def goal(text, met, detail):
        lines.append(f"- {'**met**' if met else '**not met**'}: {text} ({detail})")

    for key, outcomes in results.get("single", []):
        for peer in ("tusk-cli", "tusk-py"):
            r = _ratio(outcomes[peer], outcomes["keras"], _speed)
            need = 5.0 if key[0] == "mlp" else 1.0
            goal(f"{PEER_NAMES[peer]} ≥ {need:g}× Keras samples/s on {' '.join(map(str, key))}",
                 r is not None and r >= need, f"{_fmt(r, '.1f')}×")
    for key, outcomes in results.get("spark", []):
        e, t = outcomes["elephas"], outcomes["tusk"]
        if not any(o.ok for o in e):
            lines.append(f"- not shared: {' × '.join(key)} — Elephas: {e[0]['error'] if e else 'not run'}")
            continue
        r, m = _ratio(t, e, _speed), _ratio(t, e, _peak)
        acc_t, acc_e = _median(t, "test_accuracy"), _median(e, "test_accuracy")
        goal(f"tusk ≥ 10× Elephas samples/s, {' × '.join(key)}", r is not None and r >= 10, f"{_fmt(r, '.1f')}×")
        goal(f"tusk accuracy ≥ Elephas', {' × '.join(key)}", acc_t is not None and acc_e is not None and acc_t >= acc_e,
             f"{_fmt(acc_t, '.4f')} vs {_fmt(acc_e, '.4f')}")
        goal(f"tusk peak memory ≤ ½ Elephas', {' × '.join(key)}", m is not None and m <= 0.5, f"{_fmt(m, '.2f')}×")
    return lines


def markdown(results, args, command, seconds):
    out = ["# tusk against Keras/TensorFlow and Elephas, same machine, same run", "",
           f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}; the whole run took {seconds / 60:.0f} min",
           f"- machine: {_machine()}",
           f"- versions: {_versions()}",
           "- commands: `bench/peers/setup.sh` (creates bench/.venv-peers: Elephas with the TensorFlow, "
           "PySpark and numpy it requires, and tusk built from this checkout), then "
           f"`{command}`",
           "- peak memory: the largest sum of RSS over the run's whole process tree (driver, JVM, Python "
           "workers, servers), sampled every 50 ms; pages shared by forked workers count once per process, "
           "for every peer alike", ""]
    if "single" in results:
        out += [f"## One process: Fashion-MNIST, {args.epochs} epochs (the first is warm-up; samples/s and s/epoch "
                f"over the others), medians of {args.repeats} alternating runs (cnn: {args.cnn_repeats})", ""]
        out += _table(["model", "optimizer", "batch", "peer", "runs ok", "samples/s", "s/epoch", "test acc",
                       "peak MiB", "samples/s vs Keras", "peak memory vs Keras"],
                      results["single"], SPEED_FIELDS, "keras", 3)
        out.append("")
    if "spark" in results:
        out += [f"## Spark local[2], 2 workers: SparkModel.fit, mlp, Adam, batch 32, {args.spark_epochs} epochs, "
                f"medians of {args.repeats} alternating runs", "",
                "samples/s = epochs × 60,000 / the wall time of `fit` (Spark jobs, server, workers, all of it); "
                "test accuracy of the trained master model on the 10k test set.", ""]
        out += _table(["mode", "frequency", "peer", "runs ok", "samples/s", "s/epoch", "test acc", "peak MiB",
                       "samples/s vs Elephas", "peak memory vs Elephas"],
                      results["spark"], SPEED_FIELDS, "elephas", 2)
        out.append("")
    if "predict" in results:
        out += [f"## Spark local[2]: SparkModel.predict on an RDD of the 10k test images, {args.predict_calls} calls "
                f"per session, medians of {args.repeats} alternating sessions", "",
                "samples/s and s per call: the calls after the first (the first starts the Python workers and "
                "imports the library there); accuracy of the predictions (both peers load the same trained "
                "Keras model).", ""]
        out += _table(["model", "peer", "runs ok", "samples/s", "first call s", "s per call", "accuracy", "peak MiB",
                       "samples/s vs Elephas", "peak memory vs Elephas"],
                      results["predict"], PREDICT_FIELDS, "elephas", 1)
        out.append("")
    out += ["## The issue's goals, checked against this run", ""] + _goals(results) + [""]
    return "\n".join(out)
