"""Stateless functions of tensors: layers, activations and losses (as `torch.nn.functional`).

Where composing simpler ops would overflow or be slow, a function computes its
forward pass directly and states its gradient, next to it, in closed form
(softmax, log_softmax, softplus, cross_entropy, binary_cross_entropy_with_logits).
Losses take `reduction="mean" | "sum" | "none"`; the mean of nothing is nan.
"""
from __future__ import annotations

import math
from typing import Any

from .backend import python_number
from .dtypes import category, is_floating
from .ops.conv import avg_pool2d, conv2d, max_pool2d
from .ops.elementwise import _float_data, where
from .ops.embedding import embedding
from .ops.reduce import _dims
from .tensor import ShapeError, Tensor

__all__ = [
    "linear", "embedding", "conv2d", "max_pool2d", "avg_pool2d", "relu", "leaky_relu", "sigmoid", "tanh", "gelu",
    "silu", "elu", "softplus", "softmax",
    "log_softmax", "one_hot", "dropout", "mse_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]


# --- layers --------------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b for x of shape (..., in), W of shape (out, in), b of shape (out,).

    With G = dL/dy:  dL/dx = G W,  dL/dW = G^T x (summed over the batch),
    dL/db = G summed over the batch. One graph node instead of three.
    """
    _check_linear(x, weight, bias)
    if x.ndim != 2:  # (..., in): every leading axis is batch, one matrix product for all of them
        rows = math.prod(x.shape[:-1])
        return linear(x.reshape(rows, x.shape[-1]), weight, bias).reshape(*x.shape[:-1], weight.shape[0])
    xp, X, W = x._backend.xp, x.data, weight.data
    out = xp.matmul(X, W.mT)
    if bias is not None:
        out += bias.data

    def backward(g):
        gx = xp.matmul(g, W) if x.requires_grad else None
        gw = xp.matmul(g.mT, X) if weight.requires_grad else None
        gb = x._backend.sum(g, axis=0) if bias is not None and bias.requires_grad else None
        return gx, gw, gb
    parents = (x, weight) if bias is None else (x, weight, bias)
    return x._result(out, parents, backward, "linear")


def _check_linear(x: Any, weight: Tensor, bias: Tensor | None) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"a linear layer takes a Tensor, got a {type(x).__name__}: wrap the data first, "
                        "e.g. model(mg.tensor(X)) (NumPy arrays keep their dtype; use float32)")
    if weight.ndim != 2:
        raise ShapeError(f"linear: the weight must have shape (out_features, in_features), got {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ShapeError(f"linear: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features, "
                         f"but the weight of shape {weight.shape} expects {weight.shape[1]}")
    if x.dtype != weight.dtype:
        raise TypeError(f"linear: the input is {x.dtype_name} but the weight is {weight.dtype_name} (PyTorch "
                        f"refuses this too): convert the input, e.g. x.float() (NumPy data: X.astype(np.float32)), "
                        "or the model, model.double()")
    if bias is not None and bias.shape not in ((weight.shape[0],), (1,), ()):
        raise ShapeError(f"linear: the bias must have shape ({weight.shape[0]},), one per output, got {bias.shape}")


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
    xp, a = x._backend.xp, _float_data(x)
    positive = a > 0

    def backward(g):
        return (xp.where(positive, g, g * negative_slope),)
    return x._result(xp.where(positive, a, a * negative_slope), (x,), backward, "leaky_relu")


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise; derivative 1 or alpha e^x (= out + alpha)."""
    xp, a = x._backend.xp, _float_data(x)
    positive = a > 0
    with x._backend.errstate():
        out = xp.where(positive, a, alpha * xp.expm1(xp.where(positive, xp.zeros_like(a), a)))
    negative = a <= 0  # not "not positive": nan passes the gradient through, as in PyTorch
    return x._result(out, (x,), lambda g: (xp.where(negative, g * (out + alpha), g),), "elu")


def silu(x: Tensor) -> Tensor:
    """x sigmoid(x) (also called swish); derivative s (1 + x (1 - s)), s = sigmoid(x)."""
    a = _float_data(x)
    s = sigmoid(Tensor._wrap(a, x._backend)).data
    return x._result(a * s, (x,), lambda g: (g * s * (1 + a * (1 - s)),), "silu")


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, smooth relu; where beta x > threshold, x itself (as PyTorch).

    Derivative sigmoid(beta x) (1 in the linear region). Computed as
    max(z, 0) + log1p(e^-|z|), z = beta x, which never overflows.
    """
    xp, a = x._backend.xp, _float_data(x)
    z = a * beta
    linear_part = z > threshold
    out = xp.where(linear_part, a, (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta)
    s = sigmoid(Tensor._wrap(z, x._backend)).data
    return x._result(out, (x,), lambda g: (xp.where(linear_part, g, g * s),), "softplus")


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
    backend, a = x._backend, _float_data(x)
    xp = backend.xp
    cdf = 0.5 * (1 + backend.erf(a / math.sqrt(2.0)))
    pdf = xp.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    return x._result(a * cdf, (x,), lambda g: (g * (cdf + a * pdf),), "gelu")


def _class_axis(x: Tensor, dim: Any, axis: Any) -> int:
    if dim is None and axis is None:
        dim = -1
    (ax,) = _dims(x, dim, axis) or (0,)
    return ax


def softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """s_i = e^(x_i - m) / sum_j e^(x_j - m), m = max_j x_j (shifting changes nothing but overflow).

    Jacobian ds_i/dx_j = s_i (delta_ij - s_j), so dL/dx = s * (g - sum(g * s)).
    `dim` (or NumPy's `axis`) is the axis of the classes, the last one by default.
    """
    xp, a = x._backend.xp, _float_data(x)
    ax = _class_axis(x, dim, axis)
    if x.ndim and x.shape[ax] == 0:
        return x._result(a, (x,), lambda g: (g,), "softmax")
    with x._backend.errstate():  # +inf, or only -inf, in a row: nan, as in PyTorch
        e = xp.exp(a - (xp.max(a, axis=ax, keepdims=True) if x.ndim else a))
        s = e / xp.sum(e, axis=ax, keepdims=True)

    def backward(g):
        return (s * (g - xp.sum(g * s, axis=ax, keepdims=True)),)
    return x._result(s, (x,), backward, "softmax")


def log_softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """log s_i = x_i - m - log sum_j e^(x_j - m): finite for any finite logits.

    d(log s_i)/dx_j = delta_ij - s_j, so dL/dx = g - s * sum(g).
    """
    xp, a = x._backend.xp, _float_data(x)
    ax = _class_axis(x, dim, axis)
    if x.ndim and x.shape[ax] == 0:
        return x._result(a, (x,), lambda g: (g,), "log_softmax")
    with x._backend.errstate():
        shifted = a - (xp.max(a, axis=ax, keepdims=True) if x.ndim else a)
        out = shifted - xp.log(xp.sum(xp.exp(shifted), axis=ax, keepdims=True))

    def backward(g):
        with x._backend.errstate():
            return (g - xp.exp(out) * xp.sum(g, axis=ax, keepdims=True),)
    return x._result(out, (x,), backward, "log_softmax")


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape (..., num_classes) with a 1 at each index (num_classes=-1: max + 1)."""
    if not isinstance(tensor, Tensor) or category(tensor.dtype_name) != 1:
        raise TypeError("one_hot takes an integer Tensor of class indices, e.g. mg.tensor([0, 2, 1])")
    xp = tensor._backend.xp
    if num_classes == -1:
        num_classes = int(xp.max(tensor.data)) + 1 if tensor.numel() else 0
    if tensor.numel() and (int(xp.min(tensor.data)) < 0 or int(xp.max(tensor.data)) >= num_classes):
        raise ValueError(f"one_hot: class indices must lie in [0, {num_classes - 1}]")
    classes = xp.arange(num_classes, dtype=tensor.data.dtype)
    return Tensor._wrap(xp.astype(xp.expand_dims(tensor.data, axis=-1) == classes, xp.int64), tensor._backend)


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
    target = like._tensor_operand(target)
    if target.shape != like.shape:
        raise ShapeError(f"{name}: target shape {target.shape} differs from input shape {like.shape}")
    return target


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)^2, averaged (or summed) over every element."""
    target = _as_target(target, input, "mse_loss")
    return _reduce((input - target) ** 2, reduction)


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p; each log is clamped at -100, as PyTorch.

    dL/dp = (p - y) / (p (1 - p)), with the denominator kept at 1e-12 or more (PyTorch's rule: finite
    where p is 0 or 1); dL/dy = log(1 - p) - log p.
    """
    target = _as_target(target, input, "binary_cross_entropy")
    xp = input._backend.xp
    if bool(xp.any((input.data < 0) | (input.data > 1))):
        raise ValueError("binary_cross_entropy needs probabilities in [0, 1]: apply sigmoid first, "
                         "or use binary_cross_entropy_with_logits")
    _check_probability_targets(target, "binary_cross_entropy")
    p = input.data
    y = xp.astype(target.data, p.dtype)
    log_p, log_1mp = _clamped_log(input._backend, p), _clamped_log(input._backend, 1 - p)
    losses = -(y * log_p + (1 - y) * log_1mp)

    def backward(g):
        return g * (p - y) / xp.maximum(p * (1 - p), xp.asarray(1e-12, dtype=p.dtype)), g * (log_1mp - log_p)
    return _reduce(input._result(losses, (input, target), backward, "binary_cross_entropy"), reduction)


def _check_probability_targets(target: Tensor, name: str) -> None:
    xp = target._backend.xp
    if target.numel() and bool(xp.any((target.data < 0) | (target.data > 1))):
        raise ValueError(f"{name}: targets must lie in [0, 1] (labels 0 and 1, or probabilities), got values "
                         f"from {float(xp.min(target.data)):g} to {float(xp.max(target.data)):g}")


def _clamped_log(backend, a: Any) -> Any:
    """max(log a, -100), finite at a = 0."""
    with backend.errstate():
        return backend.xp.maximum(backend.xp.log(a), backend.xp.asarray(-100.0, dtype=a.dtype))


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """BCE of sigmoid(x) against y, as (1 - y) x + m + log(e^-m + e^(-x-m)), m = max(-x, 0): no overflow
    (PyTorch's formula, so even x = -inf gives what PyTorch gives).

    d/dx = sigmoid(x) - y.
    """
    target = _as_target(target, input, "binary_cross_entropy_with_logits")
    _check_probability_targets(target, "binary_cross_entropy_with_logits")
    xp, x, y = input._backend.xp, input.data, target.data
    with input._backend.errstate():
        m = xp.maximum(-x, xp.zeros_like(x))
        loss = (1 - y) * x + m + xp.log(xp.exp(-m) + xp.exp(-x - m))
        e = xp.exp(-xp.abs(x))
        probability = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def backward(g):
        gx = g * (probability - y) if input.requires_grad else None
        gy = g * -x if target.requires_grad else None
        return gx, gy
    return _reduce(input._result(loss, (input, target), backward, "bce_logits"), reduction)


def nll_loss(input: Tensor, target: Any, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """-w[t] * input[t] for each position, input holding log-probabilities of shape (N, C) or (N, C, d1, ...)
    and target the class indices, of shape (N,) or (N, d1, ...). Positions whose target is
    `ignore_index` count for nothing; the mean divides by the summed weights of the others."""
    classes, targets, shape = _classes_last(input, target, "nll_loss")
    backend = input._backend
    xp = backend.xp
    t = targets.data
    ignored = t == ignore_index
    safe = xp.where(ignored, xp.zeros_like(t), t)
    _check_class_range(xp, safe, classes.shape[1], "nll_loss")
    w = xp.ones((classes.shape[1],), dtype=classes.data.dtype) if weight is None else weight.data
    kept = xp.where(ignored, xp.zeros((), dtype=w.dtype), w[safe])
    picked = classes[Tensor._wrap(xp.arange(classes.shape[0]), backend), Tensor._wrap(safe, backend)]
    losses = where(Tensor._wrap(ignored, backend), 0.0, -picked * Tensor._wrap(kept, backend))
    if reduction == "mean":
        return _weighted_mean(losses.sum(), xp.sum(kept))
    return _reduce(losses.reshape(shape), reduction)


def _weighted_mean(total: Tensor, weight: Any) -> Tensor:
    """total / weight; when every position was ignored (weight 0): nan, with gradient 0 (as PyTorch)."""
    xp = total._backend.xp
    with total._backend.errstate():
        out = total.data / weight
    return total._result(out, (total,), lambda g: (xp.where(weight == 0, xp.zeros_like(g), g / weight),), "mean")


def _classes_last(input: Tensor, target: Any, name: str) -> tuple[Tensor, Tensor, tuple]:
    """(input as (positions, C), the targets flattened to (positions,), the targets' shape)."""
    targets = _class_targets(input, target, name)
    expected = () if input.ndim == 1 else (input.shape[0],) + input.shape[2:]
    if input.ndim == 0 or targets.shape != expected:
        raise ShapeError(f"{name}: input of shape {input.shape} needs targets of shape {expected} "
                         f"(one class index per position), got {targets.shape}")
    if input.ndim <= 2:
        classes = input.reshape(-1, input.shape[-1])
    else:
        classes = input.permute(0, *range(2, input.ndim), 1).reshape(-1, input.shape[1])
    return classes, targets.reshape(-1), expected


def _class_targets(input: Tensor, target: Any, name: str) -> Tensor:
    if python_number(target) is not None and input.ndim != 1:
        raise TypeError(f"{name}: targets must be a tensor (or array) of class indices of shape "
                        f"({input.shape[0] if input.ndim else 'N'},), one per example, e.g. mg.tensor([{int(python_number(target))}]) for a batch of one; got a bare number")
    targets = input._tensor_operand(target) if not isinstance(target, list) else \
        Tensor(target, device=input.device)
    if category(targets.dtype_name) != 1:
        raise TypeError(f"{name}: targets must be integer class indices, got dtype {targets.dtype_name} "
                        "(use y.astype('int64') or y.long())")
    return targets


def _check_class_range(xp, indices: Any, c: int, name: str) -> None:
    if indices.size and (int(xp.min(indices)) < 0 or int(xp.max(indices)) >= c):
        raise IndexError(f"{name}: targets must lie in [0, {c - 1}] for {c} classes (or equal ignore_index), "
                         f"got values from {int(xp.min(indices))} to {int(xp.max(indices))}")


def cross_entropy(input: Tensor, target: Any, weight: Tensor | None = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """-log softmax(logits)[target] per position: logits (N, C) or (N, C, d1, ...) (e.g. (N, C, T) for
    a sequence), targets class indices of shape (N,) or (N, d1, ...), or class probabilities of the
    logits' shape. Options as PyTorch's: class `weight`s, `ignore_index`, `label_smoothing` (the
    target becomes (1 - e) onehot + e / C).

    Its gradient is the famous p - y: dL_n/dlogits_n = softmax(logits_n) - onehot(target_n).
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    if isinstance(target, Tensor) and is_floating(target.dtype_name):
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)
    if input.ndim == 2 and weight is None and label_smoothing == 0 and reduction in ("mean", "sum", "none"):
        fused = _cross_entropy_rows(input, target, ignore_index, reduction)
        if fused is not None:
            return fused
    class_axis = 1 if input.ndim > 1 else 0
    log_p = log_softmax(input, dim=class_axis)
    nll = nll_loss(log_p, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    return (1 - label_smoothing) * nll + _smoothing_term(log_p, target, weight, ignore_index, reduction,
                                                        class_axis) * (label_smoothing / input.shape[class_axis])


def _cross_entropy_rows(logits: Tensor, target: Any, ignore_index: int, reduction: str) -> Tensor | None:
    """The common case in one node: (N, C) logits, N class indices in range (none ignored). None otherwise.

    loss_n = -log p_n[t_n], p_n = softmax(logits_n); d loss_n / d logits_n = p_n - onehot(t_n),
    divided by N for the mean.
    """
    targets = _class_targets(logits, target, "cross_entropy")
    backend = logits._backend
    xp = backend.xp
    n, c = logits.shape
    if targets.shape != (n,):
        raise ShapeError(f"cross_entropy: {n} rows of logits need targets of shape ({n},), got {targets.shape}")
    if not n:
        return None
    idx = targets.data
    lowest, highest = int(xp.min(idx)), int(backend.max(idx))
    if lowest < 0 or highest >= c or lowest <= ignore_index <= highest:
        return None  # the general path checks the range and handles ignore_index
    a = _float_data(logits)
    with backend.errstate():
        shifted = a - backend.max(a, axis=1, keepdims=True)
        log_p = shifted - xp.log(backend.sum(xp.exp(shifted), axis=1, keepdims=True))
    rows = xp.arange(n)
    losses = -backend.getitem(log_p, (rows, idx))
    scale = 1.0 / n if reduction == "mean" else 1.0
    out = losses if reduction == "none" else backend.sum(losses) * scale

    def backward(g):
        grad = xp.exp(log_p)
        backend.setitem(grad, (rows, idx), backend.getitem(grad, (rows, idx)) - 1)
        return ((xp.reshape(g, (n, 1)) if reduction == "none" else g * scale) * grad,)
    return logits._result(out, (logits,), backward, "cross_entropy")


def _smoothing_term(log_p: Tensor, target: Any, weight: Tensor | None, ignore_index: int, reduction: str,
                    class_axis: int) -> Tensor:
    """-sum_c w_c log p_c per position (0 where ignored), reduced as PyTorch's label smoothing does."""
    xp = log_p._backend.xp
    shape = [1] * log_p.ndim
    shape[class_axis] = -1
    weighted = log_p if weight is None else log_p * weight.reshape(shape)
    smooth = -weighted.sum(dim=class_axis)
    targets = _class_targets(log_p, target, "cross_entropy")
    ignored = Tensor._wrap(targets.data == ignore_index, log_p._backend)
    smooth = smooth.masked_fill(ignored.reshape(smooth.shape), 0.0)
    if reduction == "sum":
        return smooth.sum()
    if reduction == "none":
        return smooth
    kept = ~ignored.data
    if weight is None:
        return _weighted_mean(smooth.sum(), xp.astype(xp.sum(kept), log_p.data.dtype))
    safe = xp.where(kept, targets.data, xp.zeros_like(targets.data))
    return _weighted_mean(smooth.sum(), xp.sum(xp.where(kept, weight.data[safe], xp.zeros((), dtype=weight.data.dtype))))


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                                 label_smoothing: float) -> Tensor:
    """Cross-entropy against class probabilities: -sum_c w_c y_c log p_c per position."""
    if target.shape != input.shape:
        raise ShapeError(f"cross_entropy: float targets are class probabilities and must have the logits' shape "
                         f"{input.shape}, got {target.shape}; for class indices use integers (y.long())")
    class_axis = 1 if input.ndim > 1 else 0
    c = input.shape[class_axis]
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / c
    log_p = log_softmax(input, dim=class_axis)
    terms = log_p * target
    if weight is not None:
        shape = [1] * input.ndim
        shape[class_axis] = -1
        terms = terms * weight.reshape(shape)
    return _reduce(-terms.sum(dim=class_axis), reduction)
