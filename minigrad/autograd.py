"""The backward pass for tensors, and the switch that turns graph recording off.

A tensor made by an operation remembers its inputs (`_prev`) and a function
`_backward(g)` that maps the gradient of the loss with respect to its output,
g = dL/d(out), to the gradients with respect to each input (the chain rule,
one operation at a time). `run_backward` visits the graph in reverse
topological order, so a node's gradient is complete, with every path that
reaches it summed, before it is passed on to its inputs.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether new operations record a graph."""
    return _grad_enabled


class no_grad:
    """Context manager (or decorator): operations inside record no graph.

        with no_grad():
            p.data -= lr * p.grad      # an update must not be differentiated
    """

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = False

    def __exit__(self, *exc: Any) -> None:
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return fn(*args, **kwargs)
        return wrapper


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


def run_backward(root, grad) -> None:
    """Backpropagate `grad` = dL/d(root) through the graph below `root`.

    Gradients are summed per node in a local table while they flow, then added
    to `.grad` of each node (`.grad` accumulates across calls, as in PyTorch).
    """
    pending = {id(root): grad}
    for node in reversed(topological_order(root)):
        g = pending.pop(id(node), None)
        if g is None:
            continue
        node.grad = g if node.grad is None else node.grad + g
        if node._backward is None:
            continue
        for parent, parent_grad in zip(node._prev, node._backward(g)):
            if parent_grad is None or not parent.requires_grad:
                continue
            key = id(parent)
            pending[key] = parent_grad if key not in pending else pending[key] + parent_grad
