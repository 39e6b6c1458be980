#!/usr/bin/env bash
# Sets up and runs every test: Rust unit and integration tests of the whole workspace
# (including the CLI end to end on Fashion-MNIST); the Python package (built into .venv by
# scripts/python-setup.sh) with its pytest suite, Spark tests included; and, when a Python
# with Keras is available (KERAS_PYTHON or /opt/keras-venv), the check that the committed
# Keras reference fixtures still match what Keras computes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "==> cargo test (workspace; the Python crate is tested through pytest)"
cargo test --release --locked --workspace --exclude tusk-py

echo "==> Python package and its tests"
scripts/python-setup.sh
.venv/bin/python -m pytest python/tests bench/peers bench/compat -q -p no:cacheprovider

KERAS_PYTHON=${KERAS_PYTHON:-/opt/keras-venv/bin/python}
if [ -x "$KERAS_PYTHON" ] && "$KERAS_PYTHON" -c "import keras" 2>/dev/null; then
  echo "==> Keras fixtures still match Keras"
  (cd crates/tusk-core/tests/fixtures/keras && CUDA_VISIBLE_DEVICES=-1 TF_CPP_MIN_LOG_LEVEL=3 "$KERAS_PYTHON" generate.py --check)
else
  echo "==> skipping the Keras fixture re-check (no Python with keras; set KERAS_PYTHON)"
fi
