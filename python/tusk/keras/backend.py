"""``tusk.keras.backend``: the few session-level Keras calls that make sense for tusk."""
from . import naming


def clear_session(free_memory=True):
    """Resets automatic layer names (``dense``, ``dense_1``, ...), as Keras does."""
    naming.reset()


def image_data_format():
    return "channels_last"


def floatx():
    return "float32"


def backend():
    return "tusk"
