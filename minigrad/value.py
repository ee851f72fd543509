"""A scalar autograd engine: one class, `Value`, in the spirit of micrograd.

Every operation creates a new `Value` that remembers its inputs (`_prev`) and the
local derivative of its output with respect to each input (`_local`), computed
during the forward pass. The backward pass is then the chain rule, applied in
reverse topological order:

    for every node v, for every input u of v:   u.grad += (dv/du) * v.grad

Storing numbers instead of closures keeps each node small (`__slots__`) and makes
the backward pass a single loop with no function calls. (A tensor op cannot do
the same: its local derivative is a whole Jacobian, see `minigrad.autograd`.)

Arithmetic follows IEEE floats, as PyTorch does: 1/0 is inf, 0/0 and log(-1)
are nan, e^1000 is inf. Nothing raises.
"""
from __future__ import annotations

import math
from typing import Union

from .autograd import topological_order  # the same depth-first order serves Values and Tensors

Number = Union[int, float]


class Value:
    """A scalar that records the operations applied to it.

    Attributes:
        data: the number this node holds.
        grad: d(output)/d(this node), filled in by `backward()` (0.0 before).
    """

    __slots__ = ("data", "grad", "_prev", "_local", "_op", "label")

    def __init__(self, data: Number, _prev: tuple = (), _local: tuple = (), _op: str = "", label: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = _prev
        self._local = _local
        self._op = _op
        self.label = label

    # --- arithmetic: each returns a node with its local derivatives ---------------

    def __add__(self, other: Value | Number) -> Value:
        """d(a+b)/da = 1, d(a+b)/db = 1."""
        if other.__class__ is not Value:
            other = Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: Value | Number) -> Value:
        """d(ab)/da = b, d(ab)/db = a."""
        if other.__class__ is not Value:
            other = Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, exponent: Value | Number) -> Value:
        """d(a^n)/da = n a^(n-1); with a Value exponent also d(a^b)/db = a^b ln a.

        A negative base with a Value exponent has no real logarithm: the
        result's data is nan where Python would raise or return a complex number.
        """
        a = self.data
        if exponent.__class__ is not Value:
            n = float(exponent)
            return Value(_real_pow(a, n), (self,), (_d_base(a, n),), f"**{exponent:g}")
        b = exponent.data
        out = _real_pow(a, b)
        d_exp = 0.0 if a == 0 and b >= 0 else out * _log(a)
        return Value(out, (self, exponent), (_d_base(a, b), d_exp), "**")

    def __neg__(self) -> Value:
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other: Value | Number) -> Value:
        """d(a-b)/da = 1, d(a-b)/db = -1."""
        if other.__class__ is not Value:
            other = Value(other)
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other: Value | Number) -> Value:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2."""
        if other.__class__ is not Value:
            other = Value(other)
        a, b = self.data, other.data
        out = _divide(a, b)
        return Value(out, (self, other), (_divide(1.0, b), -_divide(out, b)), "/")

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __rsub__(self, other: Number) -> Value:
        return Value(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return Value(other) / self

    def __rpow__(self, base: Number) -> Value:
        return Value(base) ** self

    # --- elementary functions ----------------------------------------------------

    def exp(self) -> Value:
        """d(e^a)/da = e^a."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = math.inf
        return Value(out, (self,), (out,), "exp")

    def log(self) -> Value:
        """d(ln a)/da = 1/a (nan for a < 0, -inf at 0, as NumPy would give)."""
        a = self.data
        return Value(_log(a), (self,), (_divide(1.0, a),), "log")

    def tanh(self) -> Value:
        """d(tanh a)/da = 1 - tanh(a)^2."""
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        """s(a) = 1/(1+e^-a); ds/da = s(1-s). Written so that no exp overflows."""
        a = self.data
        if a >= 0:
            s = 1.0 / (1.0 + math.exp(-a))
        else:
            e = math.exp(a)
            s = e / (1.0 + e)
        return Value(s, (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self) -> Value:
        """relu(a) = max(a, 0); derivative 1 for a > 0, else 0."""
        a = self.data
        off = a <= 0  # at nan neither: relu(nan) = nan with derivative 1, as in PyTorch
        return Value(0.0 if off else a, (self,), (0.0 if off else 1.0,), "relu")

    # --- the backward pass -------------------------------------------------------

    def backward(self) -> None:
        """Fill in `grad` of every node that this one depends on.

        Sets d(self)/d(self) = 1 and applies the chain rule in reverse
        topological order. Gradients of leaves (Values made by the user)
        *accumulate*: calling `backward()` twice without zeroing them doubles
        them, exactly as in PyTorch. Gradients of intermediate nodes are reset
        at the start of each call, so they always hold this call's values.
        """
        order = topological_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            g = node.grad
            for child, local in zip(node._prev, node._local):
                child.grad += local * g

    def __repr__(self) -> str:
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"


def _real_pow(a: float, b: float) -> float:
    """a**b as a real number: nan where the real power does not exist, inf on overflow or 0**-n."""
    try:
        out = a ** b
    except ZeroDivisionError:  # 0 ** negative
        return math.inf
    except OverflowError:  # (-1e200) ** 3 is -inf: the sign of an odd power survives
        odd = b == int(b) and int(b) % 2 == 1
        return -math.inf if a < 0 and odd else math.inf
    return out if isinstance(out, float) else math.nan


def _d_base(a: float, b: float) -> float:
    """d(a^b)/da = b a^(b-1), taken as 0 for b = 0 (as PyTorch: a^0 = 1 does not depend on a)."""
    return 0.0 if b == 0 else b * _real_pow(a, b - 1.0)


def _divide(a: float, b: float) -> float:
    """a / b with IEEE results for b = 0: +-inf, or nan for 0/0."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _log(a: float) -> float:
    """ln a: -inf at 0, nan below."""
    return math.log(a) if a > 0 else (-math.inf if a == 0 else math.nan)
