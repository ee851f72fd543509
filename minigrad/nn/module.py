"""`Module`: the base class of every layer and model, as `torch.nn.Module`.

A module holds state (parameters and buffers, both Tensors) and computes
`forward(x)`; calling the module, `model(x)`, calls `forward`.

How a module finds its tensors (no registration needed for parameters):

- a **parameter** is a Tensor attribute that is a leaf with `requires_grad=True`
  (or was one when it was assigned, so a parameter frozen later with
  `requires_grad_(False)` is still listed and saved, as in PyTorch);
- a **buffer** is a Tensor registered with `register_buffer(name, tensor)`:
  state that is saved and moved with the model but not trained, such as the
  running statistics of `BatchNorm1d`;
- **submodules** are Module attributes;
- Tensors and Modules inside list, tuple and dict attributes are found too,
  named by their position or key: `self.layers = [Linear(2, 3)]` gives the
  parameter name `layers.0.weight`.

Each tensor is listed once, under the first name it is found at. Tensors that
are results of a computation (not leaves), e.g. an activation kept for a plot,
are not parameters.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Iterator, Mapping, NamedTuple

from ..backend import get_backend, host_array
from ..tensor import Tensor

__all__ = ["Module", "Sequential", "Residual", "Identity", "Lambda", "StateDictError"]


class StateDictError(RuntimeError):
    """`load_state_dict` got keys or shapes that do not fit the model."""


class IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list


class Module:
    """Base class of layers and models: subclass it, set parameters in `__init__`, define `forward`.

        class TwoLayer(nn.Module):
            def __init__(self):
                super().__init__()
                self.hidden = nn.Linear(2, 16)
                self.out = nn.Linear(16, 1)

            def forward(self, x):
                return self.out(self.hidden(x).relu())
    """

    training: bool = True  # a class default, so a subclass that forgets super().__init__() still works

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        """Remember the names assigned a trainable leaf Tensor (they stay parameters when frozen)."""
        if isinstance(value, Tensor) and value.requires_grad and value.is_leaf:
            self.__dict__.setdefault("_parameter_names", set()).add(name)
        elif not isinstance(value, Tensor):
            self.__dict__.get("_parameter_names", set()).discard(name)
        object.__setattr__(self, name, value)

    # --- computing -------------------------------------------------------------------

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # --- finding tensors and submodules ----------------------------------------------

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Keep `tensor` as state that is saved and moved with the model, but not trained."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"buffer {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        self.__dict__.setdefault("_buffer_names", set()).add(name)
        self.__dict__.get("_parameter_names", set()).discard(name)
        object.__setattr__(self, name, tensor)

    def _is_parameter(self, name: str, value: Tensor) -> bool:
        if name in self.__dict__.get("_buffer_names", ()):
            return False
        return (value.requires_grad and value.is_leaf) or name in self.__dict__.get("_parameter_names", ())

    def _own_items(self) -> Iterator[tuple[str, str, Any]]:
        """(name, kind, object) for this module's own attributes: kind is 'param', 'buffer' or 'module'."""
        buffers = self.__dict__.get("_buffer_names", ())
        for name, value in list(vars(self).items()):
            if isinstance(value, Tensor):
                if name in buffers:
                    yield name, "buffer", value
                elif self._is_parameter(name, value):
                    yield name, "param", value
            else:
                yield from _items_in(name, value)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules, with their names (`layers.0` for one in a list)."""
        seen = set()
        for name, kind, obj in self._own_items():
            if kind == "module" and id(obj) not in seen:
                seen.add(id(obj))
                yield name, obj

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "", _seen: set | None = None) -> Iterator[tuple[str, Module]]:
        """This module ('') and every submodule below it, each once, with dotted names."""
        _seen = set() if _seen is None else _seen
        if id(self) in _seen:
            return
        _seen.add(id(self))
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name, _seen)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def _named_tensors(self, *kinds: str) -> Iterator[tuple[str, Tensor]]:
        """Tensors of the given kinds, module by module (parameters before buffers), each once."""
        seen = set()
        for prefix, module in self.named_modules():
            items = list(module._own_items())
            for kind in kinds:
                for name, k, obj in items:
                    if k == kind and obj is not None and id(obj) not in seen:
                        seen.add(id(obj))
                        yield (f"{prefix}.{name}" if prefix else name), obj

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, parameter) for every parameter of this module and its submodules, each once."""
        return self._named_tensors("param")

    def parameters(self) -> list[Tensor]:
        """Every parameter, each once: what an optimizer updates."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) for every buffer of this module and its submodules."""
        return self._named_tensors("buffer")

    def buffers(self) -> list[Tensor]:
        return [b for _, b in self.named_buffers()]

    # --- modes, gradients, devices ---------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode (True) or evaluation mode (False) here and in every submodule.

        Dropout and BatchNorm1d behave differently in the two modes.
        """
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: `train(False)`."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (`.grad = None`) before the next backward pass."""
        for p in self.parameters():
            p.grad = None

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call `fn(module)` on every submodule and then on this one (e.g. to initialise weights)."""
        for module in reversed(list(self.modules())):
            fn(module)
        return self

    def to(self, device: str | None = None, dtype: Any = None) -> Module:
        """Move every parameter and buffer (and gradient) to `device` and/or cast the
        floating ones to `dtype`, in place; returns self.

        The tensors stay the same objects (requires_grad kept), so do this before
        making the optimizer or after: either way it updates the same tensors,
        though an optimizer's running averages stay on the old device and dtype.
        """
        for t in self.parameters() + self.buffers():
            if device is not None:
                _move_(t, get_backend(device))
            if dtype is not None and t._backend.is_floating(t.dtype):
                _cast_(t, dtype)
        return self

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64 (as `torch.nn.Module.double`)."""
        return self.to(dtype="float64")

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32."""
        return self.to(dtype="float32")

    # --- saving and loading ------------------------------------------------------------------

    def state_dict(self) -> OrderedDict[str, Tensor]:
        """name -> Tensor for every parameter and buffer: copies, detached from the model.

        Unlike PyTorch (whose state_dict shares memory with the model), these are
        snapshots, so `best = model.state_dict()` keeps the weights of that moment.
        """
        state = OrderedDict()
        for name, t in self._named_tensors("param", "buffer"):
            state[name] = Tensor._wrap(t._backend.xp.asarray(t.data, copy=True), t._backend)
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (Tensors or NumPy arrays) into the parameters and buffers of the same names.

        Values are cast to each tensor's dtype and device; the tensors stay the
        same objects. With `strict`, keys missing from `state_dict` or unknown to
        the model are an error; a shape that does not fit always is. One error
        names every problem. Returns (missing_keys, unexpected_keys).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict takes a dict of name -> Tensor (as model.state_dict() or mg.load() "
                            f"return), got {type(state_dict).__name__}")
        own = OrderedDict(self._named_tensors("param", "buffer"))
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        values = {k: _host_copy(v) for k, v in state_dict.items() if k in own}
        bad_shapes = [f"{k}: model {own[k].shape}, given {tuple(v.shape)}"
                      for k, v in values.items() if tuple(v.shape) != own[k].shape]
        _raise_if_problems(type(self).__name__, missing if strict else [], unexpected if strict else [], bad_shapes)
        for k, v in values.items():
            t = own[k]
            t.data = t._backend.asarray(v, dtype=t.dtype)
        return IncompatibleKeys(missing, unexpected)

    # --- printing -------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The arguments shown inside the parentheses of this module's repr."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [self.extra_repr()] if self.extra_repr() else []
        lines += [f"({name}): {child!r}" for name, child in children]
        body = "\n".join("  " + line.replace("\n", "\n  ") for line in lines)
        return f"{type(self).__name__}(\n{body}\n)"


def _items_in(name: str, value: Any) -> Iterator[tuple[str, str, Any]]:
    """Modules and trainable leaf Tensors held directly or inside lists, tuples and dicts."""
    if isinstance(value, Module):
        yield name, "module", value
    elif isinstance(value, Tensor):
        if value.requires_grad and value.is_leaf:
            yield name, "param", value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _items_in(f"{name}.{i}", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _items_in(f"{name}.{key}", item)


def _move_(t: Tensor, target) -> None:
    """Move a tensor's data and gradient to another backend, keeping the same Tensor object."""
    if t._backend is target:
        return
    t.data = target.asarray(t.numpy())
    if t.grad is not None:
        t.grad = target.asarray(t._backend.to_numpy(t.grad))
    t._backend = target


def _cast_(t: Tensor, dtype: Any) -> None:
    """Cast a tensor's data and gradient to `dtype`, keeping the same Tensor object."""
    xp, target = t._backend.xp, t._backend.dtype(dtype)
    t.data = xp.astype(t.data, target)
    if t.grad is not None:
        t.grad = xp.astype(t.grad, target)


def _host_copy(value: Any) -> Any:
    """A Tensor, an array of any device, or a torch.Tensor as a new NumPy array."""
    if isinstance(value, Tensor):
        return value.numpy()
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor
        return value.detach().cpu().numpy()
    return host_array(value).copy()  # never alias the caller's array


def _raise_if_problems(owner: str, missing: list, unexpected: list, bad_shapes: list) -> None:
    problems = []
    if missing:
        problems.append("missing keys (in the model, not in the state dict): " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected keys (in the state dict, not in the model): " + ", ".join(unexpected))
    if bad_shapes:
        problems.append("shape mismatch: " + "; ".join(bad_shapes))
    if problems:
        raise StateDictError(f"error loading state_dict into {owner}:\n  " + "\n  ".join(problems))


# --- containers ---------------------------------------------------------------------


class Sequential(Module):
    """Modules applied one after the other: Sequential(f, g, h)(x) = h(g(f(x))).

    The modules are named "0", "1", ... as in PyTorch, so parameter names
    (`0.weight`, `2.bias`) match those of the same `torch.nn.Sequential`.
    """

    def __init__(self, *modules: Module | Callable) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        for module in modules:
            self.append(module)

    def append(self, module: Module | Callable) -> Sequential:
        """Add a module (or a plain function, wrapped in `Lambda`) at the end."""
        if not isinstance(module, Module):
            if not callable(module):
                raise TypeError(f"Sequential takes Modules or functions, got {type(module).__name__}")
            module = Lambda(module)
        setattr(self, str(len(self)), module)
        return self

    def __len__(self) -> int:
        return sum(1 for name in vars(self) if name.isdigit())

    def __getitem__(self, index: int | slice) -> Module | Sequential:
        layers = list(self)
        if isinstance(index, slice):
            return Sequential(*layers[index])
        return layers[index]

    def __iter__(self) -> Iterator[Module]:
        return iter([getattr(self, str(i)) for i in range(len(self))])

    def forward(self, x: Any) -> Any:
        for module in self:
            x = module(x)
        return x


class Residual(Module):
    """A skip connection around `module`: Residual(f)(x) = x + f(x).

    The gradient reaches x by two paths, dL/dx = g + (df/dx)^T g, so even when
    f's Jacobian is tiny, g flows back unchanged: deep stacks keep learning.
    """

    def __init__(self, module: Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, x: Tensor) -> Tensor:
        return x + self.module(x)


class Identity(Module):
    """Returns its input unchanged."""

    def forward(self, x: Any) -> Any:
        return x


class Lambda(Module):
    """A plain function as a module (no parameters), e.g. Lambda(lambda x: x.reshape(-1, 64))."""

    def __init__(self, fn: Callable) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args: Any) -> Any:
        return self.fn(*args)

    def extra_repr(self) -> str:
        return getattr(self.fn, "__name__", repr(self.fn))
