"""Checkers for notebook 03: a scalar autograd engine.

The op checkers take the learner's function *and* the notebook's own `Value`
class (the one the notebook builds step by step), make inputs of that class,
run the op forward, call `backward()` on the result and compare each input's
gradient with the true derivative, naming the derivative that is wrong.
The topological-order checker builds its graphs with `minigrad.Value`, which
has the same `_prev` attribute as the notebook's class; the exercise asks for
Kahn's algorithm, so a function that calls a ready-made order is turned down.
"""
from __future__ import annotations

import math
from typing import Callable

from minigrad.value import Value as _MgValue
from minigrad.value import topological_order as _reference_order
from .verdict import Verdict, attempt, compare, failed, hint_first_slip, label_of, method_allowed, passed

__all__ = ["check_sigmoid_op", "check_truediv_op", "check_topological_order"]


def _inputs_of(out) -> tuple:
    return tuple(getattr(out, "_prev", ()))


def _is_single_node(out, inputs: tuple) -> bool:
    """Is `out` one node whose inputs are exactly `inputs` (by identity, in this order)?"""
    prev = _inputs_of(out)
    return len(prev) == len(inputs) and all(p is x for p, x in zip(prev, inputs))


def _run_backward(out, what: str) -> Verdict:
    if not hasattr(out, "backward"):
        return failed(f"{what} returned a {type(out).__name__}, expected a Value (with .backward())")
    try:
        out.backward()
    except Exception as exc:  # the notebook's backward met something it cannot handle
        return failed(f"backward() through {what} raised {type(exc).__name__}: {exc} "
                      "(the local derivatives must be a tuple with one number per input; "
                      "for one input, write (d,) with the comma)")
    return Verdict(True)


def _sigmoid_slips(x0: float, s: float) -> list[tuple[float, str]]:
    """The usual wrong local derivatives of the sigmoid, s = sigmoid(x0)."""
    return [(s, "the local derivative is s(1 - s): the factor (1 - s) is missing."),
            (1.0 - s, "the local derivative is s(1 - s): the factor s is missing."),
            (x0 * (1.0 - x0), "s(1 - s) uses the node's OUTPUT s = sigmoid(x), not its input x."),
            (-s * (1.0 - s), "the sign: d sigmoid(x)/dx = s(1 - s) is positive.")]


def check_sigmoid_op(sigmoid: Callable, value_class: type) -> Verdict:
    """Check `sigmoid(x)`: one new node holding 1/(1+e^-x), input (x,), local derivative s(1-s)."""
    for x0 in (-3.0, -0.5, 0.0, 1.2, 4.0):
        x = value_class(x0)
        ok, out = attempt(sigmoid, x)
        if not ok:
            return Verdict(False)
        s = 1.0 / (1.0 + math.exp(-x0))
        if not hasattr(out, "data"):
            return failed(f"sigmoid(Value({x0:g})) returned {type(out).__name__}, expected a Value")
        if not compare(f"sigmoid(x).data at x = {x0:g}", out.data, s):
            return Verdict(False)
        if not _is_single_node(out, (x,)):
            return failed(f"sigmoid(x) at x = {x0:g} should be ONE new node whose only input is x "
                          f"(its _prev is (x,)); yours has {len(_inputs_of(out))} input(s) that are not (x,). "
                          "Build it with Value(s, (self,), (local_derivative,), 'sigmoid').")
        if not _run_backward(out, "sigmoid"):
            return Verdict(False)
        if not compare(f"d sigmoid(x)/dx at x = {x0:g} (your local derivative)", x.grad, s * (1.0 - s)):
            hint_first_slip(x.grad, _sigmoid_slips(x0, s))
            return Verdict(False)        # one point is enough to show what is wrong
    return passed("sigmoid: forward value and local derivative s(1 - s) are right at 5 points.")


def _truediv_slips(a0: float, b0: float) -> list[tuple[tuple[float, float], str]]:
    """The usual wrong pairs of local derivatives (d/da, d/db) of a / b."""
    da, db = 1.0 / b0, -a0 / b0 ** 2
    return [((da, -db), "d(a/b)/db = -a/b^2: the minus sign is missing."),
            ((b0, db), "d(a/b)/da = 1/b: a / b is a times 1/b."),
            ((da, -1.0 / b0 ** 2), "d(a/b)/db = -a/b^2: the factor a is missing."),
            ((da, -a0 / b0), "d(a/b)/db = -a/b^2, with b squared (the derivative of 1/b is -1/b^2)."),
            ((db, da), "the two local derivatives are swapped: (1/b for a, -a/b^2 for b), in the order of the inputs.")]


def check_truediv_op(truediv: Callable, value_class: type) -> Verdict:
    """Check `truediv(a, b)`: one node holding a/b with local derivatives 1/b and -a/b^2."""
    for a0, b0 in ((3.0, 4.0), (-2.0, 0.5), (1.5, -2.5)):
        a, b = value_class(a0), value_class(b0)
        ok, out = attempt(truediv, a, b)
        if not ok:
            return Verdict(False)
        where = f"at a = {a0:g}, b = {b0:g}"
        if not hasattr(out, "data"):
            return failed(f"truediv(a, b) returned {type(out).__name__}, expected a Value")
        if not compare(f"(a / b).data {where}", out.data, a0 / b0):
            return Verdict(False)
        if not _is_single_node(out, (a, b)):
            return failed(f"a / b {where} should be ONE new node whose inputs are (a, b) in that order; "
                          "yours is not (did you build it from other ops, such as a * b**-1?). "
                          "Build it with Value(a.data / b.data, (self, other), (d_da, d_db), '/').")
        if not _run_backward(out, "truediv"):
            return Verdict(False)
        if not (compare(f"d(a/b)/da {where}", a.grad, 1.0 / b0) and compare(f"d(a/b)/db {where}", b.grad, -a0 / b0 ** 2)):
            hint_first_slip((a.grad, b.grad), _truediv_slips(a0, b0))
            return Verdict(False)        # one point is enough to show which derivative is wrong
    a = value_class(3.0)
    ok, out = attempt(truediv, a, 2.0)
    if not ok:
        print("   (truediv(a, 2.0) must also accept a plain number: wrap `other` with as_value first)")
        return Verdict(False)
    if not hasattr(out, "data"):
        return failed(f"truediv(a, 2.0) returned {type(out).__name__}, expected a Value")
    if not compare("truediv(a, 2.0).data with a plain number 2.0 (a = 3)", out.data, 1.5):
        return Verdict(False)
    return passed("truediv: a / b and both local derivatives, 1/b and -a/b^2, are right.")


# --- topological order -------------------------------------------------------------


def _name(node) -> str:
    label = getattr(node, "label", "")
    return f"'{label}'" if label else f"a '{node._op}' node" if getattr(node, "_op", "") else "a leaf"


def _graphs() -> list[tuple[str, _MgValue]]:
    def v(x, label):
        return _MgValue(x, label=label)

    leaf = v(2.0, "x")

    a, b, c, f = v(2.0, "a"), v(-3.0, "b"), v(10.0, "c"), v(-2.0, "f")
    e = a * b; e.label = "e"
    d = e + c; d.label = "d"
    L = d * f; L.label = "L"

    x = v(3.0, "x")
    s = x + x; s.label = "s"
    sq = s * s; sq.label = "q"

    p, q, r = v(1.0, "p"), v(2.0, "q"), v(3.0, "r")
    t = p + q; t.label = "t"
    u = t * r; u.label = "u"
    w = t * u; w.label = "w"            # t is used at two depths: a breadth-first order gets it wrong

    k = v(0.5, "k")
    chain = k
    for i in range(20_000):              # deeper than Python's recursion limit
        chain = chain * 1.0001 if i % 2 else chain + 0.001
    chain.label = "end"
    return [("a single leaf x", leaf), ("L = (a*b + c) * f", L), ("q = (x + x) * (x + x)", sq),
            ("w = (p + q) * ((p + q) * r)", w), ("a chain of 20,000 operations", chain)]


_KAHN = ("for Kahn's algorithm, written out: find every node, count how many times each one is used as an "
         "input (pending), start from the root, and a node is ready when its count drops to 0.")
_READY_MADE_ORDERS = ("topological_order", "topological_order_iterative", "topological_order_recursive")


def check_topological_order(topological_order: Callable) -> Verdict:
    """Check that `topological_order(root)` lists every node once, each after all of its inputs,
    and does not call a ready-made order (the library's, or the notebook's depth-first ones)."""
    label = label_of(topological_order, "topological_order")
    if not method_allowed(topological_order, label, _READY_MADE_ORDERS, _KAHN):
        return Verdict(False)
    for title, root in _graphs():
        ok, order = attempt(topological_order, root)
        if not ok:
            if title.startswith("a chain"):
                print("   (on a chain of 20,000 operations: a recursive search goes too deep; use a loop and a list)")
            return Verdict(False)
        try:
            order = list(order)
        except TypeError:
            return failed(f"on {title}: expected a list of nodes, got {type(order).__name__}")
        expected = _reference_order(root)
        wanted = {id(n) for n in expected}
        position: dict[int, int] = {}
        for i, node in enumerate(order):
            if id(node) not in wanted:
                return failed(f"on {title}: your list holds {type(node).__name__} at position {i}, "
                              "which is not a node of the graph")
            if id(node) in position:
                return failed(f"on {title}: {_name(node)} appears twice (at positions {position[id(node)]} and {i}); "
                              "remember which nodes you have already visited")
            position[id(node)] = i
        if len(order) != len(expected):
            missing = next(n for n in expected if id(n) not in position)
            return failed(f"on {title}: you listed {len(order)} nodes, the graph has {len(expected)}; "
                          f"{_name(missing)} is missing")
        for node in order:
            for child in node._prev:
                if position[id(child)] > position[id(node)]:
                    return failed(f"on {title}: {_name(node)} (position {position[id(node)]}) comes before its "
                                  f"input {_name(child)} (position {position[id(child)]}); "
                                  "every node must come after all of its inputs")
    return passed("topological_order: every node exactly once, each after its inputs, "
                  "on 5 graphs (a reused node and a 20,000-deep chain included).")
