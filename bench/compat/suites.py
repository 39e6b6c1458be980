"""Runs the peers' own test suites and examples on tusk, as a migrating user would: a copy of
each with only the imports changed (`rewrite.py`), offline data (`offline.py`) and pytest-spark's
fixtures (`plugin.py`); prints a table of what passes, with tusk.keras models and with real
Keras 3 models, and with `--write` records it in `bench/compat/RESULTS.md`.

    .venv/bin/python bench/compat/suites.py --elephas PATH [--elephas PATH ...] [--keras tusk|real|both]
        [--only-tests | --only-examples] [--timeout S] [--write]

PATH is a checkout of Elephas (its `tests/` and `examples/` are read, never copied into tusk);
`--distkeras PATH` a checkout of dist-keras, whose examples and notebooks run as Python 3
scripts (`notebooks.py` lists the few rules besides the imports: Python 2 syntax, the cluster,
offline data).
Tests of Elephas-private details (its parameter-server client classes, socket and lock
helpers) are reported apart and not counted; see PRIVATE.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import notebooks  # noqa: E402
from offline import write_keras_cache, write_otto  # noqa: E402
from rewrite import rewrite  # noqa: E402

#: Test files about Elephas' own internals (its HTTP/socket parameter-server classes, RWLock, sockets).
PRIVATE = ("parameter/", "utils/test_rwlock.py", "utils/test_sockets.py")
#: Examples that need what no migrating user of tusk has offline (Hugging Face models).
SKIPPED_EXAMPLES = {"hf_causal_modeling.py": "downloads a Hugging Face model",
                    "hf_text_classification.py": "downloads a Hugging Face model",
                    "hf_token_classification.py": "downloads a Hugging Face model"}


def split_label(arg: str):
    """`LABEL=PATH` or `PATH` (labelled by the version its packaging files give)."""
    label, sep, path = arg.partition("=")
    if sep and "/" not in label:
        return label, path
    return version_of(arg), arg


def version_of(tree: str) -> str:
    for name in ("pyproject.toml", "setup.py"):
        path = os.path.join(tree, name)
        if os.path.exists(path):
            m = re.search(r"version\s*=\s*['\"]([^'\"]+)", open(path).read())
            if m:
                return m.group(1)
    return os.path.basename(os.path.normpath(tree))


def copy_rewritten(src: str, dst: str, keras: str) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for root, _, files in os.walk(dst):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(root, f)
                with open(path) as fh:
                    text = fh.read()
                with open(path, "w") as fh:
                    fh.write(rewrite(text, keras))


def env_for(keras_home: str) -> dict:
    # The peers' READMEs run their examples with `spark-submit --driver-memory ...`: Spark's
    # default 1 GB driver heap cannot ship MNIST parallelized into 8 partitions.
    env = dict(os.environ, KERAS_HOME=keras_home, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="-1",
               PYSPARK_SUBMIT_ARGS="--driver-memory 4g pyspark-shell",
               PYTHONPATH=os.pathsep.join([HERE, os.environ.get("PYTHONPATH", "")]), PYTHONWARNINGS="ignore")
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    return env


def run_tests(workdir: str, env: dict, timeout: float):
    """(case, outcome, message) for every test of `workdir/tests`."""
    report = os.path.join(workdir, "junit.xml")
    cmd = [sys.executable, "-m", "pytest", "tests", "-p", "plugin", "-p", "no:cacheprovider", "-q", "-o", "addopts=",
           "--continue-on-collection-errors",
           f"--junitxml={report}", "-W", "ignore"]
    try:
        subprocess.run(cmd, cwd=workdir, env=env, timeout=timeout, capture_output=True)
    except subprocess.TimeoutExpired:
        return [("(whole suite)", "timeout", f"over {timeout:.0f} s")]
    if not os.path.exists(report):
        return [("(whole suite)", "error", "pytest wrote no report")]
    cases = {}
    for case in ET.parse(report).iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name')}"
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                text = (node.get("message") or node.text or "").strip()
                message = text.splitlines()[0][:200] if text else ""
                outcome = "skipped" if tag == "skipped" else "keras" if keras_own(node.text or "") else "failed"
        if name not in cases or cases[name][1] == "passed":  # a test failing in its call and teardown: once
            cases[name] = (name, outcome, message)
    return list(cases.values())


def run_examples(workdir: str, env: dict, timeout: float):
    examples = os.path.join(workdir, "examples")
    if not os.path.isdir(examples):
        return []
    write_otto(workdir)  # the Otto example reads ../train.csv
    out = []
    for name in sorted(os.listdir(examples)):
        if not name.endswith(".py"):
            continue
        if name in SKIPPED_EXAMPLES:
            out.append((name, "skipped", SKIPPED_EXAMPLES[name]))
            continue
        out.append((name, *_run_script(os.path.join(examples, name), examples, env, timeout)))
    return out


def run_distkeras_examples(tree: str, workdir: str, keras: str, env: dict, timeout: float):
    """dist-keras' examples (scripts and notebooks) as Python 3 scripts (`notebooks.py`)."""
    from tusk.keras.datasets import fashion_mnist

    source = os.path.join(tree, "examples")
    examples = os.path.join(workdir, "examples")
    os.makedirs(os.path.join(examples, "data"))
    notebooks.write_distkeras_data(os.path.join(examples, "data"), fashion_mnist.load_data())
    for alias, target in notebooks.ALIASES.items():
        os.symlink(target, os.path.join(examples, "data", alias))
    out = []
    for name in notebooks.ordered(os.listdir(source)):
        if name in notebooks.UNRUNNABLE:
            out.append((name, "skipped", notebooks.UNRUNNABLE[name]))
            continue
        script = os.path.join(examples, name.replace(".ipynb", "") + ("_nb.py" if name.endswith(".ipynb") else ""))
        with open(script, "w") as f:
            f.write(notebooks.script_of(os.path.join(source, name), keras))
        out.append((name, *_run_script(script, examples, env, timeout)))
    return out


def _run_script(script, cwd, env, timeout):
    """(outcome, message) of running one script."""
    start = time.time()
    try:
        done = subprocess.run([sys.executable, os.path.basename(script)], cwd=cwd, env=env, timeout=timeout,
                              capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return "failed", f"timeout after {timeout:.0f} s"
    if done.returncode == 0:
        return "passed", f"{time.time() - start:.0f} s"
    return "failed", (done.stderr.strip().splitlines() or [""])[-1][:200]


_FRAME = re.compile(r'^(?:File "([^"]+)", line \d+|(\S+\.py):\d+: )', re.M)


def keras_own(traceback: str) -> bool:
    """Whether a failure is real Keras 3 refusing the code itself (a Keras 2 spelling), with
    no tusk code on the way: a frame is in keras/TensorFlow, and none is tusk's (pytest's own
    frames may follow, e.g. `deprecated_call` reporting the error raised inside it)."""
    frames = [a or b for a, b in _FRAME.findall(traceback)]
    return not any("/tusk/" in f for f in frames) and \
        any(part in f for f in frames for part in ("/keras/", "/tensorflow/"))


def is_private(case: str) -> bool:
    """Whether a test id (`tests.parameter.test_client::test_x`, or a module's collection
    failure `::tests.parameter.test_client`) is in a PRIVATE file."""
    path = case.replace("::", "/").replace(".", "/")
    return any(p.rstrip("/").replace(".py", "") in path for p in PRIVATE)


def summarize(rows):
    counted = [r for r in rows if r[1] in ("passed", "failed") and not is_private(r[0])]
    passed = sum(r[1] == "passed" for r in counted)
    return passed, len(counted)


def table(results) -> str:
    lines = ["| suite | keras | what | passed | share |", "| --- | --- | --- | ---: | ---: |"]
    for (suite, keras, what), rows in results.items():
        passed, total = summarize(rows)
        share = f"{100 * passed / total:.0f} %" if total else "—"
        lines.append(f"| {suite} | {keras} | {what} | {passed} / {total} | {share} |")
    lines.append("")
    for (suite, keras, what), rows in results.items():
        failed = [r for r in rows if r[1] == "failed"]
        private = [r for r in rows if is_private(r[0]) and r[1] != "skipped"]
        refused = [r for r in rows if r[1] == "keras"]
        if refused:
            lines.append(f"**{suite}, {keras}, {what}: real Keras 3 itself refuses the code (not counted)**")
            lines += [f"- `{name}`: {msg}" for name, _, msg in refused]
            lines.append("")
        if failed:
            lines.append(f"**{suite}, {keras}, {what}: not passing**")
            for name, _, msg in failed:
                note = " (private, not counted)" if is_private(name) else ""
                escaped = msg.replace("|", "\\|")
                lines.append(f"- `{name}`{note}: {escaped}")
            lines.append("")
        if private:
            lines.append(f"{suite}, {keras}, {what}: {len(private)} tests of Elephas-private details not counted.")
            lines.append("")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elephas", action="append", default=[], help="an Elephas checkout, PATH or LABEL=PATH (repeatable)")
    ap.add_argument("--distkeras", help="a dist-keras checkout, PATH or LABEL=PATH (its examples and notebooks are run)")
    ap.add_argument("--keras", choices=("tusk", "real", "both"), default="both")
    ap.add_argument("--only-tests", action="store_true")
    ap.add_argument("--only-examples", action="store_true")
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--write", action="store_true", help="write bench/compat/RESULTS.md")
    args = ap.parse_args(argv)
    if not args.elephas and not args.distkeras:
        ap.error("give --elephas PATH and/or --distkeras PATH")
    variants = ["tusk", "real"] if args.keras == "both" else [args.keras]
    results = {}
    with tempfile.TemporaryDirectory(prefix="tusk-compat-") as tmp:
        env = env_for(write_keras_cache(os.path.join(tmp, "keras-home")))
        for arg in args.elephas:
            version, tree = split_label(arg)
            suite = f"Elephas {version}"
            for keras in variants:
                label = "tusk.keras" if keras == "tusk" else "Keras 3"
                work = os.path.join(tmp, f"{version}-{keras}")
                os.makedirs(work)
                for part in ("tests", "examples"):
                    if os.path.isdir(os.path.join(tree, part)):
                        copy_rewritten(os.path.join(tree, part), os.path.join(work, part), keras)
                if not args.only_examples:
                    results[(suite, label, "tests")] = run_tests(work, env, args.timeout)
                    print(f"{suite} / {label} / tests: {summarize(results[(suite, label, 'tests')])}", flush=True)
                if not args.only_tests:
                    results[(suite, label, "examples")] = run_examples(work, env, args.timeout / 4)
                    print(f"{suite} / {label} / examples: {summarize(results[(suite, label, 'examples')])}", flush=True)
        if args.distkeras:
            version, tree = split_label(args.distkeras)
            for keras in variants:
                label = "tusk.keras" if keras == "tusk" else "Keras 3"
                work = os.path.join(tmp, f"distkeras-{keras}")
                rows = run_distkeras_examples(tree, work, keras, env, args.timeout / 4)
                results[(f"dist-keras {version}", label, "examples")] = rows
                print(f"dist-keras / {label} / examples: {summarize(rows)}", flush=True)
    text = table(results)
    print(text)
    if args.write:
        command = " ".join(["bench/compat/suites.py", *(argv or sys.argv[1:])])
        header = f"# Peers' suites and examples on tusk\n\nDate: {time.strftime('%Y-%m-%d')}. Command: `{command}`\n\n"
        with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
            f.write(header + text + "\n")


if __name__ == "__main__":
    main()
