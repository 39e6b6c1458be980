"""The markdown of bench/RESULTS.md: the machine, versions and commit, the exact commands, how
each number is taken, one table per section (medians over the repeats that succeeded; tusk/peer
ratios pair by pair, then the median), the errors of failed runs, and the issue's goals checked
against the numbers of this run."""
import importlib.metadata
import os
import platform
import statistics
import subprocess
import time

PACKAGES = ("tusk", "tensorflow", "keras", "elephas", "pyspark", "numpy")
PEER_NAMES = {"keras": "Keras", "tusk-cli": "tusk CLI", "tusk-py": "tusk Python", "elephas": "Elephas", "tusk": "tusk"}
SPEED_FIELDS = [("samples_per_sec", ",.0f"), ("seconds_per_epoch", ".2f"), ("test_accuracy", ".4f")]
PREDICT_FIELDS = [("samples_per_sec", ",.0f"), ("first_call_seconds", ".2f"), ("seconds", ".2f"), ("test_accuracy", ".4f")]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _first_line(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=ROOT)
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
    out += [f"Python {platform.python_version()}", _first_line(["rustc", "--version"]), _first_line(["java", "-version"])]
    return ", ".join(out)


def _commit():
    dirty = _first_line(["git", "status", "--porcelain", "--untracked-files=no"])
    return _first_line(["git", "rev-parse", "--short", "HEAD"]) + (" with uncommitted changes" if dirty != "-" else "")


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


def _fmt(value, spec, unit=""):
    return "—" if value is None else format(value, spec) + unit


def _escape(text):
    return text.replace("|", "\\|")


def _cells(outcomes, fields):
    """One peer's cells: runs ok, the median of each field, the median peak memory; when every
    run failed, the first run's error in the first field's cell."""
    ok = [o for o in outcomes if o.ok]
    if not ok:
        error = outcomes[0]["error"] if outcomes else "not run"
        return [f"0/{len(outcomes)}", f"**{_escape(error)}**"] + ["—"] * len(fields)
    peak = statistics.median(o["peak_mib"] for o in ok)
    return [f"{len(ok)}/{len(outcomes)}"] + [_fmt(_median(ok, f), spec) for f, spec in fields] + [f"{peak:.0f}"]


def _table(header, rows, fields, base, key_cols):
    """`rows`: [(key, {peer: outcomes})]; `base` is the peer that ratios are against. Failed runs
    of a row that also has successes are listed under the table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    failures = []
    for key, outcomes in rows:
        for peer, runs in outcomes.items():
            ratios = ["—", "—"] if peer == base else [_fmt(_ratio(runs, outcomes[base], _speed), ".1f", "×"),
                                                       _fmt(_ratio(runs, outcomes[base], _peak), ".2f", "×")]
            label = [*map(str, key[:key_cols]), PEER_NAMES[peer]]
            lines.append("| " + " | ".join([*label, *_cells(runs, fields), *ratios]) + " |")
            if any(o.ok for o in runs):
                failures += [f"- {' '.join(label)}, run {i + 1}: {o['error']}" for i, o in enumerate(runs) if not o.ok]
    if failures:
        lines += ["", "Failed runs in rows that also have successful ones:"] + failures
    return lines


def _goals(results, args):
    lines = []

    def goal(text, value, need, spec, at_most=False):
        if value is None:
            lines.append(f"- **not measured**: {text}")
            return
        met = value <= need if at_most else value >= need
        lines.append(f"- {'**met**' if met else '**not met**'}: {text} ({format(value, spec)})")

    for key, outcomes in results.get("single", []):
        need = 5.0 if key[0] == "mlp" else 1.0
        for peer in ("tusk-cli", "tusk-py"):
            goal(f"{PEER_NAMES[peer]} ≥ {need:g}× Keras samples/s on {' '.join(map(str, key))}",
                 _ratio(outcomes[peer], outcomes["keras"], _speed), need, ".1f")
    for key, outcomes in results.get("spark", []):
        e, t, name = outcomes["elephas"], outcomes["tusk"], " × ".join(key)
        if e and not any(o.ok for o in e):
            error = e[0]["error"]
            if "NOT OFFERED" in error:
                lines.append(f"- not shared: {name} (Elephas: {error})")
                continue
            if error.startswith("timed out") and any(o.ok for o in t):
                bound = args.timeout / (_median(t, "seconds_per_epoch") * args.spark_epochs)
                lines.append(f"- {'**met**' if bound >= 10 else '**not met**'} (lower bound): tusk ≥ 10× Elephas "
                             f"samples/s, {name}: Elephas did not finish in {args.timeout} s, so tusk is at least "
                             f"{bound:.1f}× faster")
                continue
        goal(f"tusk ≥ 10× Elephas samples/s, {name}", _ratio(t, e, _speed), 10.0, ".1f")
        acc_t, acc_e = _median(t, "test_accuracy"), _median(e, "test_accuracy")
        gap = None if acc_t is None or acc_e is None else acc_t - acc_e
        goal(f"tusk test accuracy ≥ Elephas', {name} (tusk − Elephas, points ×100)",
             None if gap is None else 100 * gap, 0.0, "+.2f")
        goal(f"tusk peak memory ≤ ½ Elephas', {name}", _ratio(t, e, _peak), 0.5, ".2f", at_most=True)
    return lines


def markdown(results, args, command, seconds):
    out = ["# tusk against Keras/TensorFlow and Elephas, same machine, same run", "",
           f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}; the whole run took {seconds / 60:.0f} min",
           f"- machine: {_machine()}",
           f"- versions: {_versions()}; tusk at commit {_commit()}",
           "- commands: `bench/peers/setup.sh` (creates bench/.venv-peers: the latest Elephas with the "
           "TensorFlow, Keras, PySpark and numpy it requires, and tusk built from this checkout), then "
           f"`{command}`",
           "- peak memory: the largest sum of PSS over the run's whole process tree (driver, JVM, Python "
           "workers, servers), sampled every 100 ms; PSS splits a page shared by forked processes between "
           "them, so no peer is charged twice for a fork", ""]
    sections = {
        "single": (f"One process: Fashion-MNIST, {args.epochs} epochs, medians of {args.repeats} alternating runs "
                   f"(cnn: {args.cnn_repeats})",
                   "Keras and tusk Python: the same model code (`import keras` or `import tusk.keras as keras`), "
                   "`fit(epochs=1)` as warm-up, then the wall time of `fit(epochs=E-1)` (what the user waits for, "
                   "per-call setup included). tusk CLI (`tusk train`): the mean of its per-epoch times after the "
                   "first (its only clock; data loading not included). Test accuracy on the 10k test set.",
                   ["model", "optimizer", "batch"], SPEED_FIELDS, ["samples/s", "s/epoch", "test acc"], "keras"),
        "spark": (f"Spark local[2], 2 workers: SparkModel.fit, mlp, Adam, batch 32, {args.spark_epochs} epochs, "
                  f"medians of {args.repeats} alternating runs",
                  "samples/s = epochs × 60,000 / the wall time of `fit` (Spark jobs, parameter server, workers: all "
                  "of it); test accuracy of the trained model on the 10k test set. Both fit the same RDD (each "
                  "library's `to_simple_rdd` of the same arrays), with `validation_split=0`. Elephas runs its "
                  "default HTTP parameter server (asynchronous and hogwild) and, in synchronous mode, compiles a "
                  "fresh optimizer on every worker every epoch; tusk's workers keep theirs across rounds.",
                  ["mode", "frequency"], SPEED_FIELDS, ["samples/s", "s/epoch", "test acc"], "elephas"),
        "predict": (f"Spark local[2]: SparkModel.predict on an RDD of the 10k test images, {args.predict_calls} calls "
                    f"per session, medians of {args.repeats} alternating sessions",
                    "samples/s and s per call: the median of the calls after the first (the first starts the Python "
                    "workers and imports the library there); accuracy of the predictions. Both load the same "
                    "trained Keras model (tusk through `from_keras`, saved once in its own format).",
                    ["model"], PREDICT_FIELDS, ["samples/s", "first call s", "s per call", "accuracy"], "elephas"),
    }
    for name, (title, text, keys, fields, columns, base) in sections.items():
        if name in results:
            header = keys + ["peer", "runs ok"] + columns + ["peak MiB", f"samples/s vs {PEER_NAMES[base]}",
                                                              f"peak memory vs {PEER_NAMES[base]}"]
            out += [f"## {title}", "", text, ""] + _table(header, results[name], fields, base, len(keys)) + [""]
    out += ["## The issue's goals, checked against this run", ""] + _goals(results, args) + [""]
    return "\n".join(out)
