"""The base class of every optimizer: parameter groups, per-parameter state, `step()`, `state_dict()`.

A subclass defines `_update`, the new value of one parameter from its gradient
and its state; `Optimizer.step` calls it for every parameter that has a gradient.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Iterable

from ..backend import array_device, host_array
from ..dtypes import is_floating
from ..tensor import Tensor

__all__ = ["Optimizer"]

Params = Iterable[Tensor] | Iterable[dict]


class Optimizer:
    """Base class: holds `param_groups` and per-parameter `state`; subclasses define `_update`."""

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        self._step_calls = 0          # read by the learning-rate schedulers, to warn about the order of steps
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
        params = _as_list_of_params(param_group["params"])
        for k, p in enumerate(params):
            _check_parameter(p, f"parameter {k}" + (f" of group {len(self.param_groups)}" if self.param_groups else ""))
        params = list({id(p): p for p in params}.values())  # drop repeats, keep order
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
        self._step_calls += 1
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = -p.grad if group.get("maximize", False) else p.grad
                state = self.state.setdefault(p, {})
                new = self._update(p._backend.xp, p.data, g, state, group)
                if new is not p.data:
                    p.data = new if new.dtype == p.data.dtype else p._backend.xp.astype(new, p.data.dtype)
                p._root()._version += 1  # as torch: a graph that used the old value refuses to backpropagate
        return loss

    def _update(self, xp: Any, param: Any, grad: Any, state: dict, group: dict) -> Any:
        """The new value of one parameter array, from its gradient and its state (updated here)."""
        raise NotImplementedError

    # --- saving and restoring -------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state, laid out as in `torch.optim`:

            {"state": {index: {"exp_avg": Tensor, "step": 3, ...}, ...},
             "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), ..., "params": [0, 1]}, ...]}

        Parameters are numbered 0, 1, 2, ... in the order of the groups; a
        parameter that never had a gradient has no entry in "state". Arrays are
        copies, as Tensors on the parameter's device; step counts are ints. Later
        steps leave the returned dict alone.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            saved = {key: value for key, value in group.items() if key != "params"}
            saved["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(saved)
        state = {index[id(p)]: {key: _export(value, p) for key, value in entries.items()}
                 for p, entries in self.state.items() if entries and id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a state saved by `state_dict()` (this optimizer's, a copy of its model's, or torch's).

        The groups must match this optimizer's in number and in size: parameter
        i of the saved dict becomes the i-th parameter here. The saved
        hyperparameters (lr, betas, ...) replace the current ones. Arrays (Tensors,
        NumPy arrays) are copied, checked against their parameter's shape, cast to
        its dtype when floating, and moved to its device. On any error, the
        optimizer is left unchanged.
        """
        saved_groups = self._check_saved_groups(state_dict)
        params: dict[Any, Tensor] = {}
        groups = []
        for ours, saved in zip(self.param_groups, saved_groups):
            group = {key: value for key, value in saved.items() if key != "params"}
            group["params"] = ours["params"]
            self._validate(group)
            groups.append(group)
            params.update(zip(saved["params"], ours["params"]))
        state = {}
        for index, entries in state_dict["state"].items():
            if index not in params:
                raise ValueError(f"load_state_dict: the state dict has a state for parameter {index}, but the "
                                 f"parameter groups list only 0 to {len(params) - 1}")
            p = params[index]
            state[p] = {key: _import(key, value, p, index) for key, value in entries.items()}
        self.param_groups = groups
        self.state = state

    def _check_saved_groups(self, state_dict: Any) -> list[dict]:
        """The saved param_groups, after checking that they fit this optimizer's (clear errors otherwise)."""
        if not isinstance(state_dict, Mapping):
            raise TypeError("load_state_dict expects the dict that optimizer.state_dict() returns "
                            f"({{'state': ..., 'param_groups': ...}}), got {type(state_dict).__name__}")
        for key in ("state", "param_groups"):
            if key not in state_dict:
                hint = (" (is this a model's state_dict? load it with model.load_state_dict)"
                        if "param_groups" not in state_dict and "state" not in state_dict else "")
                raise ValueError(f"load_state_dict: the state dict has no {key!r}: expected the dict that "
                                 f"optimizer.state_dict() returns{hint}")
        if not isinstance(state_dict["state"], Mapping):
            raise TypeError(f"load_state_dict: state_dict['state'] must be a dict (parameter index -> its state), "
                            f"got {type(state_dict['state']).__name__}")
        saved = list(state_dict["param_groups"])
        if not all(isinstance(group, Mapping) and "params" in group for group in saved):
            raise ValueError("load_state_dict: every parameter group of the state dict must be a dict with a "
                             "'params' list (parameter indices)")
        if len(saved) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the state dict has {len(saved)} parameter groups, this optimizer "
                             f"has {len(self.param_groups)}")
        for g, (ours, group) in enumerate(zip(self.param_groups, saved)):
            if len(group["params"]) != len(ours["params"]):
                raise ValueError(f"load_state_dict: parameter group {g} of the state dict has "
                                 f"{len(group['params'])} parameters, this optimizer's has {len(ours['params'])}")
            missing = [key for key in self.defaults if key not in group]
            if missing:
                raise ValueError(f"load_state_dict: parameter group {g} of the state dict has no "
                                 f"{', '.join(map(repr, missing))}: was it saved from another optimizer? "
                                 f"(this one is {type(self).__name__})")
        return saved

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])


def _is_number(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float))


def _export(value: Any, p: Tensor) -> Any:
    """A state entry as saved: numbers as they are, arrays as Tensor copies on p's device."""
    if _is_number(value):
        return value
    return Tensor._wrap(p._backend.xp.asarray(value, copy=True), p._backend)


def _import(key: str, value: Any, p: Tensor, index: Any) -> Any:
    """A saved state entry as this optimizer keeps it: an int step, or a fresh array like p's."""
    where = f"state {key!r} of parameter {index}"
    if key == "step":
        return int(float(value.item() if isinstance(value, Tensor) else host_array(value)))
    if _is_number(value):
        return value
    if isinstance(value, Tensor):
        array = value.numpy()
    elif hasattr(value, "__array__") or hasattr(value, "__dlpack__"):
        array = host_array(value)
    else:
        raise TypeError(f"load_state_dict: {where} is a {type(value).__name__}: expected a Tensor or a NumPy array")
    if tuple(array.shape) != p.shape:
        raise ValueError(f"load_state_dict: {where} has shape {tuple(array.shape)}, but the parameter has shape "
                         f"{p.shape}: the state dict belongs to another model or optimizer")
    floating = is_floating(array.dtype.name)
    return p._backend.asarray(array, dtype=p.dtype_name if floating else array.dtype.name, copy=True)


def _as_list_of_params(params: Any) -> list:
    if isinstance(params, Tensor):
        raise TypeError("params must be an iterable of Tensors (or of dicts), got a single Tensor: "
                        "wrap it in a list, [x]")
    if hasattr(params, "parameters") and hasattr(params, "forward"):
        raise TypeError("params must be the parameters, not the model: pass model.parameters()")
    if isinstance(params, dict):
        raise TypeError("params must be an iterable of Tensors or of dicts, got a dict: wrap it in a list")
    if callable(params) and getattr(params, "__name__", "") == "parameters":
        raise TypeError("params must be the parameters, got the method model.parameters itself: call it, "
                        "model.parameters()")
    try:
        return list(params)
    except TypeError:
        raise TypeError(f"params must be an iterable of Tensors or of dicts, got {type(params).__name__}") from None


def _check_parameter(p: Any, where: str) -> None:
    if array_device(p) is not None:
        raise TypeError(f"{where} is a NumPy array: optimizers update Tensors. Wrap it in a Tensor that requires "
                        "grad, Tensor(array, requires_grad=True), and compute the loss from that Tensor")
    if not isinstance(p, Tensor):
        raise TypeError(f"{where} is a {type(p).__name__}: optimizers update Tensors created with "
                        "requires_grad=True, such as model.parameters()")
    if not p.requires_grad:
        raise ValueError(f"{where} does not require grad, so it never gets a gradient and the optimizer could "
                         "never move it: create it with requires_grad=True (e.g. Tensor(data, requires_grad=True)), "
                         "or, if it is frozen on purpose, leave it out: [p for p in params if p.requires_grad]. "
                         "(PyTorch accepts it and silently never updates it.)")
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
    return xp.asarray(array, copy=True)
