"""Once on a real Spark standalone cluster on this machine: a master and two workers started
with the `spark-class` script PySpark ships, and a driver talking `spark://127.0.0.1:PORT`, so
that executors in other JVMs and Python processes run the Rust workers."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import pyspark

HERE = os.path.dirname(os.path.abspath(__file__))
SPARK_CLASS = os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-class")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive_workers(ui_port):
    """ALIVE workers the master's UI lists; 0 while it is not up (no answer yet, or the HTML page
    it serves for /json/ while its handlers are still being attached)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as r:
            return sum(w["state"] == "ALIVE" for w in json.load(r)["workers"])
    except (OSError, ValueError, KeyError):
        return 0


@pytest.fixture
def cluster(tmp_path):
    port, ui = free_port(), free_port()
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", SPARK_LOG_DIR=str(tmp_path), PYSPARK_PYTHON=sys.executable,
               SPARK_WORKER_DIR=str(tmp_path / "work"))
    logs = open(tmp_path / "cluster.log", "w")
    procs = [subprocess.Popen([SPARK_CLASS, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                               "--port", str(port), "--webui-port", str(ui)], env=env, stdout=logs, stderr=logs)]
    for _ in range(2):
        procs.append(subprocess.Popen([SPARK_CLASS, "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}",
                                       "--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", "0"],
                                      env=env, stdout=logs, stderr=logs))
    try:
        deadline = time.time() + 120
        while alive_workers(ui) < 2:
            assert time.time() < deadline, (tmp_path / "cluster.log").read_text()[-3000:]
            assert all(p.poll() is None for p in procs), (tmp_path / "cluster.log").read_text()[-3000:]
            time.sleep(1)
        yield f"spark://127.0.0.1:{port}"
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        logs.close()


@pytest.mark.spark
@pytest.mark.cluster
def test_training_on_a_standalone_cluster(cluster):
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    out = subprocess.run([sys.executable, os.path.join(HERE, "cluster_job.py"), cluster], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["accuracy"] > 0.78, result
    # The tasks ran in Python processes of the cluster's executors, not in the driver.
    assert result["executor_pids"] and result["driver_pid"] not in result["executor_pids"]
