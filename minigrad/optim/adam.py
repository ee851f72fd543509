"""Adam and AdamW: momentum plus a per-coordinate scale, bias-corrected (`torch.optim.Adam`, `AdamW`)."""
from __future__ import annotations

import math
from typing import Any

from .optimizer import Optimizer, Params, _check_nonnegative

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam: momentum (m) plus a per-coordinate scale from the squared gradients (v), bias-corrected.

        g <- g + weight_decay * p                 (L2 penalty in the gradient; see AdamW)
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        if amsgrad:  v_max <- max(v_max, v),  and v_max replaces v below
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    (m, v and v_max start at 0; dividing by 1 - beta^t undoes their pull towards 0 early on.)

    State per parameter: "step" (t), "exp_avg" (m), "exp_avg_sq" (v) and, with
    amsgrad, "max_exp_avg_sq" (v_max).
    """

    _decoupled = False

    def __init__(self, params: Params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _validate(self, group: dict) -> None:
        _check_nonnegative(group, "lr", "eps", "weight_decay")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta} (must be in [0, 1))")

    def _update(self, xp: Any, param: Any, grad: Any, state: dict, group: dict) -> Any:
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(param), exp_avg_sq=xp.zeros_like(param))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        state["step"] += 1
        t, lr, (beta1, beta2) = state["step"], group["lr"], group["betas"]
        if group["weight_decay"] != 0:
            if self._decoupled:
                param = param * (1 - lr * group["weight_decay"])
            else:
                grad = grad + group["weight_decay"] * param
        state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * grad
        state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * grad * grad
        v = state["exp_avg_sq"]
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = xp.maximum(state["max_exp_avg_sq"], v)
        step_size = lr / (1 - beta1 ** t)
        denom = xp.sqrt(v) / math.sqrt(1 - beta2 ** t) + group["eps"]
        return param - step_size * (state["exp_avg"] / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): the decay shrinks p directly
    instead of entering g, so it is not rescaled by Adam's per-coordinate step sizes.

        p <- p * (1 - lr * weight_decay)
        then Adam's update (m, v, bias corrections, amsgrad) with g unchanged.
    """

    _decoupled = True

    def __init__(self, params: Params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)
