"""Checkers for notebook 01 (derivatives and the chain rule).

Each checker calls the learner's function on its own inputs and compares with
the reference. Before the generic "you have ..., expected ..." it looks for the
usual mistakes (a forward difference instead of a central one, a forgotten
inner derivative, a missing path) and names them. The chain-rule exercise must
be exact: a numeric derivative, called or written inline, does not pass.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable

from .verdict import (Verdict, allclose, answer, compare, compare_exactly, failed, method_allowed, named_slip,
                      numbers, one_number, passed)

__all__ = ["check_central_difference", "check_logistic_loss_derivative", "check_two_paths"]


# --- exercise 1: the central difference ------------------------------------------

def _cube(x):
    return x ** 3


def _exp(x):
    return math.exp(x)


def _sin(x):
    return math.sin(x)


def _difference_slips(f: Callable, x: float, h: float) -> list[tuple[float, str]]:
    """The usual wrong difference quotients, each with what to say about it."""
    step_both = "step to both sides, f(x + h) and f(x - h)."
    return [
        ((f(x + h) - f(x)) / h, f"that is the forward difference (f(x+h) - f(x)) / h: {step_both}"),
        ((f(x) - f(x - h)) / h, f"that is the backward difference (f(x) - f(x-h)) / h: {step_both}"),
        ((f(x + h) - f(x - h)) / h, "you divided by h, but the two points are 2h apart: divide by 2 * h."),
        ((f(x + h) - f(x - h)) / 2 * h, "mind the brackets: `/ 2 * h` is `(.../2) * h` in Python; write `/ (2 * h)`."),
    ]


def check_central_difference(central_difference: Callable) -> Verdict:
    """Check `central_difference(f, x, h=1e-5)` = (f(x + h) - f(x - h)) / (2h)."""
    name = "central_difference"
    for f, label, x, h in [(_cube, "x**3", 1.0, 0.1), (_exp, "exp", -1.0, 1e-3), (_sin, "sin", 2.0, 0.5)]:
        where = f"{name}({label}, x={x:g}, h={h:g})"
        value = answer(one_number, where, central_difference, f, x, h=h, name=name)
        if value is None:
            return Verdict(False)
        expected = (f(x + h) - f(x - h)) / (2 * h)
        if named_slip(where, value, expected, _difference_slips(f, x, h)):
            return Verdict(False)
        if not compare(where + " (the difference quotient with exactly this h)", value, expected,
                       atol=1e-10, rtol=1e-7):
            return Verdict(False)
    return _check_default_step(central_difference, name)


def _check_default_step(central_difference: Callable, name: str) -> Verdict:
    """The default step: small enough to be accurate, not so small that round-off takes over."""
    value = answer(one_number, f"{name}(sin, x=0.5)", central_difference, _sin, 0.5, name=name)
    if value is None:
        return Verdict(False)
    if not allclose(value, math.cos(0.5), atol=1e-8, rtol=0):
        return failed(f"{name}(sin, x=0.5) with the default h: you have {value:.10f}, the true derivative "
                      f"cos(0.5) is {math.cos(0.5):.10f} (off by {value - math.cos(0.5):.2g}). "
                      "Give h a default of 1e-5: `def central_difference(f, x, h=1e-5):`.")
    return passed("central_difference is right: (f(x+h) - f(x-h)) / (2h), and accurate with its default h.")


# --- exercise 2: a chain-rule derivative ---------------------------------------------

_CHAIN_RULE = ("for the chain rule by hand: find the three local derivatives dl/dv, dv/du and du/dx, "
               "and multiply them (with math.exp). A numeric derivative only approximates the answer.")
_NUMERIC_DERIVATIVES = ("central_difference", "forward_difference", "backward_difference", "finite_differences",
                        "gradcheck", "Value", "backward")


def _logistic_loss_derivative(x: float) -> float:
    """d/dx ln(1 + e^(-3x)) = -3 e^(-3x) / (1 + e^(-3x)) = -3 / (1 + e^(3x))."""
    return -3.0 / (1.0 + math.exp(3.0 * x))


def _chain_slips(x: float) -> list[tuple[float, str]]:
    """The usual chain-rule slips on ln(1 + e^(-3x)), each with what to say about it."""
    expected, e = _logistic_loss_derivative(x), math.exp(-3.0 * x)
    return [
        (expected / -3.0, "you are missing the innermost link: d(-3x)/dx = -3 multiplies the rest."),
        (-expected, "the sign is flipped: the innermost link d(-3x)/dx is -3, not 3."),
        (-3.0 / (1.0 + e), "a middle link is missing: d(e^u)/du = e^u, so e^(-3x) belongs in the numerator."),
        (1.0 / (1.0 + e), "only the outer link d(ln v)/dv = 1/v is there: multiply by dv/du = e^u and by du/dx = -3."),
        (math.log(1.0 + e), "that is the loss itself, ln(1 + e^(-3x)), not its derivative."),
    ]


def check_logistic_loss_derivative(dloss_dx: Callable) -> Verdict:
    """Check `dloss_dx(x)`, the derivative of ln(1 + exp(-3x)), by the chain rule: exact, not numeric.

    A central difference gets 10 or 11 digits at best (Richardson extrapolation 12); the
    check asks for agreement to 13 (EXACT_RTOL), which every form of the exact derivative reaches.
    """
    name = "dloss_dx"
    if not method_allowed(dloss_dx, name, _NUMERIC_DERIVATIVES, _CHAIN_RULE):
        return Verdict(False)
    for x in [0.7, -0.5, 2.0, -2.0, 0.0]:
        where = f"{name}({x:g})"
        value = answer(one_number, where, dloss_dx, x, name=name)
        if value is None:
            return Verdict(False)
        expected = _logistic_loss_derivative(x)
        if named_slip(where, value, expected, _chain_slips(x)):
            return Verdict(False)
        if not compare_exactly(where, value, expected, _CHAIN_RULE):
            return Verdict(False)
    return passed("dloss_dx is right: (1/v) * e^u * (-3) = -3 e^(-3x) / (1 + e^(-3x)) at all 5 points.")


# --- exercise 3: one input, two paths -------------------------------------------------

def _two_paths(x: float) -> tuple[float, float]:
    """u = sin x, v = x^2, f = e^u * v: (df/du * du/dx, df/dv * dv/dx)."""
    eu = math.exp(math.sin(x))
    return eu * x * x * math.cos(x), eu * 2.0 * x


def _paths_mixed_up(where: str, a: float, b: float, ref_u: float, ref_v: float) -> bool:
    """True (after saying so) when the two paths are swapped, or their sum is right but split wrongly."""
    def near(p, q):
        return allclose(p, q, atol=1e-9, rtol=1e-6)
    if not (near(a, ref_u) and near(b, ref_v)) and near(a, ref_v) and near(b, ref_u):
        failed(f"{where}: the two paths are swapped. Return (through_u, through_v): first the "
               "path through u = sin(x), then the one through v = x**2.")
        return True
    if near(a + b, ref_u + ref_v) and not near(a, ref_u):
        failed(f"{where}: the total {a + b:.6g} is right, but split wrongly between the paths: "
               f"through u should be {ref_u:.6g}, through v {ref_v:.6g}.")
        return True
    return False


def _path_slips(x: float) -> tuple[list, list]:
    """The usual slips on each path: a missing local derivative."""
    eu = math.exp(math.sin(x))
    return ([(eu * x * x, "the path through u is missing du/dx = cos(x)."),
             (eu * math.cos(x), "the path through u needs df/du = e^u * v, and v = x**2 is missing.")],
            [(eu, "the path through v is missing dv/dx = 2x."),
             (2.0 * x, "the path through v needs df/dv = e^u = exp(sin(x)).")])


def check_two_paths(two_path_derivative: Callable) -> Verdict:
    """Check `two_path_derivative(x)` -> (through_u, through_v) for f = exp(u) * v, u = sin(x), v = x**2."""
    name = "two_path_derivative"
    for x in [-1.5, 0.3, 1.0, 2.0]:
        where = f"{name}({x:g})"
        pair = answer(partial(numbers, names=("through_u", "through_v")), where, two_path_derivative, x, name=name)
        if pair is None:
            return Verdict(False)
        (a, b), (ref_u, ref_v) = pair, _two_paths(x)
        if _paths_mixed_up(where, a, b, ref_u, ref_v):
            return Verdict(False)
        u_slips, v_slips = _path_slips(x)
        if named_slip(where + ", the path through u", a, ref_u, u_slips) or \
                named_slip(where + ", the path through v", b, ref_v, v_slips):
            return Verdict(False)
        if not (compare(where + ", the path through u = sin(x)", a, ref_u, atol=1e-9, rtol=1e-6)
                and compare(where + ", the path through v = x**2", b, ref_v, atol=1e-9, rtol=1e-6)):
            return Verdict(False)
    return passed("two_path_derivative is right: each path is a product of local derivatives, "
                  "and their sum is df/dx.")
