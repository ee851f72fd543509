"""Gradient clipping, as `torch.nn.utils`: tame exploding gradients before the optimizer step.

    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)   # worth logging
    opt.step()

The functions replace each `.grad` with a new array (they never modify it in
place: a gradient array may be shared by several tensors). Parameters whose
`.grad` is None are skipped.
"""
from __future__ import annotations

import math
import types
import warnings
from typing import Any, Iterable

from ..backend import Backend, array_device, get_backend
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]

Parameters = Tensor | Iterable[Tensor]


def _with_grads(parameters: Parameters) -> list[Tensor]:
    """The parameters that have a gradient (warns, as torch, when handed an empty generator)."""
    if isinstance(parameters, Tensor):
        return [parameters] if parameters.grad is not None else []
    is_generator = isinstance(parameters, types.GeneratorType)
    params = list(parameters)
    if is_generator and not params:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur "
                      "(was it used up by an earlier call? pass a list instead)", UserWarning, stacklevel=3)
    return [p for p in params if p.grad is not None]


def _order(norm_type: Any) -> float:
    try:
        return float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"norm_type must be a number such as 2.0, 1, 0 or float('inf') (or the string 'inf'), "
                         f"got {norm_type!r}") from None


def _norm_of(xp: Any, g: Any, p: float) -> float:
    """||g||_p of one gradient array, as `torch.linalg.vector_norm`:

        p = inf: max |g_i|      p = -inf: min |g_i|      p = 0: the number of g_i != 0
        otherwise (sum_i |g_i|^p)^(1/p)

    The sum is taken in the array's dtype, the rest in float64.
    """
    magnitude = xp.abs(g)
    if p == math.inf:
        return float(xp.max(magnitude)) if g.size else 0.0
    if p == -math.inf:
        return float(xp.min(magnitude))
    if p == 0:
        return float(xp.sum(xp.astype(g != 0, xp.int64)))
    return float(xp.sum(magnitude ** p)) ** (1.0 / p)


def _norm_of_norms(norms: list[float], p: float) -> float:
    """The same p-norm of the vector of per-array norms, in float64 (an exactly rounded sum)."""
    if p == math.inf:
        return max(norms, key=lambda n: math.inf if math.isnan(n) else n)
    if p == -math.inf:
        return min(norms, key=lambda n: -math.inf if math.isnan(n) else n)
    if p == 0:
        return float(sum(n != 0 for n in norms))
    return _power(math.fsum(_power(n, p) for n in norms), 1.0 / p)


def _power(x: float, p: float) -> float:
    """x ** p for x >= 0 in IEEE floats: 0 ** -1 = inf and overflow = inf, as NumPy and torch give."""
    try:
        return float(x ** p)
    except (ZeroDivisionError, OverflowError):
        return math.inf


def get_total_norm(grads: Tensor | Iterable[Any], norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """The p-norm of the per-array p-norms: total = || (||g_1||_p, ||g_2||_p, ...) ||_p, as torch.

    For p > 0 this is the p-norm of all gradients seen as one long vector. For
    p = 0 it counts the arrays holding a non-zero entry (torch's definition).
    `grads` are arrays (such as `p.grad`) or Tensors. An empty list gives 0.0.
    The total is accumulated in float64 (torch uses the gradients' dtype: for
    float32 gradients the two agree to float32 rounding).
    """
    p = _order(norm_type)
    grads = [_with_backend(g) for g in ([grads] if isinstance(grads, Tensor) else grads)]
    if not grads:
        return 0.0
    norms = []
    for i, (g, backend) in enumerate(grads):
        if g.size == 0 and p < 0:
            raise ValueError(f"the norm of order norm_type {p} is undefined for an empty array, and parameter {i} "
                             "has an empty gradient: use norm_type >= 0")
        with backend.errstate():               # 0 ** -1 = inf and the like, as in torch, silently
            norms.append(_norm_of(backend.xp, g, p))
    total = _norm_of_norms(norms, p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm (order {p}) of the gradients is {total}: some gradient is nan or inf, "
                           "so the gradients cannot be clipped. Find where it comes from (a log of 0, a learning "
                           "rate too large), or pass error_if_nonfinite=False to scale by it anyway (the gradients "
                           "then become nan or 0)")
    return total


def _with_backend(grad: Any) -> tuple[Any, Backend]:
    """A gradient (an array or a Tensor) with the backend of its device."""
    if isinstance(grad, Tensor):
        return grad.data, grad._backend
    return grad, get_backend("cuda" if array_device(grad) == "cuda" else "cpu")


def clip_grads_with_norm_(parameters: Parameters, max_norm: float, total_norm: float) -> None:
    """Multiply every gradient by min(max_norm / (total_norm + 1e-6), 1), as torch.

    A nan total makes every gradient nan; an infinite one makes finite gradients 0.
    """
    params = _with_grads(parameters)
    ratio = float(max_norm) / (float(total_norm) + 1e-6)
    coef = ratio if ratio < 1.0 or ratio != ratio else 1.0   # min(ratio, 1), keeping a nan
    if not params or coef == 1.0:
        return                                        # g * 1 == g exactly: nothing to do
    for p in params:
        with p._backend.errstate():                   # inf * 0 = nan, as in torch
            p.grad = p.grad * coef


def clip_grad_norm_(parameters: Parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> float:
    """Scale all gradients together so that their joint norm is at most `max_norm`.

    total = || (||g_1||_p, ||g_2||_p, ...) ||_p   (p = norm_type: any number, inf or -inf; see get_total_norm);
    every g is multiplied by min(max_norm / (total + 1e-6), 1).
    The direction of the update is kept; only its length shrinks.
    `error_if_nonfinite=True` raises instead when total is nan or inf; `foreach`
    is accepted for compatibility with PyTorch and ignored.

    Returns:
        total, the norm *before* clipping (as a float): worth logging.
    """
    max_norm = float(max_norm)
    if max_norm < 0:
        raise ValueError(f"max_norm must be >= 0, got {max_norm} (a negative bound would flip the gradients)")
    params = _with_grads(parameters)
    total = get_total_norm([p.grad for p in params], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: Parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clip every gradient entry to [-clip_value, clip_value] (this can change the direction).

    nan entries stay nan, as in torch; `foreach` is accepted and ignored.
    """
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        p.grad = p._backend.xp.clip(p.grad, -clip_value, clip_value)
