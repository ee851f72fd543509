"""Checkers for notebook 02: gradients computed by hand on a computational graph.

Each exercise function takes plain numbers and returns a dict of gradients,
{"x": dL/dx, ...}. The checker compares it, key by key and at several points,
with what `minigrad.Value.backward()` gives on the same expression, and, when an
answer is off, looks for the usual slips (a missing local derivative, a path
forgotten at a reused node) to say what probably went wrong. The exercises ask
for the backward pass by hand, so a function that calls `Value`, `backward()`
or a finite difference is turned down, and the gradients must be exact.
"""
from __future__ import annotations

import math
from typing import Callable

from minigrad.value import Value
from .verdict import (Verdict, attempt, compare_exactly, hint_first_slip, label_of, method_allowed,
                      number_dict, passed)

__all__ = ["check_neuron_gradients", "check_reuse_gradients"]

_BY_HAND = ("for the backward pass by hand: plain floats and math, one chain-rule product per line, "
            "without Value (the checker uses autograd to check you, so it must not check autograd against itself).")
_SHORTCUTS = ("Value", "backward", "backward_pass", "topological_order", "central", "central_difference", "gradcheck")


def _check_gradients(fn: Callable, name: str, args: dict, expected: dict, slips: dict) -> bool:
    """Run fn(*args) and compare each gradient with `expected`; for a wrong one, name its slip if known.

    `slips[k]` lists (wrong value, hint) pairs for key k. False if fn could not run or is wrong here.
    """
    ok, got = attempt(fn, *args.values(), name=name)
    if not ok:
        return False
    where = ", ".join(f"{k} = {v:g}" for k, v in args.items())
    mine = number_dict(f"{name}({where})", got, tuple(expected))
    if mine is None:
        return False
    results = []
    for k in expected:
        good = compare_exactly(f"dL/d{k} at {where}", mine[k], expected[k], _BY_HAND)
        if not good:
            hint_first_slip(mine[k], slips[k], atol=1e-6, rtol=1e-4)
        results.append(good)
    return all(results)


# --- exercise 1: a neuron with a squared error ---------------------------------------------

_NEURON_POINTS = ((0.5, -1.2, 0.3, 1.0), (2.0, 0.7, -0.4, -0.5), (-1.5, 0.2, 0.9, 0.25))


def _neuron_reference(x: float, w: float, b: float, y: float) -> dict:
    xs = {"x": Value(x), "w": Value(w), "b": Value(b)}
    loss = ((xs["w"] * xs["x"] + xs["b"]).tanh() - y) ** 2
    loss.backward()
    return {k: v.grad for k, v in xs.items()}


def _neuron_slips(x: float, w: float, b: float, y: float, expected: dict) -> dict:
    """For each gradient, the usual slips: the right value times a forgotten (or extra) factor."""
    t = math.tanh(w * x + b)
    u = t - y
    factors = [(1.0 / (1.0 - t * t), "did you forget the local derivative of tanh, 1 - tanh(n)**2?"),
               (0.5, "the local derivative of u**2 is 2*u: is the factor 2 missing?"),
               (1.0 / (2.0 * u) if u else math.nan, "the local derivative of u**2 is 2*u, with u = tanh(n) - y"),
               (-1.0, "the sign is wrong: check the local derivative of u = t - y with respect to t (it is +1)")]
    return {k: [(expected[k] * factor, message) for factor, message in factors if expected[k]] for k in expected}


def check_neuron_gradients(neuron_gradients: Callable) -> Verdict:
    """Check neuron_gradients(x, w, b, y) -> {"x", "w", "b"} for L = (tanh(w*x + b) - y)**2."""
    name = label_of(neuron_gradients, "neuron_gradients")
    if not method_allowed(neuron_gradients, name, _SHORTCUTS, _BY_HAND):
        return Verdict(False)
    for x, w, b, y in _NEURON_POINTS:
        expected = _neuron_reference(x, w, b, y)
        slips = _neuron_slips(x, w, b, y, expected)
        if not _check_gradients(neuron_gradients, name, {"x": x, "w": w, "b": b, "y": y}, expected, slips):
            return Verdict(False)
    return passed("neuron_gradients: dL/dx, dL/dw and dL/db are right at 3 points.")


# --- exercise 2: a graph with reused nodes ---------------------------------------------------

_REUSE_POINTS = ((0.8, -0.6), (1.5, 0.4), (-0.7, 1.1))


def _reuse_reference(x: float, y: float) -> dict:
    xv, yv = Value(x), Value(y)
    loss = xv * (xv * yv).tanh() + yv
    loss.backward()
    return {"x": xv.grad, "y": yv.grad}


def _reuse_slips(x: float, y: float) -> dict:
    """For each input, the gradient of one of its two uses alone: the other path was forgotten (=, not +=)."""
    t = math.tanh(x * y)
    paths = {"x": [(t, "the direct path (x times t)"), (x * (1 - t * t) * y, "the path through m = x*y")],
             "y": [(1.0, "the path through the final + y"), (x * (1 - t * t) * x, "the path through m = x*y")]}
    return {k: [(amount, f"you have only {path}. {k} is used twice, so dL/d{k} is the SUM of the "
                         "contributions of both uses (+=, not =)") for amount, path in paths[k]] for k in paths}


def check_reuse_gradients(reuse_gradients: Callable) -> Verdict:
    """Check reuse_gradients(x, y) -> {"x", "y"} for L = x * tanh(x*y) + y (x and y each used twice)."""
    name = label_of(reuse_gradients, "reuse_gradients")
    if not method_allowed(reuse_gradients, name, _SHORTCUTS, _BY_HAND):
        return Verdict(False)
    for x, y in _REUSE_POINTS:
        if not _check_gradients(reuse_gradients, name, {"x": x, "y": y}, _reuse_reference(x, y), _reuse_slips(x, y)):
            return Verdict(False)
    return passed("reuse_gradients: both paths to x and both paths to y are added up, at 3 points.")
