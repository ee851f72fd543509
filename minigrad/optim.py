"""Optimizers, as `torch.optim`: each `step()` moves every parameter using its gradient.

    opt = optim.Adam(model.parameters(), lr=1e-3)
    for xb, yb in loader:
        opt.zero_grad()                       # forget the last batch's gradients
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()                       # fill p.grad for every parameter p
        opt.step()                            # p <- p - (an update computed from p.grad)

The update rules and defaults are exactly those of `torch.optim` (written out
in each class's docstring, with g the gradient, t the step count from 1).

Parameter groups: `param_groups` is a list of dicts, each with "params" (a
list of Tensors) and its own hyperparameters, as in PyTorch:

    opt = optim.SGD([{"params": body.parameters()},
                     {"params": head.parameters(), "lr": 0.1}], lr=0.01, momentum=0.9)

Changing the learning rate between steps (a schedule): set
`group["lr"]` in each group, or `opt.lr = value`, which sets it in every group.

Parameters whose `.grad` is None (not used by the loss) are skipped. Updates
replace `p.data` with a new array and never touch `p.grad`, which may be shared.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable

from .tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]

Params = Iterable[Tensor] | Iterable[dict]


class Optimizer:
    """Base class: holds `param_groups` and per-parameter `state`; subclasses define `_update`."""

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = _as_list_of_params(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list: does the model have parameters "
                             "(Tensors with requires_grad=True)?")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (the defaults fill the rest)."""
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError("a parameter group must be a dict with a 'params' key")
        params = list(dict.fromkeys(_as_list_of_params(param_group["params"])))  # drop repeats, keep order
        for p in params:
            _check_parameter(p)
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group: dict[str, Any]) -> None:
        """Raise ValueError for hyperparameters out of range (each optimizer adds its own checks)."""
        _check_nonnegative(group, "lr", "weight_decay")

    @property
    def lr(self) -> float:
        """The learning rate of the groups (setting it sets every group's "lr")."""
        rates = {g["lr"] for g in self.param_groups}
        if len(rates) > 1:
            raise AttributeError("the parameter groups have different learning rates: read group['lr'] "
                                 "in optimizer.param_groups")
        return rates.pop()

    @lr.setter
    def lr(self, value: float) -> None:
        if value < 0:
            raise ValueError(f"Invalid learning rate: {value} (must be >= 0)")
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self) -> None:
        """Set every parameter's gradient to None (the next backward pass starts afresh)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns closure() if one is given."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = -p.grad if group.get("maximize", False) else p.grad
                state = self.state.setdefault(p, {})
                p.data = self._update(p._backend.xp, p.data, g, state, group)
        return loss

    def _update(self, xp: Any, param: Any, grad: Any, state: dict, group: dict) -> Any:
        """The new value of one parameter array, from its gradient and its state (updated here)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])


def _as_list_of_params(params: Any) -> list:
    if isinstance(params, Tensor):
        raise TypeError("params must be an iterable of Tensors (or of dicts), got a single Tensor: "
                        "wrap it in a list, [x]")
    if hasattr(params, "parameters") and hasattr(params, "forward"):
        raise TypeError("params must be the parameters, not the model: pass model.parameters()")
    if isinstance(params, dict):
        raise TypeError("params must be an iterable of Tensors or of dicts, got a dict: wrap it in a list")
    return list(params)


def _check_parameter(p: Any) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(f"optimizers update Tensors, got a {type(p).__name__}")
    if not p.is_leaf:
        raise ValueError("can't optimize a non-leaf Tensor (the result of an operation): make the "
                         "parameter a leaf, e.g. (mg.randn(3, 2) * 0.1).detach().requires_grad_()")


def _check_nonnegative(group: dict, *names: str) -> None:
    for name in names:
        if not group[name] >= 0:
            label = "learning rate" if name == "lr" else name
            raise ValueError(f"Invalid {label}: {group[name]} (must be >= 0)")


def _copy(xp: Any, array: Any) -> Any:
    """A fresh array equal to `array` (state must never alias a gradient)."""
    try:
        return xp.asarray(array, copy=True)
    except TypeError:  # an older CuPy without asarray(copy=)
        return array.copy()


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

        g <- g + weight_decay * p
        if momentum != 0:
            b <- g                                    at the first step
            b <- momentum * b + (1 - dampening) * g   afterwards
            g <- g + momentum * b   if nesterov   else   g <- b
        p <- p - lr * g
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
        return param - group["lr"] * grad


class Adagrad(Optimizer):
    """Adagrad: each coordinate's step shrinks with the sum of its squared gradients so far.

        g <- g + weight_decay * p
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s <- s + g^2                          (s starts at initial_accumulator_value)
        p <- p - lr_t * g / (sqrt(s) + eps)
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


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of recent gradients.

        g <- g + weight_decay * p
        v <- alpha * v + (1 - alpha) * g^2
        if centered:  m <- alpha * m + (1 - alpha) * g,   d = sqrt(v - m^2) + eps
        else:                                              d = sqrt(v) + eps
        if momentum > 0:  b <- momentum * b + g / d,   p <- p - lr * b
        else:                                           p <- p - lr * g / d
    (v, m and b start at 0.)
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
            state.update(step=0, square_avg=xp.zeros_like(param), grad_avg=xp.zeros_like(param),
                         momentum_buffer=xp.zeros_like(param))
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


class Adam(Optimizer):
    """Adam: momentum (m) plus a per-coordinate scale from the squared gradients (v), bias-corrected.

        g <- g + weight_decay * p                 (L2 penalty in the gradient; see AdamW)
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        if amsgrad:  v_max <- max(v_max, v),  and v_max replaces v below
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    (m, v and v_max start at 0; dividing by 1 - beta^t undoes their pull towards 0 early on.)
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
