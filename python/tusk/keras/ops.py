"""``tusk.keras.ops``: Keras 3's elementwise ops (and ``mean``/``sum`` over the last axis, to
end a loss) for custom activation and loss functions. Called on the symbolic inputs of a traced
function (see ``tracing``) each records one operation of the expression the Rust engine
evaluates and differentiates; the maths never runs in Python."""
from .tracing import binary, lift, reduction, unary

exp, log, sqrt, square, sigmoid, tanh, relu, softplus, softsign, sin, cos = (
    unary(op) for op in ("exp", "log", "sqrt", "square", "sigmoid", "tanh", "relu", "softplus", "softsign", "sin", "cos"))
maximum, minimum, power = binary("maximum"), binary("minimum"), binary("pow")
add, subtract, multiply, divide = binary("add"), binary("sub"), binary("mul"), binary("div")
pow = power  # noqa: A001 (Keras' backend name)
negative = unary("neg")
mean, sum = reduction("mean"), reduction("sum")  # noqa: A001 (a traced loss' last step)
abs = absolute = unary("abs")  # noqa: A001


def clip(x, min_value, max_value):
    """``min(max(x, min_value), max_value)``."""
    return minimum(maximum(lift(x), min_value), max_value)


def silu(x):
    return lift(x) * sigmoid(x)


swish = silu
