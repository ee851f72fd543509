"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay (`torch.optim.SGD`)."""
from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, Params, _check_nonnegative, _copy

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

        g <- g + weight_decay * p
        if momentum != 0:
            b <- g                                    at the first step
            b <- momentum * b + (1 - dampening) * g   afterwards
            g <- g + momentum * b   if nesterov   else   g <- b
        p <- p - lr * g

    State per parameter (with momentum only): "momentum_buffer" (b).
    """

    def __init__(self, params: Params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))

    def _validate(self, group: dict) -> None:
        _check_nonnegative(group, "lr", "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, xp: Any, param: Any, grad: Any, state: dict, group: dict) -> Any:
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        momentum = group["momentum"]
        if momentum != 0:
            if "momentum_buffer" not in state:
                buf = _copy(xp, grad)
            else:
                buf = momentum * state["momentum_buffer"] + (1 - group["dampening"]) * grad
            state["momentum_buffer"] = buf
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad  # in place, as torch: views of the parameter see the update
        return param
