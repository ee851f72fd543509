"""Element-wise functions: out_i = f(x_i), so dL/dx_i = f'(x_i) * g_i.

Integer and bool inputs are computed in float32 (as in PyTorch), except where
the function keeps integers integral (relu, abs, clamp to integer bounds).
"""
from __future__ import annotations

from typing import Any

from ..backend import python_number
from ..dtypes import DEFAULT_FLOAT, is_floating, result_type, scalar_dtype
from ..tensor import Tensor

__all__ = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "sin", "cos", "clamp", "clip",
           "maximum", "minimum", "where", "masked_fill"]


def _float_data(x: Tensor) -> Any:
    """x's array, as float32 when x holds integers or bools."""
    if is_floating(x.dtype_name):
        return x.data
    return x._backend.xp.astype(x.data, x._backend.dtype(DEFAULT_FLOAT))


def exp(x: Tensor) -> Tensor:
    """d(e^x)/dx = e^x."""
    with x._backend.errstate():
        out = x._backend.xp.exp(_float_data(x))
    return x._result(out, (x,), lambda g: (g * out,), "exp")


def log(x: Tensor) -> Tensor:
    """d(ln x)/dx = 1/x (ln 0 = -inf, ln of a negative number = nan)."""
    a = _float_data(x)
    with x._backend.errstate():
        out = x._backend.xp.log(a)

    def backward(g):
        with x._backend.errstate():
            return (g / a,)
    return x._result(out, (x,), backward, "log")


def sqrt(x: Tensor) -> Tensor:
    """d(sqrt x)/dx = 1 / (2 sqrt x) (inf at 0)."""
    with x._backend.errstate():
        out = x._backend.xp.sqrt(_float_data(x))

    def backward(g):
        with x._backend.errstate():
            return (g / (2 * out),)
    return x._result(out, (x,), backward, "sqrt")


def tanh(x: Tensor) -> Tensor:
    """d(tanh x)/dx = 1 - tanh(x)^2."""
    out = x._backend.xp.tanh(_float_data(x))
    return x._result(out, (x,), lambda g: (g * (1 - out * out),), "tanh")


def sigmoid(x: Tensor) -> Tensor:
    """s(x) = 1/(1+e^-x), ds/dx = s(1-s); computed from e^-|x|, which never overflows."""
    xp, a = x._backend.xp, _float_data(x)
    e = xp.exp(-xp.abs(a))
    out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e))
    return x._result(out, (x,), lambda g: (g * out * (1 - out),), "sigmoid")


def relu(x: Tensor) -> Tensor:
    """relu(x) = max(x, 0); derivative 0 where x <= 0, else 1 (so 0 at 0, and 1 at nan, as PyTorch)."""
    backend, a = x._backend, x.data
    out = backend.xp.maximum(a, backend.xp.zeros((), dtype=a.dtype))  # keeps nan, as PyTorch
    return x._result(out, (x,), lambda g: (backend.zero_where(a <= 0, g),), "relu")


def abs(x: Tensor) -> Tensor:
    """d|x|/dx = sign(x): 1, -1, and 0 at 0 and at nan (as PyTorch)."""
    xp, a = x._backend.xp, x.data

    def backward(g):
        sign = xp.astype(a > 0, g.dtype) - xp.astype(a < 0, g.dtype)
        return (g * sign,)
    return x._result(xp.abs(a), (x,), backward, "abs")


def sin(x: Tensor) -> Tensor:
    """d(sin x)/dx = cos x."""
    xp, a = x._backend.xp, _float_data(x)
    return x._result(xp.sin(a), (x,), lambda g: (g * xp.cos(a),), "sin")


def cos(x: Tensor) -> Tensor:
    """d(cos x)/dx = -sin x."""
    xp, a = x._backend.xp, _float_data(x)
    return x._result(xp.cos(a), (x,), lambda g: (-g * xp.sin(a),), "cos")


def clamp(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """x limited to [min, max] (either may be None); gradient 1 where min <= x <= max, else 0."""
    if min is None and max is None:
        raise ValueError("clamp needs at least one of min and max")
    bounds = [b for b in (min, max) if b is not None]
    if any(python_number(b) is None for b in bounds):
        raise TypeError("clamp takes numbers as bounds; for tensor bounds use mg.maximum and mg.minimum")
    xp = x._backend.xp
    name = result_type((x.dtype_name, x.ndim), *((scalar_dtype(python_number(b)), None) for b in bounds))
    a = xp.astype(x.data, x._backend.dtype(name))
    inside = xp.ones(a.shape, dtype=xp.bool)
    out = a
    if min is not None:
        inside = inside & (a >= min)
        out = xp.where(a < min, xp.asarray(min, dtype=a.dtype), out)
    if max is not None:  # applied last: with min > max every element becomes max, as in torch
        inside = inside & (out <= max)
        out = xp.where(out > max, xp.asarray(max, dtype=a.dtype), out)
    return x._result(out, (x,), lambda g: (xp.where(inside, g, xp.zeros_like(g)),), "clamp")


clip = clamp


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor, Any, Any]:
    """a and b as Tensors (a number becomes a constant), with their arrays in the common dtype."""
    if isinstance(a, Tensor):
        b = a._tensor_operand(b)
    elif isinstance(b, Tensor):
        a = b._tensor_operand(a)
    else:
        a = Tensor(a)
        b = a._tensor_operand(b)
    _, x, y, _ = a._promoted(b)
    return a, b, x, y


def _extreme(a: Any, b: Any, larger: bool, op: str) -> Tensor:
    """maximum / minimum. Gradients as PyTorch's: an input gets g unless it lost (0), half of g in a
    tie; with a nan nobody loses, so both get g."""
    a, b, x, y = _pair(a, b)
    xp = a._backend.xp
    a_loses, b_loses = (x < y, x > y) if larger else (x > y, x < y)
    out = xp.where(b_loses | (x != x), x, y)  # a nan in either input wins

    def backward(g):
        half, zero = g * 0.5, xp.zeros_like(g)
        tie = x == y
        return (xp.where(tie, half, xp.where(a_loses, zero, g)), xp.where(tie, half, xp.where(b_loses, zero, g)))
    return a._result(out, (a, b), backward, op)


def maximum(a: Any, b: Any) -> Tensor:
    """The larger of a and b, element by element (broadcast)."""
    return _extreme(a, b, True, "maximum")


def minimum(a: Any, b: Any) -> Tensor:
    """The smaller of a and b, element by element (broadcast)."""
    return _extreme(a, b, False, "minimum")


def _condition(condition: Any, like: Tensor) -> Any:
    mask = condition.data if isinstance(condition, Tensor) else like._operand(condition)
    mask = mask.data if isinstance(mask, Tensor) else like._backend.xp.asarray(mask)
    if mask.dtype != like._backend.xp.bool:
        raise TypeError(f"the condition must be a bool tensor (e.g. x > 0), got dtype {mask.dtype}")
    return mask


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """a where condition is True, else b (broadcast); each gets the gradient where it was chosen."""
    if isinstance(condition, Tensor) and not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a, device=condition.device)
    a, b, x, y = _pair(a, b)
    xp = a._backend.xp
    mask = _condition(condition, a)
    out = xp.where(mask, x, y)

    def backward(g):
        zero = xp.zeros_like(g)
        return xp.where(mask, g, zero), xp.where(mask, zero, g)
    return a._result(out, (a, b), backward, "where")


def masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    """x with `value` where mask is True (x's dtype is kept); no gradient flows where it was filled."""
    xp = x._backend.xp
    keep = _condition(mask, x)
    number = python_number(value)
    if number is None:
        value = value.item() if isinstance(value, Tensor) and value.numel() == 1 else value
        number = python_number(value)
        if number is None:
            raise TypeError("masked_fill takes a number (or a one-element tensor) as the value")
    out = xp.where(keep, xp.asarray(number, dtype=x.dtype), x.data)
    return x._result(out, (x,), lambda g: (xp.where(keep, xp.zeros_like(g), g),), "masked_fill")


for _name, _fn in [("exp", exp), ("log", log), ("sqrt", sqrt), ("tanh", tanh), ("sigmoid", sigmoid), ("relu", relu),
                   ("abs", abs), ("sin", sin), ("cos", cos), ("clamp", clamp), ("clip", clip),
                   ("masked_fill", masked_fill)]:
    setattr(Tensor, _name, _fn)
Tensor.maximum, Tensor.minimum = maximum, minimum
