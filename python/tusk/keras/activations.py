"""``tusk.keras.activations``: the activation names the Rust core implements, as named
stand-ins so ``Dense(10, activation=activations.softmax)`` works as in Keras (a layer
records the name; the maths is in Rust). Inside a custom activation that is traced
(``def f(x): return 2 * relu(x)``, see ``tracing``) the elementwise ones record themselves."""
from . import tracing

# Activation name -> the traced op it is (elementwise ones only).
_TRACED_OPS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softplus": "softplus", "softsign": "softsign",
               "exponential": "exp"}

NAMES = ("linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign", "gelu",
         "swish", "silu", "leaky_relu", "hard_sigmoid", "exponential", "relu6", "mish", "log_softmax",
         "hard_silu", "hard_swish")


def _named(name):
    def activation(x, *args, **kwargs):
        if isinstance(x, tracing.Symbol):
            if args or kwargs:
                raise tracing.UnsupportedError(f"activation '{name}' with options inside a traced activation")
            if name == "linear":
                return x
            if name in _TRACED_OPS:
                return tracing.unary(_TRACED_OPS[name])(x)
            return tracing.refused(name)(x)
        raise TypeError(f"tusk activations run in the Rust core; use '{name}' as a layer's activation")

    activation.__name__ = activation.__qualname__ = name
    activation._tusk_activation = True
    return activation


linear = _named("linear")
relu = _named("relu")
sigmoid = _named("sigmoid")
tanh = _named("tanh")
softmax = _named("softmax")
elu = _named("elu")
selu = _named("selu")
softplus = _named("softplus")
softsign = _named("softsign")
gelu = _named("gelu")
swish = _named("swish")
silu = _named("silu")
leaky_relu = _named("leaky_relu")
hard_sigmoid = _named("hard_sigmoid")
exponential = _named("exponential")
relu6 = _named("relu6")
mish = _named("mish")
log_softmax = _named("log_softmax")
hard_silu = _named("hard_silu")
hard_swish = _named("hard_swish")


def serialize(activation):
    from .serialization import activation_name

    return activation_name(activation)


def get(identifier):
    name = serialize(identifier)
    return globals()[name] if name in NAMES else name
