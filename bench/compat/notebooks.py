"""dist-keras' examples (scripts and Jupyter notebooks, written for Python 2 on a YARN cluster)
as Python 3 scripts that run on this machine. Besides the imports (`rewrite.py`), only what
cannot run here changes, each rule listed in OFFLINE:

- Python 2 syntax: `` `x` `` (repr) becomes `repr(x)`;
- the cluster: `local = False` becomes `local = True`, `yarn-client` becomes `local[2]`, and the
  Maven package (`PYSPARK_SUBMIT_ARGS`, `com.databricks.spark.csv`) gives way to Spark's own CSV;
- notebook shell and magic lines (`!hdfs ...`, `%matplotlib inline`) are dropped, plotting
  runs on matplotlib's file backend;
- data: `data/...` files made offline (`write_distkeras_data`).
"""
import json
import re

import numpy as np

from rewrite import rewrite

OFFLINE = [
    (re.compile(r"`([^`\n]+)`"), r"repr(\1)"),
    (re.compile(r"^(\s*)local\s*=\s*False", re.M), r"\1local = True"),
    (re.compile(r"[\"']yarn-client[\"']"), '"local[2]"'),
    (re.compile(r"^(\s*)os\.environ\[.PYSPARK_SUBMIT_ARGS.\]\s*=.*$", re.M), r"\1pass"),
    (re.compile(r"com\.databricks\.spark\.csv"), "csv"),
    (re.compile(r"^(\s*)[!%].*$", re.M), r"\1pass"),
]

#: The ATLAS Higgs CSV's columns (Kaggle's training.csv layout), as the notebooks read them.
HIGGS_FEATURES = (
    "DER_mass_MMC DER_mass_transverse_met_lep DER_mass_vis DER_pt_h DER_deltaeta_jet_jet DER_mass_jet_jet "
    "DER_prodeta_jet_jet DER_deltar_tau_lep DER_pt_tot DER_sum_pt DER_pt_ratio_lep_tau DER_met_phi_centrality "
    "DER_lep_eta_centrality PRI_tau_pt PRI_tau_eta PRI_tau_phi PRI_lep_pt PRI_lep_eta PRI_lep_phi PRI_met "
    "PRI_met_phi PRI_met_sumet PRI_jet_num PRI_jet_leading_pt PRI_jet_leading_eta PRI_jet_leading_phi "
    "PRI_jet_subleading_pt PRI_jet_subleading_eta PRI_jet_subleading_phi PRI_jet_all_pt").split()


def script_of(path: str, keras: str = "tusk") -> str:
    """The Python 3 script of a dist-keras example (a `.py` file or a notebook's code cells)."""
    if path.endswith(".ipynb"):
        with open(path) as f:
            cells = json.load(f)["cells"]
        source = "\n\n".join("".join(c["source"]) for c in cells if c.get("cell_type") == "code")
    else:
        with open(path) as f:
            source = f.read()
    for pattern, replacement in OFFLINE:
        source = pattern.sub(replacement, source)
    return "import matplotlib\nmatplotlib.use('Agg')\n" + rewrite(source, keras)


def write_distkeras_data(data_dir: str, fashion, rows: int = 6000, seed: int = 3) -> None:
    """`mnist_train.csv`/`mnist_test.csv` (label + 784 pixels, from Fashion-MNIST) and
    `atlas_higgs.csv` (synthetic events in the Higgs layout) under `data_dir`."""
    (x_train, y_train), (x_test, y_test) = fashion
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    for name, x, y in (("mnist_train.csv", x_train[:rows], y_train[:rows]), ("mnist_test.csv", x_test[: rows // 6], y_test[: rows // 6])):
        table = np.column_stack([y, x.reshape(len(x), -1)]).astype(int)
        np.savetxt(f"{data_dir}/{name}", table, fmt="%d", delimiter=",", header=header, comments="")
    rng = np.random.default_rng(seed)
    n = rows
    signal = rng.random(n) < 0.35
    x = rng.normal(size=(n, len(HIGGS_FEATURES))) + signal[:, None] * rng.normal(0.6, 0.3, size=len(HIGGS_FEATURES))
    jet = HIGGS_FEATURES.index("PRI_jet_num")
    with open(f"{data_dir}/atlas_higgs.csv", "w") as f:
        f.write(",".join(["EventId", *HIGGS_FEATURES, "Weight", "Label"]) + "\n")
        for i in range(n):
            cells = [f"{v:.5f}" if j != jet else str(int(abs(v) * 1.5) % 4) for j, v in enumerate(x[i])]
            f.write(",".join([str(100000 + i), *cells, f"{rng.random():.5f}", "s" if signal[i] else "b"]) + "\n")


#: Examples that need what no machine here offers, with the reason (reported, not counted).
UNRUNNABLE = {
    "kafka_producer.py": "needs a Kafka broker",
    "kafka_spark_high_throughput_ml_pipeline.ipynb": "needs a Kafka broker (and pyspark.streaming.kafka, gone in Spark 3)",
    "distributed_numpy_parsing.ipynb": "reads its data from HDFS through pydoop",
    "cifar-10-preprocessing.ipynb": "downloads CIFAR-10",
}
#: Run first: later examples read the files they write.
FIRST = ("example_0_data_preprocessing.ipynb", "mnist_preprocessing.ipynb")
#: Files an example reads under another name than the one its twin writes (the notebooks disagree).
ALIASES = {"mnist_train_big.parquet": "mnist_train.parquet", "mnist_test_preprocessed.parquet": "mnist_test.parquet"}


def ordered(names):
    """The examples to run, those in FIRST first."""
    runnable = [n for n in names if n.endswith((".py", ".ipynb"))]
    return [n for n in FIRST if n in runnable] + sorted(n for n in runnable if n not in FIRST)
