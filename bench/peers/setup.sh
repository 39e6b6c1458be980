#!/usr/bin/env bash
# Creates bench/.venv-peers (outside the test path): Elephas (latest on PyPI) with the
# TensorFlow, Keras, PySpark and numpy versions it requires, psutil for the memory sampler, and
# tusk itself (built from this checkout with maturin, release), so that every peer runs on the
# same Python, the same PySpark and the same numpy. Idempotent: an existing venv is reused and
# only tusk is rebuilt.
#
# Usage: bench/peers/setup.sh            (ELEPHAS=elephas==X.Y.Z to pin another Elephas)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="$ROOT/bench/.venv-peers"
ELEPHAS="${ELEPHAS:-elephas}"

python3 -c 'import sys; sys.exit(sys.version_info >= (3, 13))' \
    || { echo "setup.sh: Elephas needs Python < 3.13; this python3 is $(python3 -V)" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
fi
# Installed unless what is there already satisfies $ELEPHAS (a pin such as elephas==7.2.0 included).
if ! "$VENV/bin/python" - "$ELEPHAS" 2>/dev/null <<'PY'
import sys, importlib.metadata as md, psutil, maturin
from packaging.requirements import Requirement
req = Requirement(sys.argv[1])
sys.exit(not req.specifier.contains(md.version(req.name), prereleases=True))
PY
then
    # Elephas pins its own tensorflow (<2.20, which brings Keras 3), pyspark (<=4.0.0) and numpy (<2).
    "$VENV/bin/pip" install -q "$ELEPHAS" psutil maturin
fi
command -v cargo >/dev/null || { echo "setup.sh: cargo is needed to build tusk" >&2; exit 1; }
(cd "$ROOT" && VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" develop --release -q)
"$VENV/bin/python" - <<'PY'
import importlib.metadata as md
print("peers:", ", ".join(f"{p} {md.version(p)}" for p in ("elephas", "tensorflow", "keras", "pyspark", "numpy", "tusk")))
PY
