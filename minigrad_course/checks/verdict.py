"""Friendly verdicts for the course's exercises.

A checker runs the learner's function on test inputs and prints what is right,
or what is wrong and where, instead of failing with a bare assertion. It
returns True or False so a notebook (or a test) can also use the result.
An exercise not yet attempted (its stub raises NotImplementedError) gets
"not done yet", never a traceback.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

PASS, FAIL, TODO = "✅", "❌", "⏳"


class Verdict:
    """True or False, as a checker's answer; a notebook shows only the printed message, not this value."""

    __slots__ = ("ok",)

    def __init__(self, ok: bool):
        self.ok = bool(ok)

    def __bool__(self) -> bool:
        return self.ok

    def __eq__(self, other: object) -> bool:
        return self.ok == bool(other) if isinstance(other, (bool, Verdict)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.ok)

    def __repr__(self) -> str:
        return f"Verdict({self.ok})"

    def _ipython_display_(self) -> None:
        """The message was printed already: display nothing more."""


def passed(message: str) -> Verdict:
    print(f"{PASS} {message}")
    return Verdict(True)


def failed(message: str) -> Verdict:
    print(f"{FAIL} {message}")
    return Verdict(False)


def not_done(name: str) -> Verdict:
    print(f"{TODO} {name} is not done yet: replace `raise NotImplementedError` with your code, then run this check again.")
    return Verdict(False)


def attempt(fn: Callable, *args: Any, name: str | None = None, **kwargs: Any) -> tuple[bool, Any]:
    """Call the learner's fn: (True, result), or (False, None) after saying why it could not run."""
    label = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        failed(f"expected a function for {label}, got {type(fn).__name__}")
        return False, None
    try:
        return True, fn(*args, **kwargs)
    except NotImplementedError:
        not_done(label)
        return False, None
    except Exception as exc:  # the learner's code crashed: say where, keep the notebook running
        failed(f"{label} raised {type(exc).__name__}: {exc}")
        return False, None


def as_array(value: Any) -> np.ndarray:
    """Numbers, lists, NumPy arrays, Values and Tensors as float64 NumPy arrays."""
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    elif hasattr(value, "data") and isinstance(getattr(value, "data"), (int, float)):
        value = value.data
    return np.asarray(value, dtype=np.float64)


def compare(what: str, got: Any, expected: Any, atol: float = 1e-6, rtol: float = 1e-4) -> Verdict:
    """One verdict: is `got` close to `expected`? If not, say which element differs and by how much."""
    try:
        mine, ref = as_array(got), as_array(expected)
    except (TypeError, ValueError):
        return failed(f"{what}: expected a number or an array, got {type(got).__name__}")
    if mine.shape != ref.shape:
        return failed(f"{what}: shape {mine.shape}, expected {ref.shape}")
    close = np.isclose(mine, ref, atol=atol, rtol=rtol, equal_nan=True)
    if close.all():
        return Verdict(True)
    where = tuple(int(i) for i in np.argwhere(~close)[0])
    at = f" at index {where}" if where else ""
    return failed(f"{what}{at}: you have {mine[where]:.6g}, expected {ref[where]:.6g} "
                  f"(off by {mine[where] - ref[where]:.3g}; {int((~close).sum())} of {close.size} values differ)")


def check_all(title: str, results: list) -> Verdict:
    """Print the overall verdict after several comparisons (each already printed its failure)."""
    if all(results):
        return passed(title)
    return Verdict(False)
