"""Stateless functions of tensors: activations and losses (as `torch.nn.functional`).

Where composing simpler ops would overflow or be slow, a function computes its
forward pass directly and states its gradient, next to it, in closed form
(softmax, log_softmax, cross_entropy, binary_cross_entropy_with_logits).
Losses take `reduction="mean" | "sum" | "none"`.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .tensor import ShapeError, Tensor

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax",
    "mse_loss", "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "dropout",
]


# --- layers --------------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b for x of shape (..., in), W of shape (out, in), b of shape (out,).

    With G = dL/dy:  dL/dx = G W,  dL/dW = G^T x (summed over the batch),
    dL/db = G summed over the batch. One graph node instead of three.
    """
    if x.ndim != 2:
        out = x @ weight.T
        return out + bias if bias is not None else out
    if x.shape[1] != weight.shape[1]:
        raise ShapeError(f"linear: input of shape {x.shape} has {x.shape[1]} features, "
                         f"but the weight of shape {weight.shape} expects {weight.shape[1]}")
    xp, X, W = x._backend.xp, x.data, weight.data
    out = xp.matmul(X, W.mT)
    if bias is not None:
        out += bias.data

    def backward(g):
        gx = xp.matmul(g, W) if x.requires_grad else None
        gw = xp.matmul(g.mT, X) if weight.requires_grad else None
        gb = xp.sum(g, axis=0) if bias is not None and bias.requires_grad else None
        return gx, gw, gb
    parents = (x, weight) if bias is None else (x, weight, bias)
    return x._result(out, parents, backward, "linear")


# --- activations ---------------------------------------------------------------


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x), without overflow for large |x|."""
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """(e^x - e^-x) / (e^x + e^-x)."""
    return x.tanh()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise; derivative 1 or negative_slope."""
    xp, a = x._backend.xp, x.data
    positive = a > 0

    def backward(g):
        return (xp.where(positive, g, g * negative_slope),)
    return x._result(xp.where(positive, a, a * negative_slope), (x,), backward, "leaky_relu")


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF = (1 + erf(x / sqrt 2)) / 2.

    d/dx = Phi(x) + x * phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi).
    `approximate="tanh"` uses 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as PyTorch.
    """
    if approximate == "tanh":
        inner = (x + 0.044715 * x ** 3) * math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1 + inner.tanh())
    if approximate != "none":
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    backend, a = x._backend, x.data
    xp = backend.xp
    cdf = 0.5 * (1 + backend.erf(a / math.sqrt(2.0)))
    pdf = xp.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)

    def backward(g):
        return (g * (cdf + a * pdf),)
    return x._result(a * cdf, (x,), backward, "gelu")


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """s_i = e^(x_i - m) / sum_j e^(x_j - m), m = max_j x_j (shifting changes nothing but overflow).

    Jacobian ds_i/dx_j = s_i (delta_ij - s_j), so dL/dx = s * (g - sum(g * s)).
    """
    xp = x._backend.xp
    e = xp.exp(x.data - xp.max(x.data, axis=axis, keepdims=True))
    s = e / xp.sum(e, axis=axis, keepdims=True)

    def backward(g):
        return (s * (g - xp.sum(g * s, axis=axis, keepdims=True)),)
    return x._result(s, (x,), backward, "softmax")


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log s_i = x_i - m - log sum_j e^(x_j - m): finite for any finite logits.

    d(log s_i)/dx_j = delta_ij - s_j, so dL/dx = g - s * sum(g).
    """
    xp = x._backend.xp
    shifted = x.data - xp.max(x.data, axis=axis, keepdims=True)
    log_z = xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    out = shifted - log_z

    def backward(g):
        return (g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),)
    return x._result(out, (x,), backward, "log_softmax")


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each entry with probability p, scale the rest by 1/(1-p).

    The expected output equals x, so nothing changes at evaluation (identity).
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    backend = x._backend
    keep = backend.rand(tuple(x.shape), x.dtype) >= p
    mask = backend.xp.astype(keep, x.dtype) / (1 - p)
    return x * Tensor._wrap(mask, backend)


# --- losses ----------------------------------------------------------------------


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _as_target(target: Any, like: Tensor, name: str) -> Tensor:
    target = like._lift(target)
    if target.shape != like.shape:
        raise ShapeError(f"{name}: target shape {target.shape} differs from input shape {like.shape}")
    return target


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)^2, averaged (or summed) over every element."""
    target = _as_target(target, input, "mse_loss")
    return _reduce((input - target) ** 2, reduction)


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p; each log is clamped at -100, as PyTorch."""
    target = _as_target(target, input, "binary_cross_entropy")
    xp = input._backend.xp
    if bool(xp.any((input.data < 0) | (input.data > 1))):
        raise ValueError("binary_cross_entropy needs probabilities in [0, 1]: apply sigmoid first, "
                         "or use binary_cross_entropy_with_logits")
    log_p = _clamped_log(input)
    log_1mp = _clamped_log(1 - input)
    return _reduce(-(target * log_p + (1 - target) * log_1mp), reduction)


def _clamped_log(p: Tensor) -> Tensor:
    """max(log p, -100): finite at p = 0, with the gradient 1/p where p > e^-100."""
    xp, a = p._backend.xp, p.data
    log_a = xp.log(xp.where(a > 0, a, xp.ones_like(a)))
    inside = (a > 0) & (log_a > -100)
    out = xp.where(inside, log_a, xp.full(a.shape, -100.0, dtype=a.dtype))

    def backward(g):
        return (xp.where(inside, g / xp.where(inside, a, xp.ones_like(a)), xp.zeros_like(g)),)
    return p._result(out, (p,), backward, "log")


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """BCE of sigmoid(x) against y, as max(x, 0) - x y + log(1 + e^-|x|): no overflow.

    d/dx = sigmoid(x) - y.
    """
    target = _as_target(target, input, "binary_cross_entropy_with_logits")
    xp, x, y = input._backend.xp, input.data, target.data
    e = xp.exp(-xp.abs(x))
    loss = xp.maximum(x, 0.0) - x * y + xp.log1p(e)
    probability = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def backward(g):
        gx = g * (probability - y) if input.requires_grad else None
        gy = g * -x if target.requires_grad else None
        return gx, gy
    return _reduce(input._result(loss, (input, target), backward, "bce_logits"), reduction)


def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """-log softmax(logits)[target] for each row: logits (N, C), targets N class indices.

    Its gradient is the famous p - y: dL_n/dlogits_n = softmax(logits_n) - onehot(target_n).
    """
    xp = logits._backend.xp
    if logits.ndim != 2:
        raise ShapeError(f"cross_entropy expects logits of shape (N, C), got {logits.shape}")
    n, c = logits.shape
    idx = _class_indices(targets, logits, n, c)
    log_p = log_softmax(logits.detach(), axis=1).data
    rows = xp.arange(n)
    picked = logits._backend.getitem(log_p, (rows, idx))

    def backward(g):
        onehot = logits._backend.scatter_add(xp.zeros((n, c), dtype=log_p.dtype), (rows, idx),
                                             xp.ones((n,), dtype=log_p.dtype))
        return (xp.reshape(g, (n, 1)) * (xp.exp(log_p) - onehot),)
    return _reduce(logits._result(-picked, (logits,), backward, "cross_entropy"), reduction)


def _class_indices(targets: Any, logits: Tensor, n: int, c: int) -> Any:
    """Validated class indices as an integer array on the logits' device."""
    backend = logits._backend
    if isinstance(targets, Tensor):
        if targets._backend is not backend:
            raise ValueError(f"cross_entropy: logits on {logits.device} but targets on {targets.device}")
        array = targets.data
    else:
        array = logits._lift(np.asarray(targets) if isinstance(targets, list) else targets).data
    if not backend.xp.isdtype(array.dtype, "integral"):
        raise TypeError(f"cross_entropy: targets must be integer class indices, got dtype "
                        f"{Tensor._wrap(array, backend).dtype_name} (use y.astype('int64'); "
                        "probability targets are not supported)")
    if tuple(array.shape) != (n,):
        raise ShapeError(f"cross_entropy: {n} rows of logits need targets of shape ({n},), got {tuple(array.shape)}")
    if n and (int(backend.xp.min(array)) < 0 or int(backend.xp.max(array)) >= c):
        raise ValueError(f"cross_entropy: targets must lie in [0, {c - 1}] for {c} classes, got values from "
                         f"{int(backend.xp.min(array))} to {int(backend.xp.max(array))}")
    return array
