#!/usr/bin/env bash
# Sets up the Python side: a virtualenv in .venv with numpy, PySpark, pyarrow, pandas,
# scikit-learn, pytest, maturin, psutil (bench/peers samples memory with it), and Keras 3 on
# TensorFlow (CPU; the tests compare tusk with real Keras models), and the tusk package built
# from this checkout (release build of crates/tusk-py, installed editable so python/tusk/*.py
# changes apply at once).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check numpy pyspark pyarrow pandas scikit-learn pytest "maturin>=1.5,<2" \
    keras tensorflow-cpu psutil
VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH" .venv/bin/maturin develop --release -q
