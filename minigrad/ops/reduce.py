"""Reductions: a tensor summarised along some axes, and the gradient spread back over them.

Every reduction takes PyTorch's `dim` / `keepdim` and NumPy's `axis` /
`keepdims` alike; `dim` may be an int, a tuple of ints or None (all axes).
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from ..dtypes import DEFAULT_INT, is_floating
from ..tensor import Tensor, _axis
from .elementwise import _float_data, maximum, minimum

__all__ = ["sum", "mean", "max", "min", "amax", "amin", "var", "std", "logsumexp", "cumsum", "argmax", "argmin", "any", "all",
           "ValuesIndices"]


class ValuesIndices(NamedTuple):
    """What max(dim=...) and min(dim=...) return, as torch: the values and where they are."""
    values: Tensor
    indices: Tensor


def _dims(x: Tensor, dim: Any, axis: Any) -> tuple[int, ...]:
    """The reduced axes, sorted, from torch's `dim` or NumPy's `axis` (None: every axis)."""
    if dim is not None and axis is not None:
        raise TypeError("give either dim (PyTorch's name) or axis (NumPy's), not both")
    dim = axis if dim is None else dim
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):  # dim=() reduces every axis, as in torch
        return tuple(range(x.ndim))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    axes = sorted({_axis(d, x.ndim) for d in dims})
    if len(axes) != len(dims):
        raise ValueError(f"dim {dim} names an axis twice")
    return tuple(axes) if x.ndim else ()


def _keep(keepdim: bool, keepdims: bool | None) -> bool:
    return bool(keepdim if keepdims is None else keepdims)


def _spread(xp, g: Any, shape: tuple, axes: tuple, kept: bool) -> Any:
    """Undo a reduction over `axes`: put the reduced axes back (length 1) and broadcast to `shape`."""
    if not kept and axes:
        g = xp.reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return xp.broadcast_to(g, shape)


def sum(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """sum over `dim`; d(sum)/dx_i = 1, so each summed element gets the gradient g.

    Integer and bool tensors sum to int64, as in PyTorch.
    """
    xp, shape = x._backend.xp, x.shape
    axes, kept = _dims(x, dim, axis), _keep(keepdim, keepdims)
    dtype = None if is_floating(x.dtype_name) else x._backend.dtype(DEFAULT_INT)
    out = xp.sum(x.data, axis=axes, keepdims=kept, dtype=dtype)
    return x._result(out, (x,), lambda g: (_spread(xp, g, shape, axes, kept),), "sum")


def mean(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """sum / n over `dim`, so d(mean)/dx_i = 1/n. The mean of nothing is nan.

    Floating tensors only (as PyTorch): for the share of True in a bool tensor, use `mask.float().mean()`.
    """
    if not is_floating(x.dtype_name):
        raise RuntimeError(f"mean() of a {x.dtype_name} tensor is not defined (as in PyTorch): convert it first, "
                           "e.g. (predictions == labels).float().mean()")
    xp, shape = x._backend.xp, x.shape
    axes, kept = _dims(x, dim, axis), _keep(keepdim, keepdims)
    count = math.prod(shape[i] for i in axes)
    scale = 1.0 / count if count else math.nan
    wider = x._backend.dtype("float32") if x.dtype_name == "float16" else None  # float16 sums overflow early
    out = xp.sum(x.data, axis=axes, keepdims=kept, dtype=wider) * scale
    if wider is not None:
        out = xp.astype(out, x.data.dtype)
    return x._result(out, (x,), lambda g: (_spread(xp, g * scale, shape, axes, kept),), "mean")


def _extreme(x: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None, largest: bool, name: str):
    xp = x._backend.xp
    if dim is None and axis is None:
        if x.numel() == 0:
            raise RuntimeError(f"{name}() of an empty tensor has no value: give dim= to reduce along an axis")
        return _extreme_of_all(x, largest, name)
    axes, kept = _dims(x, dim, axis), _keep(keepdim, keepdims)
    if isinstance(dim if axis is None else axis, (tuple, list)):
        raise TypeError(f"{name}(dim=...) takes one axis (as in PyTorch); for several use amax/amin")
    ax = axes[0] if axes else 0
    if x.ndim and x.shape[ax] == 0:
        raise IndexError(f"{name}(dim={ax}) of a tensor with an empty axis {ax} (shape {x.shape}) has no value")
    pick = xp.argmax if largest else xp.argmin
    if not x.ndim:
        return ValuesIndices(x._result(x.data, (x,), lambda g: (g,), name),
                             Tensor._wrap(xp.zeros((), dtype=xp.int64), x._backend))
    indices = xp.astype(pick(x.data, axis=ax, keepdims=True), xp.int64)
    where = _along(x, indices, ax)
    values = x._backend.getitem(x.data, where)
    shape = x.shape

    def backward(g):
        g = g if kept else xp.expand_dims(g, axis=ax)
        grad = xp.zeros(shape, dtype=g.dtype)
        x._backend.setitem(grad, where, g)
        return (grad,)
    if not kept:
        values, indices = xp.squeeze(values, axis=ax), xp.squeeze(indices, axis=ax)
    return ValuesIndices(x._result(values, (x,), backward, name), Tensor._wrap(indices, x._backend))


def _along(x: Tensor, indices: Any, ax: int) -> tuple:
    """The index that picks, at each position of `indices`, element indices[...] along axis `ax`."""
    xp = x._backend.xp
    grids = [xp.reshape(xp.arange(n), tuple(n if i == d else 1 for i in range(indices.ndim)))
             for d, n in enumerate(indices.shape)]
    grids[ax] = indices
    return tuple(xp.broadcast_to(i, indices.shape) for i in grids)


def _extreme_of_all(x: Tensor, largest: bool, name: str) -> Tensor:
    return _amax(x, tuple(range(x.ndim)), False, largest, name, fill=True)


def _amax(x: Tensor, axes: tuple, kept: bool, largest: bool, name: str, fill: bool = False) -> Tensor:
    """The largest (smallest) element over `axes`; tied elements share the gradient evenly, as in PyTorch.

    Elements that lost get 0 * g (nan if g is nan), except in max() of everything, whose
    gradient PyTorch writes into zeros (`fill`): there they get 0 whatever g is.
    """
    xp, a, shape = x._backend.xp, x.data, x.shape
    if 0 in [shape[i] for i in axes]:
        raise IndexError(f"{name} over an empty axis of a tensor of shape {shape} has no value")
    out_kept = xp.max(a, axis=axes, keepdims=True) if largest else xp.min(a, axis=axes, keepdims=True)
    out = out_kept if kept else xp.reshape(out_kept, tuple(n for i, n in enumerate(shape) if i not in axes))

    def backward(g):
        won = (a == out_kept) | ((a != a) & (out_kept != out_kept))
        winners = xp.astype(won, g.dtype)
        share = _spread(xp, g, shape, axes, kept) / xp.sum(winners, axis=axes, keepdims=True)
        return (xp.where(won, share, xp.zeros_like(share)) if fill else share * winners,)
    return x._result(out, (x,), backward, name)


def amax(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """The largest value over `dim` (an int, a tuple, or None for all); ties share the gradient evenly."""
    return _amax(x, _dims(x, dim, axis), _keep(keepdim, keepdims), True, "amax")


def amin(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """The smallest value over `dim`, as `amax`."""
    return _amax(x, _dims(x, dim, axis), _keep(keepdim, keepdims), False, "amin")


def max(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None):
    """The largest element (a 0-d tensor), or with `dim`: (values, indices) along that axis, as torch.

    The gradient goes to the element picked; in a tie with no `dim` it is shared evenly.
    """
    if isinstance(dim, Tensor):  # x.max(other): the element-wise maximum, as torch
        return maximum(x, dim)
    return _extreme(x, dim, keepdim, axis, keepdims, True, "max")


def min(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None):
    """The smallest element, or with `dim`: (values, indices), as `max`."""
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    return _extreme(x, dim, keepdim, axis, keepdims, False, "min")


def _arg(x: Tensor, dim: Any, keepdim: bool, axis: Any, largest: bool) -> Tensor:
    xp = x._backend.xp
    pick = xp.argmax if largest else xp.argmin
    if dim is None and axis is None:
        out = pick(xp.reshape(x.data, (-1,)))
        return Tensor._wrap(xp.reshape(out, (1,) * x.ndim) if keepdim else out, x._backend)
    (ax,) = _dims(x, dim, axis) or (0,)
    out = pick(x.data, axis=ax, keepdims=keepdim) if x.ndim else xp.zeros((), dtype=xp.int64)
    return Tensor._wrap(xp.astype(out, xp.int64), x._backend)


def argmax(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
           keepdims: bool | None = None) -> Tensor:
    """Index of the largest entry (of the flattened tensor, or along `dim`): an int64 tensor."""
    return _arg(x, dim, _keep(keepdim, keepdims), axis, True)


def argmin(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
           keepdims: bool | None = None) -> Tensor:
    """Index of the smallest entry, as `argmax`."""
    return _arg(x, dim, _keep(keepdim, keepdims), axis, False)


def var(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """sum((x - mean)^2) / (n - correction), correction 1 by default (Bessel's, as torch).

    d(var)/dx_i = 2 (x_i - mean) / (n - correction): the mean's own dependence on
    x_i cancels, since the deviations sum to 0. `unbiased=False` is correction 0.
    """
    if unbiased is not None and correction is not None:
        raise TypeError("give either unbiased or correction, not both")
    c = correction if correction is not None else (0 if unbiased is False else 1)
    xp, shape = x._backend.xp, x.shape
    axes, kept = _dims(x, dim, axis), _keep(keepdim, keepdims)
    a = _float_data(x)
    wide = xp.astype(a, xp.float64)  # accumulated in float64, as PyTorch does on the CPU: no overflow of squares
    n = math.prod(shape[i] for i in axes)
    with x._backend.errstate():
        centered = wide - xp.sum(wide, axis=axes, keepdims=True) / n if n else wide
        scale = 1.0 / (n - c) if n - c > 0 else math.inf if n else math.nan
        out = xp.astype(xp.sum(centered * centered, axis=axes, keepdims=kept) * scale, a.dtype)
        centered = xp.astype(centered, a.dtype)

    def backward(g):
        with x._backend.errstate():
            return (_spread(xp, g * scale, shape, axes, kept) * (2 * centered),)
    return x._result(out, (x,), backward, "var")


def std(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """sqrt(var), with var's correction (1 by default); d(std)/dx = d(var)/dx / (2 std), taken as 0
    where std = 0 (constant values), as PyTorch does."""
    v = var(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
    xp = x._backend.xp
    out = xp.sqrt(v.data)

    def backward(g):
        with x._backend.errstate():
            return (xp.where(out == 0, xp.zeros_like(g), g / (2 * out)),)
    return v._result(out, (v,), backward, "std")


def logsumexp(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
              keepdims: bool | None = None) -> Tensor:
    """log sum_i e^(x_i) = m + log sum_i e^(x_i - m), m = max x (no overflow); d/dx_i = softmax(x)_i."""
    xp, shape = x._backend.xp, x.shape
    axes, kept = _dims(x, dim, axis), _keep(keepdim, keepdims)
    a = _float_data(x)
    with x._backend.errstate():
        m = xp.max(a, axis=axes, keepdims=True) if x.numel() else xp.zeros((1,) * x.ndim, dtype=a.dtype)
        m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
        out_kept = xp.log(xp.sum(xp.exp(a - m), axis=axes, keepdims=True)) + m
    out = out_kept if kept else xp.reshape(out_kept, tuple(n for i, n in enumerate(shape) if i not in axes))

    def backward(g):
        with x._backend.errstate():
            return (_spread(xp, g, shape, axes, kept) * xp.exp(a - out_kept),)
    return x._result(out, (x,), backward, "logsumexp")


def cumsum(x: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """Running sums along `dim`: out_i = x_0 + ... + x_i, so dL/dx_j = g_j + g_(j+1) + ... (a reversed running sum)."""
    if dim is None and axis is None:
        raise TypeError("cumsum needs dim (as in PyTorch)")
    (ax,) = _dims(x, dim, axis) or (0,)
    backend = x._backend
    xp = backend.xp
    if not x.ndim:
        return x._result(x.data, (x,), lambda g: (g,), "cumsum")
    a = x.data if is_floating(x.dtype_name) else xp.astype(x.data, xp.int64)
    out = backend.cumsum(a, ax)
    return x._result(out, (x,), lambda g: (xp.flip(backend.cumsum(xp.flip(g, axis=ax), ax), axis=ax),), "cumsum")


def any(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Tensor:
    """Whether any element (along `dim`) is nonzero: a bool tensor."""
    return Tensor._wrap(x._backend.xp.any(x.data, axis=_dims(x, dim, axis), keepdims=keepdim), x._backend)


def all(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Tensor:
    """Whether every element (along `dim`) is nonzero: a bool tensor."""
    return Tensor._wrap(x._backend.xp.all(x.data, axis=_dims(x, dim, axis), keepdims=keepdim), x._backend)


for _fn in (sum, mean, max, min, amax, amin, var, std, logsumexp, cumsum, argmax, argmin, any, all):
    setattr(Tensor, _fn.__name__, _fn)
