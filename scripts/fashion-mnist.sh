#!/usr/bin/env bash
# The main job: set up, then train the Elephas README MLP on Fashion-MNIST with Adam
# (5 epochs, batch 32), print per-epoch progress and the test accuracy, and write a
# loss/accuracy plot and a JSON report under runs/. Extra arguments go to `tusk train`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p runs
./target/release/tusk train --model mlp --data fashion-mnist --epochs 5 --batch-size 32 \
  --optimizer adam --plot runs/mlp-fashion-mnist.svg --report-json runs/mlp-fashion-mnist.json \
  --save runs/mlp-fashion-mnist "$@"
