"""Adagrad: per-coordinate steps that shrink with the gradients seen so far (`torch.optim.Adagrad`)."""
from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, Params, _check_nonnegative

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: each coordinate's step shrinks with the sum of its squared gradients so far.

        g <- g + weight_decay * p
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s <- s + g^2                          (s starts at initial_accumulator_value)
        p <- p - lr_t * g / (sqrt(s) + eps)

    State per parameter: "step" (t) and "sum" (s).
    """

    def __init__(self, params: Params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))

    def _validate(self, group: dict) -> None:
        _check_nonnegative(group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def _update(self, xp: Any, param: Any, grad: Any, state: dict, group: dict) -> Any:
        if not state:
            state["step"] = 0
            state["sum"] = xp.full(param.shape, group["initial_accumulator_value"], dtype=param.dtype)
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] = state["sum"] + grad * grad
        return param - lr_t * (grad / (xp.sqrt(state["sum"]) + group["eps"]))
