"""Toy 2-D classification data sets: moons, circles, spirals.

Each function returns `X`, a float32 array of shape (n_samples, 2) holding the
points, and `y`, an int64 array of shape (n_samples,) holding the class of each
point (0, 1, ...). The `n_samples` points are split as evenly as possible among
the classes (the first `n_samples % n_classes` classes get one point more), the
noise is Gaussian, and the rows are shuffled; everything random comes from
`numpy.random.default_rng(seed)`, so the same seed gives the same data.
"""
from __future__ import annotations

import numpy as np

from ._checks import check_int, check_nonnegative

__all__ = ["make_moons", "make_circles", "make_spirals"]


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    """How many of `n_samples` points each of `n_classes` classes gets (as evenly as possible)."""
    n_samples = check_int("n_samples", n_samples, 1)
    if n_samples < n_classes:
        raise ValueError(
            f"n_samples must be at least the number of classes ({n_classes}) "
            f"so that every class has a point, got n_samples={n_samples}"
        )
    base, extra = divmod(n_samples, n_classes)
    return [base + (k < extra) for k in range(n_classes)]


def _finish(parts: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Stack the classes' points, label them 0, 1, ... and shuffle the rows."""
    X = np.concatenate(parts)
    y = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(parts)])
    order = rng.permutation(len(X))
    return X[order].astype(np.float32), y[order]


def make_moons(n_samples: int = 200, noise: float = 0.1, seed: int | None = 0
               ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles.

    With t evenly spaced in [0, pi] and eps ~ N(0, noise^2 I):
        class 0 (upper moon):  x = (cos t,     sin t)       + eps
        class 1 (lower moon):  x = (1 - cos t, 1/2 - sin t) + eps
    Not linearly separable: a classifier needs a curved boundary.

    Returns:
        X: float32 array (n_samples, 2); y: int64 array (n_samples,) of 0s and 1s.
    """
    noise = check_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n_samples, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    upper += rng.normal(0.0, noise, upper.shape)
    lower += rng.normal(0.0, noise, lower.shape)
    return _finish([upper, lower], rng)


def make_circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5,
                 seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one.

    With t evenly spaced in [0, 2 pi) (endpoint left out) and eps ~ N(0, noise^2 I):
        class 0 (outer):  x = (cos t, sin t)          + eps   (radius 1)
        class 1 (inner):  x = factor * (cos t, sin t) + eps   (radius factor)
    Separable by the radius |x|, not by any straight line.

    Args:
        factor: radius of the inner circle relative to the outer one, 0 <= factor < 1.

    Returns:
        X: float32 array (n_samples, 2); y: int64 array (n_samples,) of 0s and 1s.
    """
    noise = check_nonnegative("noise", noise)
    factor = check_nonnegative("factor", factor)
    if factor >= 1:
        raise ValueError(f"factor must be in [0, 1) (inner circle inside the outer one), got {factor}")
    rng = np.random.default_rng(seed)
    parts = []
    for radius, n in zip((1.0, factor), _class_sizes(n_samples, 2)):
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        circle = radius * np.stack([np.cos(t), np.sin(t)], axis=1)
        parts.append(circle + rng.normal(0.0, noise, circle.shape))
    return _finish(parts, rng)


def make_spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2,
                 seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """`n_classes` spiral arms winding out from the origin (the CS231n spirals).

    Class k gets n_k points; with r evenly spaced in [0, 1] and eps ~ N(0, noise^2):
        theta = 2 pi k / n_classes + 4 r + eps     (angle, in radians)
        x     = r * (cos theta, sin theta)
    so each arm turns 4 radians on its way out and the arms start evenly spaced
    around the circle. The noise is on the angle, so it blurs the arms more
    at the rim than at the centre.

    Returns:
        X: float32 array (n_samples, 2); y: int64 array (n_samples,) in 0..n_classes-1.
    """
    n_classes = check_int("n_classes", n_classes, 1)
    noise = check_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    parts = []
    for k, n in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, n)
        theta = 2 * np.pi * k / n_classes + 4 * r + rng.normal(0.0, noise, n)
        parts.append(r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1))
    return _finish(parts, rng)
