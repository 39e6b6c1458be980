"""The one edit a migrating user makes: the imports. `rewrite(source, keras)` renames
`elephas` and `distkeras` to `tusk`, and with `keras="tusk"` also `keras`/`tensorflow.keras` to
`tusk.keras` (with `keras="real"` Keras stays, and tusk is handed real Keras 3 models; only
Keras' data sets are read through `tusk.keras.datasets`, offline)."""
import re

_PEERS = re.compile(r"\b(?:elephas|distkeras)(?=[.\s'\"]|$)", re.M)
_KERAS = [
    (re.compile(r"\btensorflow\.keras\b"), "tusk.keras"),
    (re.compile(r"^(\s*)from tensorflow import keras\b", re.M), r"\1from tusk import keras"),
    (re.compile(r"^(\s*)import keras\b(?!\.)", re.M), r"\1import tusk.keras as keras"),
    (re.compile(r"^(\s*)import keras\.", re.M), r"\1import tusk.keras."),
    (re.compile(r"^(\s*)from keras\b", re.M), r"\1from tusk.keras"),
]


#: Keras' data sets download (and check a hash Keras' own files have); with real Keras the
#: offline copies are read through tusk.keras.datasets, which takes Keras' cache as it is.
_DATASETS = re.compile(r"\b(?:tensorflow\.)?keras\.datasets\b")


def rewrite(source: str, keras: str = "tusk") -> str:
    """`source` with its imports pointed at tusk (see the module docstring)."""
    if keras not in ("tusk", "real"):
        raise ValueError(f"keras must be 'tusk' or 'real', got {keras!r}")
    out = _PEERS.sub("tusk", source)
    if keras == "tusk":
        for pattern, replacement in _KERAS:
            out = pattern.sub(replacement, out)
    else:
        out = _DATASETS.sub("tusk.keras.datasets", out)
    return out
