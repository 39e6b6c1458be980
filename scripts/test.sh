#!/usr/bin/env bash
# Sets up and runs every test: Rust unit and integration tests of the whole workspace
# (including the CLI end to end on Fashion-MNIST); the Python package (built into .venv by
# scripts/python-setup.sh) with its pytest suite, Spark tests included; and the check that the
# committed Keras reference fixtures still match what Keras computes, with the Keras that
# python-setup.sh has just installed into .venv (KERAS_PYTHON chooses another).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "==> cargo test (workspace; the Python crate is tested through pytest)"
cargo test --release --locked --workspace --exclude tusk-py

echo "==> Python package and its tests"
scripts/python-setup.sh
.venv/bin/python -m pytest python/tests bench/peers bench/compat -q -p no:cacheprovider

KERAS_PYTHON=$(realpath -s "${KERAS_PYTHON:-.venv/bin/python}")
echo "==> Keras fixtures still match Keras ($KERAS_PYTHON)"
(cd crates/tusk-core/tests/fixtures/keras && CUDA_VISIBLE_DEVICES=-1 TF_CPP_MIN_LOG_LEVEL=3 "$KERAS_PYTHON" generate.py --check)
