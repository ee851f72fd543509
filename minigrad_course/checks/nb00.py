"""Checkers for notebook 00 (welcome): a warm-up that shows how exercises and checks work."""
from __future__ import annotations

from typing import Callable

from .verdict import Verdict, answer, compare, named_slip, one_number, passed

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


def check_slope(slope: Callable) -> Verdict:
    """Check `slope(x1, y1, x2, y2)`: the slope (y2 - y1) / (x2 - x1) of the line through two points."""
    for x1, y1, x2, y2 in _SLOPE_CASES:
        where = f"slope({x1:g}, {y1:g}, {x2:g}, {y2:g})"
        value = answer(one_number, where, slope, x1, y1, x2, y2, name="slope")
        if value is None:
            return Verdict(False)
        expected = _reference_slope(x1, y1, x2, y2)
        slips = [(-expected, "the sign is flipped. Take both changes in the same direction: (y2 - y1) / (x2 - x1)."),
                 (1.0 / expected, "that is run over rise. The slope is the change in y divided by the change in x.")
                 ] if expected else []
        if named_slip(where, value, expected, slips, atol=1e-12, rtol=1e-9):
            return Verdict(False)
        if not compare(where, value, expected, atol=1e-9, rtol=1e-9):
            return Verdict(False)
    return passed("slope is right: rise over run, (y2 - y1) / (x2 - x1), on all 5 pairs of points.")
