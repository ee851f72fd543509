"""Checkers for notebook 02: gradients computed by hand on a computational graph.

Each exercise function takes plain numbers and returns a dict of gradients,
{"x": dL/dx, ...}. The checker compares it, key by key and at several points,
with what `minigrad.Value.backward()` gives on the same expression, and, when an
answer is off, looks for the usual slips (a missing local derivative, a path
forgotten at a reused node) to say what probably went wrong.
"""
from __future__ import annotations

import functools
import math
from typing import Callable

from minigrad.value import Value
from .verdict import Verdict, attempt, check_all, compare, failed

__all__ = ["check_neuron_gradients", "check_reuse_gradients"]


def _verdict(checker):
    """Make every answer of `checker` a Verdict: True/False, which a notebook does not display."""
    @functools.wraps(checker)
    def wrapper(*args, **kwargs):
        return Verdict(bool(checker(*args, **kwargs)))
    return wrapper


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def _as_float(x):
    return float(x.data) if isinstance(x, Value) else float(x)


def _check_dict(fn: Callable, name: str, args: dict, keys: tuple[str, ...], expected: dict, hints) -> bool | None:
    """Run fn(**args) and compare each key; None if it could not run (already reported)."""
    ok, got = attempt(fn, *args.values(), name=name)
    if not ok:
        return None
    where = ", ".join(f"{k} = {v:g}" for k, v in args.items())
    if not isinstance(got, dict):
        return failed(f"{name}({where}) returned {type(got).__name__}; expected a dict like "
                      + "{" + ", ".join(f"'{k}': ..." for k in keys) + "}")
    missing = [k for k in keys if k not in got]
    if missing:
        return failed(f"{name}({where}): your dict has no key {missing[0]!r} (it needs {', '.join(map(repr, keys))})")
    results = []
    for k in keys:
        try:
            value = _as_float(got[k])
        except (TypeError, ValueError):
            results.append(failed(f"{name}: the value for {k!r} should be a number, got {type(got[k]).__name__}"))
            continue
        good = compare(f"dL/d{k} at {where}", value, expected[k])
        if not good:
            hint = hints(k, value)
            if hint:
                print(f"   hint: {hint}")
        results.append(good)
    return all(results)


# --- exercise 1: a neuron with a squared error ---------------------------------------------

def _neuron_reference(x: float, w: float, b: float, y: float) -> dict:
    xs = {"x": Value(x), "w": Value(w), "b": Value(b)}
    loss = ((xs["w"] * xs["x"] + xs["b"]).tanh() - y) ** 2
    loss.backward()
    return {k: v.grad for k, v in xs.items()}


@_verdict
def check_neuron_gradients(neuron_gradients: Callable) -> bool:
    """Check neuron_gradients(x, w, b, y) -> {"x", "w", "b"} for L = (tanh(w*x + b) - y)**2."""
    results = []
    for x, w, b, y in ((0.5, -1.2, 0.3, 1.0), (2.0, 0.7, -0.4, -0.5), (-1.5, 0.2, 0.9, 0.25)):
        expected = _neuron_reference(x, w, b, y)
        t = math.tanh(w * x + b)
        u = t - y
        slips = [(1.0 / (1.0 - t * t), "did you forget the local derivative of tanh, 1 - tanh(n)**2?"),
                 (0.5, "the local derivative of u**2 is 2*u: is the factor 2 missing?"),
                 (1.0 / (2.0 * u) if u else math.nan, "the local derivative of u**2 is 2*u, with u = tanh(n) - y"),
                 (-1.0, "the sign is wrong: check the local derivative of u = t - y with respect to t (it is +1)")]

        def hints(k, value, expected=expected, slips=slips):
            for factor, hint in slips:
                if expected[k] and _close(value, expected[k] * factor):
                    return hint
            return None

        name = getattr(neuron_gradients, "__name__", "neuron_gradients")
        result = _check_dict(neuron_gradients, name, {"x": x, "w": w, "b": b, "y": y},
                             ("x", "w", "b"), expected, hints)
        if not result:         # None: could not run; False: wrong here (already said where)
            return Verdict(False)
        results.append(result)
    return check_all("neuron_gradients: dL/dx, dL/dw and dL/db are right at 3 points.", results)


# --- exercise 2: a graph with reused nodes ---------------------------------------------------

def _reuse_reference(x: float, y: float) -> dict:
    xv, yv = Value(x), Value(y)
    loss = xv * (xv * yv).tanh() + yv
    loss.backward()
    return {"x": xv.grad, "y": yv.grad}


@_verdict
def check_reuse_gradients(reuse_gradients: Callable) -> bool:
    """Check reuse_gradients(x, y) -> {"x", "y"} for L = x * tanh(x*y) + y (x and y each used twice)."""
    results = []
    for x, y in ((0.8, -0.6), (1.5, 0.4), (-0.7, 1.1)):
        expected = _reuse_reference(x, y)
        t = math.tanh(x * y)
        paths = {"x": [(t, "the direct path (x times t)"), (x * (1 - t * t) * y, "the path through m = x*y")],
                 "y": [(1.0, "the path through the final + y"), (x * (1 - t * t) * x, "the path through m = x*y")]}

        def hints(k, value, paths=paths):
            for amount, path in paths[k]:
                if _close(value, amount):
                    return (f"you have only {path}. {k} is used twice, so dL/d{k} is the SUM of the "
                            "contributions of both uses (+=, not =)")
            return None

        name = getattr(reuse_gradients, "__name__", "reuse_gradients")
        result = _check_dict(reuse_gradients, name, {"x": x, "y": y}, ("x", "y"), expected, hints)
        if not result:         # None: could not run; False: wrong here (already said where)
            return Verdict(False)
        results.append(result)
    return check_all("reuse_gradients: both paths to x and both paths to y are added up, at 3 points.", results)
