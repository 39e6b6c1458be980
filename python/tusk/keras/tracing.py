"""Tracing a Python activation or loss function into an expression the Rust engine runs.

``def custom_activation(x): return sigmoid(x) + 1`` is called once on a :class:`Symbol`
standing for its input; Python operators and the elementwise functions of
``tusk.keras.backend``, ``tusk.keras.ops`` and ``tusk.keras.activations`` record what it
computes. The result is the JSON expression of ``tusk_core::traced`` (``"x"``, ``"t"``,
numbers, ``[op, arg]``, ``[op, left, right]``), which every worker evaluates and differentiates
in Rust: no Python runs per element, per batch or on executors.

A loss ``def loss(y_true, y_pred)`` is traced with ``y_true`` as ``"t"`` and ``y_pred`` as
``"x"``; it may end in one reduction over the last axis (``mean(..., axis=-1)`` or
``sum(..., axis=-1)``, a :class:`Reduced`); an elementwise result is averaged, as Keras does.

:func:`activation_config` and :func:`loss_config` give the config values
``{"class_name": "TracedActivation" | "TracedLoss", "config": {"name", "expr", ...}}``; a
function that uses something tracing cannot follow (a reduction anywhere but at a loss' end,
numpy, a branch on values) gets an ``UnsupportedError`` naming the function and what stopped it.
A function written for real Keras (``from tensorflow.keras.backend import sigmoid``) is traced
too: the Keras/TensorFlow functions and modules it names are read as tusk's twins.
"""
import numbers
import types

from .._tusk import UnsupportedError

TRACED = "TracedActivation"
TRACED_LOSS = "TracedLoss"


class Symbol:
    """A symbolic elementwise tensor: an expression of the traced function's input."""

    __array_priority__ = 1000  # numpy scalars defer to Symbol's operators

    def __init__(self, expr):
        self.expr = expr

    def _bin(self, op, other, swap=False):
        other = lift(other)
        return Symbol([op, other.expr, self.expr] if swap else [op, self.expr, other.expr])

    def __add__(self, o): return self._bin("add", o)  # noqa: E704
    def __radd__(self, o): return self._bin("add", o, True)  # noqa: E704
    def __sub__(self, o): return self._bin("sub", o)  # noqa: E704
    def __rsub__(self, o): return self._bin("sub", o, True)  # noqa: E704
    def __mul__(self, o): return self._bin("mul", o)  # noqa: E704
    def __rmul__(self, o): return self._bin("mul", o, True)  # noqa: E704
    def __truediv__(self, o): return self._bin("div", o)  # noqa: E704
    def __rtruediv__(self, o): return self._bin("div", o, True)  # noqa: E704
    def __pow__(self, o): return self._bin("pow", o)  # noqa: E704
    def __rpow__(self, o): return self._bin("pow", o, True)  # noqa: E704
    def __neg__(self): return Symbol(["neg", self.expr])  # noqa: E704
    def __pos__(self): return self  # noqa: E704
    def __abs__(self): return Symbol(["abs", self.expr])  # noqa: E704

    def __bool__(self):
        raise UnsupportedError("a traced activation cannot branch on its input's values (if/and/or/comparisons); "
                               "use maximum/minimum/relu/clip instead")

    def _compare(self, other):
        self.__bool__()

    __lt__ = __le__ = __gt__ = __ge__ = _compare

    def __array__(self, *args, **kwargs):
        raise UnsupportedError("a traced activation cannot call numpy on its input; use tusk.keras.ops/backend")

    def __repr__(self):
        return f"<Symbol {self.expr}>"


class Reduced:
    """``mean``/``sum`` of a Symbol over the last axis: only a loss' final result."""

    def __init__(self, op, symbol):
        self.op, self.symbol = op, symbol

    def _refuse(self, *args):
        raise UnsupportedError(f"'{self.op}' can only be the last step of a traced loss (mean(..., axis=-1) or "
                               "sum(..., axis=-1)), not combined further")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __pow__ = __rpow__ = __neg__ = __bool__ = _refuse


def reduction(op):
    """``mean``/``sum`` for backend/ops: a :class:`Reduced` over the last axis of a Symbol."""
    axes = (-1, None) if op == "mean" else (-1,)

    def apply(x, axis=None, keepdims=False):
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if axis not in axes:
            raise UnsupportedError(f"'{op}' over axis={axis!r} in a traced function (only axis=-1"
                                   f"{' or None' if None in axes else ''}, at a loss' end)")
        return Reduced(op, lift(x))

    apply.__name__ = op
    return apply


def lift(value):
    """A Symbol for a Symbol or a Python/numpy number."""
    if isinstance(value, Symbol):
        return value
    if isinstance(value, Reduced):
        value._refuse()
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return Symbol(float(value))
    raise UnsupportedError(f"a traced activation can combine its input only with numbers, not {type(value).__name__}")


def unary(op):
    """The function ``op(x)`` on a Symbol (for backend/ops/activations)."""

    def apply(x):
        return Symbol([op, lift(x).expr])

    apply.__name__ = op
    return apply


def binary(op):
    def apply(x, y):
        return lift(x)._bin(op, y)

    apply.__name__ = op
    return apply


def refused(name):
    """A backend/ops function tracing does not follow (reductions, shape ops)."""

    def apply(*args, **kwargs):
        raise UnsupportedError(f"'{name}' in a traced activation: only elementwise functions of the input are "
                               "supported (arithmetic, exp, log, sqrt, sigmoid, tanh, relu, maximum, ...)")

    apply.__name__ = name
    return apply


def _tusk_equivalent(value):
    """tusk's tracing twin of a Keras/TensorFlow function or module a user's function names
    (``from tensorflow.keras.backend import sigmoid``, ``K``, ``keras.ops``, ``tf``), or None."""
    from . import activations, backend, ops

    module = getattr(value, "__module__", None) if not isinstance(value, types.ModuleType) else value.__name__
    if not module or module.split(".")[0] not in ("keras", "tensorflow", "tf_keras"):
        return None
    if isinstance(value, types.ModuleType):
        leaf = module.rsplit(".", 1)[-1]
        return {"backend": backend, "activations": activations}.get(leaf, ops)
    name = getattr(value, "__name__", None)
    for home in (ops, backend, activations):
        twin = getattr(home, name, None) if name else None
        if callable(twin):
            return twin
    return None


def _rebound(fn):
    """``fn`` with the Keras/TensorFlow names its code reads from its module rebound to
    tusk's tracing twins (the function object itself is left alone)."""
    code = getattr(fn, "__code__", None)
    if not isinstance(fn, types.FunctionType) or code is None:
        return fn
    twins = {n: _tusk_equivalent(fn.__globals__.get(n)) for n in code.co_names if n in fn.__globals__}
    twins = {n: t for n, t in twins.items() if t is not None}
    if not twins:
        return fn
    return types.FunctionType(code, {**fn.__globals__, **twins}, fn.__name__, fn.__defaults__, fn.__closure__)


def _call(fn, what, name, *symbols):
    fn = _rebound(fn)
    try:
        return fn(*symbols)
    except UnsupportedError as e:
        raise UnsupportedError(f"{what} '{name}' could not be traced: {e}") from None
    except Exception as e:  # e.g. TensorFlow's sigmoid given a Symbol
        raise UnsupportedError(f"{what} '{name}' could not be traced ({type(e).__name__}: {e}); write it with "
                               "tusk.keras.backend / tusk.keras.ops functions and Python operators") from None


def _expression(out, what, name):
    if not isinstance(out, Symbol):
        raise UnsupportedError(f"{what} '{name}' could not be traced: it returned {type(out).__name__}, "
                               "not an elementwise expression of its input")
    return out.expr


def activation_config(fn, name=None):
    """The layer-config value of a traced Python activation ``fn(x)``."""
    name = name or fn.__name__
    out = _call(fn, "activation", name, Symbol("x"))
    if isinstance(out, Reduced):
        raise UnsupportedError(f"activation '{name}' could not be traced: '{out.op}' (a reduction) in an "
                               "activation; only elementwise functions of the input are supported")
    return {"class_name": TRACED, "config": {"name": name, "expr": _expression(out, "activation", name)}}


def loss_config(fn, name=None):
    """The training-config loss of a traced Python loss ``fn(y_true, y_pred)``."""
    name = name or fn.__name__
    out = _call(fn, "loss", name, Symbol("t"), Symbol("x"))
    op = "mean"
    if isinstance(out, Reduced):
        op, out = out.op, out.symbol
    expr = _expression(out, "loss", name)
    if not _reads(expr, "x"):
        raise UnsupportedError(f"loss '{name}' could not be traced: it does not depend on y_pred")
    return {"class_name": TRACED_LOSS, "config": {"name": name, "expr": expr, "reduction": op}}


def _reads(expr, leaf):
    return expr == leaf or (isinstance(expr, list) and any(_reads(e, leaf) for e in expr[1:]))


def keras_form(value):
    """Configs as Keras writes them: a traced activation or loss becomes its function's name."""
    if isinstance(value, dict):
        if value.get("class_name") in (TRACED, TRACED_LOSS):
            return value["config"]["name"]
        return {k: keras_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keras_form(v) for v in value]
    return value
