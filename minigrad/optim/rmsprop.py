"""RMSprop: divide by a running root mean square of the gradients (`torch.optim.RMSprop`)."""
from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, Params, _check_nonnegative

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of recent gradients.

        g <- g + weight_decay * p
        v <- alpha * v + (1 - alpha) * g^2
        if centered:  m <- alpha * m + (1 - alpha) * g,   d = sqrt(v - m^2) + eps
        else:                                              d = sqrt(v) + eps
        if momentum > 0:  b <- momentum * b + g / d,   p <- p - lr * b
        else:                                           p <- p - lr * g / d
    (v, m and b start at 0.)

    State per parameter, as in torch: "step", "square_avg" (v), "grad_avg" (m, if
    centered) and "momentum_buffer" (b, if momentum > 0).
    """

    def __init__(self, params: Params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _validate(self, group: dict) -> None:
        _check_nonnegative(group, "lr", "eps", "momentum", "weight_decay", "alpha")

    def _update(self, xp: Any, param: Any, grad: Any, state: dict, group: dict) -> Any:
        if not state:
            state.update(step=0, square_avg=xp.zeros_like(param))
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(param)
        state["step"] += 1
        alpha = group["alpha"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * grad * grad
        if group["centered"]:
            state["grad_avg"] = alpha * state["grad_avg"] + (1 - alpha) * grad
            denom = xp.sqrt(state["square_avg"] - state["grad_avg"] * state["grad_avg"]) + group["eps"]
        else:
            denom = xp.sqrt(state["square_avg"]) + group["eps"]
        if group["momentum"] > 0:
            state["momentum_buffer"] = group["momentum"] * state["momentum_buffer"] + grad / denom
            return param - group["lr"] * state["momentum_buffer"]
        return param - group["lr"] * (grad / denom)
