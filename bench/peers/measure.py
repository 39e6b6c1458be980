"""Runs one benchmark command as its own process tree and measures it from outside: wall time,
peak memory of the whole tree, the `RESULT {json}` line it prints, or why it failed.

Memory is the sum of PSS (proportional set size, /proc/PID/smaps_rollup) over the process and
all its descendants, sampled every 100 ms: for Spark that is the driver, the JVM, the Python
workers and any server the peer forks. PSS splits a page shared by N processes N ways, so a
forked child (Spark's Python workers, Elephas' parameter server) does not count its parent's
pages again, as a sum of RSS would.

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


def _pss_bytes(proc):
    """The process' PSS; its RSS where smaps_rollup cannot be read."""
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return proc.memory_info().rss


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
                total += _pss_bytes(p)
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total)
        stop.wait(0.1)


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


def run(argv, timeout, parse_file=None):
    """Runs `argv` and returns its Outcome; never raises for the command's own failure. The
    result is the last `RESULT {json}` line of stdout, or `parse_file()` when given (a function
    that reads the result from a file the command wrote)."""
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
    if timed_out:
        last = _error_line(stderr)
        outcome["error"] = f"timed out after {timeout} s (killed); last: {last}"
    elif rc != 0:
        outcome["error"] = f"exit {rc}: {_error_line(stderr)}"
    else:
        try:
            result = parse_file() if parse_file else json.loads(lines[-1]) if lines else None
        except (OSError, ValueError, KeyError, IndexError) as e:
            result, outcome["error"] = None, f"unreadable result: {type(e).__name__}: {e}"
        if result is not None:
            outcome.update(ok=True, result=result)
        elif outcome["error"] is None:
            outcome["error"] = f"exit 0 without a result: {_error_line(stderr)}"
    return outcome
