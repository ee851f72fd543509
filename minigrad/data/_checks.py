"""Argument checks shared by the data sets and the loader: clear errors, early."""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def check_int(name: str, value: Any, minimum: int) -> int:
    """`value` as an int, or an error if it is not an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_nonnegative(name: str, value: Any) -> float:
    """`value` as a float, or an error if it is not a finite real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def as_array(name: str, value: Any) -> np.ndarray:
    """`value` as a NumPy array with at least one axis (Tensors via `.numpy()`)."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    array = np.asarray(value)
    if array.ndim == 0:
        raise ValueError(f"{name} must have at least one axis (one row per sample), got a scalar")
    return array


def check_pair(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """`X` and `y` as arrays with the same, non-zero, number of samples (rows)."""
    X, y = as_array("X", X), as_array("y", y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length: len(X) = {len(X)}, len(y) = {len(y)}")
    if len(X) == 0:
        raise ValueError("X and y are empty: there are no samples")
    return X, y
