"""``tusk.keras.initializers``: Keras initializer objects as configs (the Rust core draws the
weights). ``get_config`` gives Keras' flat config; layers record them as Keras 3 does."""
from .serialization import INITIALIZERS


class Initializer:
    class_name = None

    def __init__(self, **config):
        self._config = config

    def get_config(self):
        return dict(self._config)

    def __call__(self, *args, **kwargs):
        raise TypeError("tusk initializers are applied by the Rust core; pass them to a layer")


def _make(key):
    class_name, defaults = INITIALIZERS[key]

    def __init__(self, *args, **kwargs):
        cfg = dict(defaults)
        for k, v in zip([k for k in defaults if k != "seed"] + ["seed"], args):
            cfg[k] = v
        cfg.update(kwargs)
        Initializer.__init__(self, **cfg)

    return type(class_name, (Initializer,), {"class_name": class_name, "__init__": __init__})


Zeros, Ones, Constant = _make("zeros"), _make("ones"), _make("constant")
RandomNormal, RandomUniform, TruncatedNormal = _make("random_normal"), _make("random_uniform"), _make("truncated_normal")
GlorotUniform, GlorotNormal = _make("glorot_uniform"), _make("glorot_normal")
HeUniform, HeNormal = _make("he_uniform"), _make("he_normal")
LecunUniform, LecunNormal = _make("lecun_uniform"), _make("lecun_normal")
Orthogonal, VarianceScaling = _make("orthogonal"), _make("variance_scaling")

zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal, orthogonal, variance_scaling = LecunUniform, LecunNormal, Orthogonal, VarianceScaling
