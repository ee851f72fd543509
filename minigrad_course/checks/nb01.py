"""Checkers for notebook 01 (derivatives and the chain rule).

Each checker calls the learner's function on its own inputs and compares with
the reference. Before the generic "you have ..., expected ..." it looks for the
usual mistakes (a forward difference instead of a central one, a forgotten
inner derivative, a missing path) and names them.
"""
from __future__ import annotations

import math
from typing import Callable

from .verdict import Verdict, as_array, attempt, compare, failed, passed

__all__ = ["check_central_difference", "check_logistic_loss_derivative", "check_two_paths"]


def _number(got, where: str) -> float | None:
    """`got` as a float, or None after saying that it is not one number."""
    if got is None:
        failed(f"{where} returned None: did you forget `return`?")
        return None
    try:
        array = as_array(got)
    except (TypeError, ValueError):
        failed(f"{where} returned {type(got).__name__}: expected one number")
        return None
    if array.size != 1:
        failed(f"{where} returned {array.size} numbers (shape {array.shape}): expected one number")
        return None
    return float(array.reshape(()))


def _near(a: float, b: float, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def _mistake(value: float, expected: float, where: str, suspects: list[tuple[float, str]]) -> bool:
    """If `value` is not `expected` but equals a known wrong answer, say which mistake it is (True)."""
    if _near(value, expected):
        return Verdict(False)
    for wrong, explanation in suspects:
        if _near(value, wrong):
            failed(f"{where}: you have {value:.6g}, expected {expected:.6g}. {explanation}")
            return Verdict(True)
    return Verdict(False)


# --- exercise 1: the central difference ------------------------------------------

def _cube(x):
    return x ** 3


def _exp(x):
    return math.exp(x)


def _sin(x):
    return math.sin(x)


def check_central_difference(central_difference: Callable) -> Verdict:
    """Check `central_difference(f, x, h=1e-5)` = (f(x + h) - f(x - h)) / (2h)."""
    name = "central_difference"
    cases = [(_cube, "x**3", 1.0, 0.1), (_exp, "exp", -1.0, 1e-3), (_sin, "sin", 2.0, 0.5)]
    for f, label, x, h in cases:
        ok, got = attempt(central_difference, f, x, h=h, name=name)
        if not ok:
            return Verdict(False)
        where = f"{name}({label}, x={x:g}, h={h:g})"
        value = _number(got, where)
        if value is None:
            return Verdict(False)
        expected = (f(x + h) - f(x - h)) / (2 * h)
        suspects = [
            ((f(x + h) - f(x)) / h, "That is the forward difference (f(x+h) - f(x)) / h: "
                                    "step to both sides, f(x + h) and f(x - h)."),
            ((f(x) - f(x - h)) / h, "That is the backward difference (f(x) - f(x-h)) / h: "
                                    "step to both sides, f(x + h) and f(x - h)."),
            ((f(x + h) - f(x - h)) / h, "You divided by h, but the two points are 2h apart: divide by 2 * h."),
            ((f(x + h) - f(x - h)) / 2 * h, "Mind the brackets: `/ 2 * h` is `(.../2) * h` in Python; "
                                            "write `/ (2 * h)`."),
        ]
        if _mistake(value, expected, where, suspects):
            return Verdict(False)
        if not compare(where + " (the difference quotient with exactly this h)", value, expected,
                       atol=1e-10, rtol=1e-7):
            return Verdict(False)
    # the default step: small enough to be accurate, not so small that round-off takes over
    ok, got = attempt(central_difference, _sin, 0.5, name=name)
    if not ok:
        return Verdict(False)
    value = _number(got, f"{name}(sin, x=0.5)")
    if value is None:
        return Verdict(False)
    if not _near(value, math.cos(0.5), rtol=0, atol=1e-8):
        return failed(f"{name}(sin, x=0.5) with the default h: you have {value:.10f}, the true derivative "
                      f"cos(0.5) is {math.cos(0.5):.10f} (off by {value - math.cos(0.5):.2g}). "
                      "Give h a default of 1e-5: `def central_difference(f, x, h=1e-5):`.")
    return passed("central_difference is right: (f(x+h) - f(x-h)) / (2h), and accurate with its default h.")


# --- exercise 2: a chain-rule derivative ---------------------------------------------

def _logistic_loss_derivative(x: float) -> float:
    """d/dx ln(1 + e^(-3x)) = -3 e^(-3x) / (1 + e^(-3x)) = -3 / (1 + e^(3x))."""
    return -3.0 / (1.0 + math.exp(3.0 * x))


def check_logistic_loss_derivative(dloss_dx: Callable) -> Verdict:
    """Check `dloss_dx(x)`, the derivative of ln(1 + exp(-3x))."""
    name = "dloss_dx"
    xs = [0.7, -0.5, 2.0, -2.0, 0.0]
    for x in xs:
        ok, got = attempt(dloss_dx, x, name=name)
        if not ok:
            return Verdict(False)
        where = f"{name}({x:g})"
        value = _number(got, where)
        if value is None:
            return Verdict(False)
        expected = _logistic_loss_derivative(x)
        e = math.exp(-3.0 * x)
        suspects = [
            (expected / -3.0, "You are missing the innermost link: d(-3x)/dx = -3 multiplies the rest."),
            (-expected, "The sign is flipped: the innermost link d(-3x)/dx is -3, not 3."),
            (-3.0 / (1.0 + e), "A middle link is missing: d(e^u)/du = e^u, so e^(-3x) belongs in the numerator."),
            (1.0 / (1.0 + e), "Only the outer link d(ln v)/dv = 1/v is there: multiply by dv/du = e^u "
                              "and by du/dx = -3."),
            (math.log(1.0 + e), "That is the loss itself, ln(1 + e^(-3x)), not its derivative."),
        ]
        if _mistake(value, expected, where, suspects):
            return Verdict(False)
        if not compare(where, value, expected, atol=1e-9, rtol=1e-6):
            return Verdict(False)
    return passed("dloss_dx is right: (1/v) * e^u * (-3) = -3 e^(-3x) / (1 + e^(-3x)) at all 5 points.")


# --- exercise 3: one input, two paths -------------------------------------------------

def _two_paths(x: float) -> tuple[float, float]:
    """u = sin x, v = x^2, f = e^u * v: (df/du * du/dx, df/dv * dv/dx)."""
    eu = math.exp(math.sin(x))
    return eu * x * x * math.cos(x), eu * 2.0 * x


def check_two_paths(two_path_derivative: Callable) -> Verdict:
    """Check `two_path_derivative(x)` -> (through_u, through_v) for f = exp(u) * v, u = sin(x), v = x**2."""
    name = "two_path_derivative"
    for x in [-1.5, 0.3, 1.0, 2.0]:
        ok, got = attempt(two_path_derivative, x, name=name)
        if not ok:
            return Verdict(False)
        where = f"{name}({x:g})"
        if got is None:
            return failed(f"{where} returned None: did you forget `return`?")
        try:
            through_u, through_v = got
        except (TypeError, ValueError):
            return failed(f"{where} returned {type(got).__name__} {got!r}: expected a pair of numbers, "
                          "(through_u, through_v)")
        a, b = _number(through_u, where + "[0]"), _number(through_v, where + "[1]")
        if a is None or b is None:
            return Verdict(False)
        ref_u, ref_v = _two_paths(x)
        if not (_near(a, ref_u) and _near(b, ref_v)) and _near(a, ref_v) and _near(b, ref_u):
            return failed(f"{where}: the two paths are swapped. Return (through_u, through_v): first the "
                          "path through u = sin(x), then the one through v = x**2.")
        if _near(a + b, ref_u + ref_v) and not _near(a, ref_u):
            return failed(f"{where}: the total {a + b:.6g} is right, but split wrongly between the paths: "
                          f"through u should be {ref_u:.6g}, through v {ref_v:.6g}.")
        eu = math.exp(math.sin(x))
        u_suspects = [(eu * x * x, "The path through u is missing du/dx = cos(x)."),
                      (eu * math.cos(x), "The path through u needs df/du = e^u * v, and v = x**2 is missing.")]
        v_suspects = [(eu, "The path through v is missing dv/dx = 2x."),
                      (2.0 * x, "The path through v needs df/dv = e^u = exp(sin(x)).")]
        if _mistake(a, ref_u, where + ", the path through u", u_suspects):
            return Verdict(False)
        if _mistake(b, ref_v, where + ", the path through v", v_suspects):
            return Verdict(False)
        if not compare(where + ", the path through u = sin(x)", a, ref_u, atol=1e-9, rtol=1e-6):
            return Verdict(False)
        if not compare(where + ", the path through v = x**2", b, ref_v, atol=1e-9, rtol=1e-6):
            return Verdict(False)
    return passed("two_path_derivative is right: each path is a product of local derivatives, "
                  "and their sum is df/dx.")
