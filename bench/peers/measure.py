"""Runs one benchmark command as its own process tree and measures it from outside: wall time,
peak memory of the whole tree (the sum of RSS over the process and all its descendants, sampled
every 50 ms: for Spark that is the driver, the JVM, the Python workers and any server the peer
forks), the `RESULT {json}` line it prints, or why it failed.

A run that exceeds its timeout is killed with its whole tree (its own session and every
descendant seen), so that a hung peer cannot stall the benchmark or hold a port for the next run.
"""
import json
import os
import signal
import subprocess
import tempfile
import threading
import time

import psutil


class Outcome(dict):
    """`ok`, `result` (the RESULT fields), `peak_mib`, `wall_s`, and `error` when not ok."""

    @property
    def ok(self):
        return self["ok"]


def _tree(proc):
    try:
        return [proc] + proc.children(recursive=True)
    except psutil.Error:
        return [proc]


def _sample(root, seen, stop, peak):
    while not stop.is_set():
        total = 0
        for p in _tree(root):
            seen[p.pid] = p
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total)
        stop.wait(0.05)


def _kill(seen, pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
    for p in seen.values():
        try:
            p.kill()
        except psutil.Error:
            pass


def _error_line(stderr):
    """The most telling line of a failed run's stderr: a NOT OFFERED line, else the last line
    that names an error or exception, else the last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("NOT OFFERED:"):
            return line
    for line in reversed(lines):
        if "Error" in line or "Exception" in line:
            return line[:300]
    return (lines[-1] if lines else "no output")[:300]


def run(argv, timeout, result_file=None):
    """Runs `argv` and returns its Outcome; never raises for the command's own failure. The
    result is the last `RESULT {json}` line of stdout, or the JSON in `result_file` if given."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, start_new_session=True)
        root, seen, stop, peak = psutil.Process(proc.pid), {}, threading.Event(), [0]
        sampler = threading.Thread(target=_sample, args=(root, seen, stop, peak), daemon=True)
        sampler.start()
        try:
            rc = proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            rc, timed_out = None, True
        stop.set()
        sampler.join()
        _kill(seen, proc.pid)  # also ends what a finished run left behind (a forked server)
        proc.wait()
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    outcome = Outcome(ok=False, result=None, peak_mib=peak[0] / 2**20, wall_s=wall, error=None)
    lines = [line[len("RESULT "):] for line in stdout.splitlines() if line.startswith("RESULT ")]
    if result_file and rc == 0 and os.path.getsize(result_file):
        lines.append(open(result_file).read())
    if timed_out:
        outcome["error"] = f"timed out after {timeout} s (killed)"
    elif rc == 0 and lines:
        outcome.update(ok=True, result=json.loads(lines[-1]))
    else:
        outcome["error"] = f"exit {rc}: {_error_line(stderr)}"
    return outcome
