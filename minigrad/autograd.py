"""The backward pass for tensors, custom operations, and the switch that turns graph recording off.

A tensor made by an operation remembers its inputs (`_prev`) and a function
`_backward(g)` that maps g = dL/d(out) to dL/d(input) for each input: one
vector-Jacobian product. Why a function and not numbers, as `Value` stores?
For a scalar, d(out)/d(input) is one number. For an op from an n-element
tensor to an m-element one it is an m x n Jacobian: a matmul of two 1000 x 1000
matrices would need 10^12 numbers. Backward never needs the Jacobian itself,
only g^T J, which each op computes from its inputs in the time of its forward.

`run_backward` visits the graph in reverse topological order, so a node's
gradient is complete, with every path that reaches it summed, before it is
passed on. It also does, once for every op, the two things no op's formula
should repeat: it sums a gradient back over the axes that broadcasting
stretched (`unbroadcast`), and casts it to its input's dtype.

Gradients, in both engines (`Tensor` and `Value`):
- leaves (tensors you made, e.g. parameters) *accumulate* `.grad` over
  backward calls, as in PyTorch: zero them between steps;
- intermediate nodes hold the gradient of the latest backward call only
  (PyTorch keeps none unless asked with `retain_grad()`); they are there to
  be looked at, as the course does.
Every `.grad` is its own writable array.

A custom operation is a `Function` subclass, as in PyTorch (see `Function`).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether new operations record a graph."""
    return _grad_enabled


class set_grad_enabled:
    """Context manager (or decorator) that turns graph recording on or off."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(self.mode):
                return fn(*args, **kwargs)
        return wrapper


class no_grad(set_grad_enabled):
    """Operations inside record no graph.

        with no_grad():
            for p in model.parameters():
                p -= lr * p.grad          # an update must not be differentiated
    """

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record a graph again inside a `no_grad` block."""

    def __init__(self) -> None:
        super().__init__(True)


def topological_order(root) -> list:
    """Every node that `root` depends on, each listed after all of its inputs.

    Iterative depth-first search (a stack of (node, iterator over its inputs)):
    no recursion limit, however deep the graph.
    """
    order, visited, stack = [], {root}, [(root, iter(root._prev))]
    while stack:
        node, inputs = stack[-1]
        for parent in inputs:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent._prev)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def unbroadcast(xp, g: Any, shape: tuple) -> Any:
    """Sum `g` over the axes that broadcasting added or stretched, so it has `shape` again.

    If y = x + b with x of shape (N, D) and b of shape (D,), b was used in every
    row, so dL/db = sum over the rows of dL/dy: the sum undoes the stretch.
    """
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    return xp.reshape(g, shape)


def run_backward(root, grad) -> None:
    """Backpropagate `grad` = dL/d(root) through the graph below `root` (see the module docstring)."""
    backend = root._backend
    pending = {root: grad}
    stored: set = set()  # ids of the arrays already held in some .grad during this pass
    with backend.errstate():
        for node in reversed(topological_order(root)):
            g = pending.pop(node, None)
            if node._backward is None:
                if g is not None:
                    node.grad = _own(backend, g, stored) if node.grad is None else node.grad + g
                    stored.add(id(node.grad))
                continue
            node.grad = g
            if g is None:
                continue
            stored.add(id(g))
            _check_versions(node)
            for parent, parent_grad in zip(node._prev, node._backward(g)):
                if parent_grad is None or not parent.requires_grad:
                    continue
                parent_grad = _fitted(backend.xp, parent_grad, parent.data)
                previous = pending.get(parent)
                pending[parent] = parent_grad if previous is None else previous + parent_grad


def input_gradients(node, g) -> list:
    """(position, input, dL/d(input)) for each input of `node` that needs a gradient.

    The op's backward gives g^T J in the shape of its output; here it is summed
    back to the input's shape and cast to the input's dtype.
    """
    xp = node._backend.xp
    return [(position, parent, _fitted(xp, parent_grad, parent.data))
            for position, (parent, parent_grad) in enumerate(zip(node._prev, node._backward(g)))
            if parent_grad is not None and parent.requires_grad]


def _fitted(xp, grad: Any, like: Any) -> Any:
    """An op's gradient for an input, summed back to the input's shape and cast to its dtype."""
    if grad.shape != like.shape:
        grad = unbroadcast(xp, grad, like.shape)
    if grad.dtype != like.dtype:
        grad = xp.astype(grad, like.dtype)
    return grad


def _own(backend, g: Any, stored: set) -> Any:
    """`g` itself when no other .grad holds it and it owns its memory; else a copy."""
    if id(g) in stored or not backend.owns_memory(g):
        return backend.xp.asarray(g, copy=True)
    return g


def _check_versions(node) -> None:
    """Refuse to differentiate through an input that was changed in place after the op read it."""
    for parent, version in zip(node._prev, node._versions):
        now = parent._version_counter()
        if now != version:
            raise RuntimeError(
                f"one of the tensors needed for gradient computation has been modified by an in-place "
                f"operation: an input of '{node._op}' of shape {parent.shape} is at version {now}, expected "
                f"version {version}. Compute with out-of-place operations (y = y + 1 instead of y += 1), "
                "or do the in-place change after backward().")


# --- custom operations ---------------------------------------------------------------


class Context:
    """What `forward` leaves for `backward`: `save_for_backward(*tensors)`, any attributes you set,
    and `needs_input_grad` (one bool per argument of `apply`)."""

    def __init__(self, needs_input_grad: tuple) -> None:
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple = ()

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (detached snapshots) for backward, where they are `ctx.saved_tensors`."""
        self.saved_tensors = tuple(t.detach() if hasattr(t, "detach") else t for t in tensors)


class Function:
    """A differentiable operation you define by its forward pass and its vector-Jacobian product.

        class Cube(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.detach() ** 3            # any Tensor computation; no graph is recorded here

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x ** 2          # dL/dx = dL/dy * dy/dx

        y = Cube.apply(x)

    `forward(ctx, *args)` gets the arguments of `apply` (Tensors and anything
    else) and returns one Tensor. `backward(ctx, grad)` gets dL/d(output) as a
    Tensor and returns one gradient per argument of forward: a Tensor (or an
    array) of that argument's shape, or of any shape it broadcasts to, or
    None for an argument that needs no gradient. As in PyTorch.
    """

    @staticmethod
    def forward(ctx: Context, *args: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any):
        from .tensor import Tensor

        tensors = tuple(a for a in args if isinstance(a, Tensor))
        if not tensors:
            raise TypeError(f"{cls.__name__}.apply needs at least one Tensor argument")
        ctx = Context(tuple(isinstance(a, Tensor) and a.requires_grad for a in args))
        with no_grad():
            out = cls.forward(ctx, *args)
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor, got {type(out).__name__}")
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]

        def backward(g):
            with no_grad():
                grads = cls.backward(ctx, Tensor._wrap(g, out._backend))
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) != len(args):
                raise RuntimeError(f"{cls.__name__}.backward returned {len(grads)} gradients, "
                                   f"expected {len(args)} (one per argument of forward, None where none)")
            return tuple(_as_array(grads[i], out._backend) for i in positions)
        return tensors[0]._result(out.data, tensors, backward, cls.__name__)


def _as_array(grad: Any, backend) -> Any:
    """A gradient returned by a Function's backward (Tensor, array or None) as an array."""
    if grad is None:
        return None
    return grad.data if hasattr(grad, "_backend") else backend.asarray(grad)
