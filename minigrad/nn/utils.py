"""Gradient clipping, as `torch.nn.utils`: tame exploding gradients before the optimizer step.

Both functions replace each `.grad` with a new array (never modify it in
place: a gradient array may be shared by several tensors).
"""
from __future__ import annotations

import math
from typing import Iterable

from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]


def _norm(xp, g, norm_type: float):
    """The p-norm of one gradient array, (sum |g_i|^p)^(1/p), or max |g_i| for p = inf."""
    if norm_type == math.inf:
        return float(xp.max(xp.abs(g))) if g.size else 0.0
    return float(xp.sum(xp.abs(g) ** norm_type)) ** (1.0 / norm_type)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    """Scale all gradients together so that their joint norm is at most `max_norm`.

    total = || (||g_1||, ||g_2||, ...) ||  (the p-norm of all gradients as one vector);
    if max_norm / (total + 1e-6) < 1, every g is multiplied by that factor.
    The direction of the update is kept; only its length shrinks.

    Returns:
        total, the norm *before* clipping (as a float): worth logging.
    """
    params = _grads(parameters)
    norm_type = float(norm_type)
    if not params:
        return 0.0
    norms = [_norm(p._backend.xp, p.grad, norm_type) for p in params]
    total = max(norms) if norm_type == math.inf else math.fsum(n ** norm_type for n in norms) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm of the gradients is {total}: some gradient is nan or inf")
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for p in params:
            p.grad = p.grad * coef
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient entry to [-clip_value, clip_value] (this can change the direction)."""
    clip_value = float(clip_value)
    for p in _grads(parameters):
        p.grad = p._backend.xp.clip(p.grad, -clip_value, clip_value)
