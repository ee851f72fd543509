"""Checkers for notebook 00 (welcome): a warm-up that shows how exercises and checks work."""
from __future__ import annotations

import math
from typing import Callable

from .verdict import Verdict, as_array, attempt, compare, failed, passed

__all__ = ["check_slope"]

# (x1, y1, x2, y2): two points on a line, with the slope between them
_SLOPE_CASES = [
    (0.0, 0.0, 1.0, 2.0),
    (1.0, 3.0, 4.0, -3.0),
    (-2.0, 1.0, 2.0, 1.0),
    (0.5, 0.25, 1.5, 2.25),
    (3.0, 1.0, -1.0, 3.0),
]


def _reference_slope(x1: float, y1: float, x2: float, y2: float) -> float:
    return (y2 - y1) / (x2 - x1)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check_slope(slope: Callable) -> Verdict:
    """Check `slope(x1, y1, x2, y2)`: the slope (y2 - y1) / (x2 - x1) of the line through two points."""
    for x1, y1, x2, y2 in _SLOPE_CASES:
        ok, got = attempt(slope, x1, y1, x2, y2, name="slope")
        if not ok:
            return Verdict(False)
        expected = _reference_slope(x1, y1, x2, y2)
        where = f"slope({x1:g}, {y1:g}, {x2:g}, {y2:g})"
        if got is None:
            return failed(f"{where} returned None: did you forget `return`?")
        try:
            value = float(as_array(got))
        except (TypeError, ValueError):
            return failed(f"{where} returned {type(got).__name__} {got!r}: expected one number")
        if expected != 0 and not _close(value, expected):
            if _close(value, -expected):
                return failed(f"{where}: you have {value:g}, expected {expected:g}: the sign is flipped. "
                              "Take both changes in the same direction: (y2 - y1) / (x2 - x1).")
            if _close(value, 1.0 / expected):
                return failed(f"{where}: you have {value:g}, expected {expected:g}: that is run over rise. "
                              "The slope is the change in y divided by the change in x.")
        if not compare(where, value, expected, atol=1e-9, rtol=1e-9):
            return Verdict(False)
    return passed("slope is right: rise over run, (y2 - y1) / (x2 - x1), on all 5 pairs of points.")
