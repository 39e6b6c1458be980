"""Tests of the benchmark's own machinery (run by scripts/test.sh; no peer is installed for
them): measure.run reads a run's result, names a failure, and kills a hung run with its whole
process tree; report.markdown pairs repeats for ratios and shows a failed peer's error."""
import os
import re
import sys
import time

import psutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402
import report  # noqa: E402

PY = sys.executable


def test_a_result_line_and_the_peak_memory_of_the_tree():
    code = ("import subprocess, sys, time; "
            "child = subprocess.Popen([sys.executable, '-c', 'x = bytearray(200 << 20); import time; time.sleep(0.6)']); "
            "time.sleep(0.4); child.wait(); print('noise'); print('RESULT {\"samples_per_sec\": 5}')")
    outcome = measure.run([PY, "-c", code], timeout=30)
    assert outcome.ok and outcome["result"] == {"samples_per_sec": 5} and outcome["error"] is None
    assert outcome["peak_mib"] > 200  # the child's 200 MiB count: the whole tree is sampled


def test_a_failure_is_named_by_its_error_line():
    outcome = measure.run([PY, "-c", "import sys; print('starting', file=sys.stderr); raise ValueError('bad shape (3, 4)')"], 30)
    assert not outcome.ok and outcome["result"] is None
    assert outcome["error"].startswith("exit 1: ValueError: bad shape (3, 4)")
    offered = measure.run([PY, "-c", "import sys; print('NOT OFFERED: no batch mode', file=sys.stderr); "
                                     "print('Traceback: Error later', file=sys.stderr); sys.exit(3)"], 30)
    assert offered["error"] == "exit 3: NOT OFFERED: no batch mode"
    silent = measure.run([PY, "-c", "pass"], 30)
    assert not silent.ok and silent["error"] == "exit 0 without a result: no output"
    garbled = measure.run([PY, "-c", "print('RESULT {not json')"], 30)
    assert not garbled.ok and garbled["error"].startswith("unreadable result: JSONDecodeError")


def test_a_hung_run_is_killed_with_its_whole_tree(tmp_path):
    pid_file = tmp_path / "child.pid"
    code = ("import os, subprocess, sys, time; "
            "child = subprocess.Popen([sys.executable, '-c', 'import os, time; os.setsid(); time.sleep(600)']); "
            f"open({str(pid_file)!r}, 'w').write(str(child.pid)); print('waiting for the server', file=sys.stderr); "
            "sys.stderr.flush(); time.sleep(600)")
    start = time.perf_counter()
    outcome = measure.run([PY, "-c", code], timeout=2)
    assert time.perf_counter() - start < 10
    assert not outcome.ok and outcome["error"] == "timed out after 2 s (killed); last: waiting for the server"
    child = int(pid_file.read_text())  # it left the run's session, and is killed all the same

    def gone():
        try:
            return psutil.Process(child).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    deadline = time.perf_counter() + 5  # SIGKILL is delivered at once, but not always seen at once
    while not gone() and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert gone()


def _outcome(sps=None, peak=100.0, error=None, **fields):
    ok = error is None
    return measure.Outcome(ok=ok, result={"samples_per_sec": sps, **fields} if ok else None, peak_mib=peak,
                           wall_s=1.0, error=error)


def test_ratios_pair_repeats_and_failures_are_shown():
    class Args:
        repeats, epochs, spark_epochs, predict_calls, cnn_repeats, timeout = 3, 10, 10, 3, 1, 900

    elephas = [_outcome(10, 1000, seconds_per_epoch=6, test_accuracy=0.86) for _ in range(3)]
    tusk = [_outcome(s, 400, seconds_per_epoch=0.5, test_accuracy=0.87) for s in (90, 150, 120)]
    elephas[1] = _outcome(30, 1000, seconds_per_epoch=2, test_accuracy=0.86)  # pairs with tusk's 150: 5x
    missing = [_outcome(error="exit 3: NOT OFFERED: no frequency | none")]
    hung = [_outcome(error="timed out after 900 s (killed); last: POST /update")]
    partly = [_outcome(error="exit 1: ConnectionError: refused")] + elephas[1:]
    results = {"spark": [(("synchronous", "epoch"), {"elephas": elephas, "tusk": tusk}),
                         (("synchronous", "batch"), {"elephas": missing, "tusk": tusk}),
                         (("hogwild", "batch"), {"elephas": hung, "tusk": tusk}),
                         (("asynchronous", "epoch"), {"elephas": partly, "tusk": tusk})]}
    text = report.markdown(results, Args, "run.py", 60)
    row = next(line for line in text.splitlines() if line.startswith("| synchronous | epoch | tusk |"))
    assert "| 3/3 | 120 | 0.50 | 0.8700 | 400 | 9.0× | 0.40× |" in row  # median of 9x, 5x, 12x
    failed = next(line for line in text.splitlines() if line.startswith("| synchronous | batch | Elephas |"))
    assert "**exit 3: NOT OFFERED: no frequency \\| none**" in failed
    header = next(line for line in text.splitlines() if line.startswith("| mode |"))
    assert len(re.split(r"(?<!\\)\|", failed)) == len(header.split("|"))  # the escaped | splits no cell
    assert "- **not met**: tusk ≥ 10× Elephas samples/s, synchronous × epoch (9.0)" in text
    assert "- **met**: tusk test accuracy ≥ Elephas', synchronous × epoch (tusk − Elephas, points ×100) (+1.00)" in text
    assert "- **met**: tusk peak memory ≤ ½ Elephas', synchronous × epoch (0.40)" in text
    assert "- not shared: synchronous × batch (Elephas: exit 3: NOT OFFERED: no frequency | none)" in text
    # tusk's median 0.5 s/epoch x 10 epochs against at least 900 s
    assert "- **met** (lower bound): tusk ≥ 10× Elephas samples/s, hogwild × batch: Elephas did not finish in 900 s, " \
           "so tusk is at least 180.0× faster" in text
    assert "| asynchronous | epoch | Elephas | 2/3 |" in text
    assert "- asynchronous epoch Elephas, run 1: exit 1: ConnectionError: refused" in text
    assert "—×" not in text
