#!/usr/bin/env bash
# Sets up a fresh Debian machine for tusk: the Fashion-MNIST package (if missing) and the
# release build of the `tusk` binary. Safe to run again; does only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

FMNIST=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
if [ ! -f "$FMNIST" ]; then
  echo "==> installing Debian package dataset-fashion-mnist"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist
fi

if ! command -v cargo >/dev/null; then
  echo "cargo (Rust) is required: https://rustup.rs" >&2
  exit 1
fi
echo "==> building tusk (release)"
cargo build --release --locked -p tusk-cli
