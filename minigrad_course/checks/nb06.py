"""Checkers for notebook 06 (losses and gradient descent).

Expected answers come from minigrad: losses from `minigrad.functional`,
gradients from autograd, descent paths from the closed form on a quadratic.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from minigrad import functional as F
from minigrad.tensor import Tensor
from .verdict import (Verdict, answer, as_array, attempt, autograd_gradients, compare, failed, hint,
                      hint_first_slip, one_array, passed)

__all__ = ["check_cross_entropy_grad", "check_bce_with_logits", "check_gradient_descent"]


def _cross_entropy_grad_by_autograd(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    return autograd_gradients(lambda t: F.cross_entropy(t, targets), [logits])[1][0]


def check_cross_entropy_grad(cross_entropy_grad: Callable) -> Verdict:
    """cross_entropy_grad(logits, targets) must return d(mean cross-entropy)/d(logits), shape (N, C)."""
    rng = np.random.default_rng(6)
    cases = [
        ("4 rows, 3 classes", rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])),
        ("1 row, 5 classes", rng.normal(size=(1, 5)) * 3, np.array([4])),
        ("large logits (hundreds)", np.array([[800.0, 0.0, -800.0], [0.0, 500.0, 0.0]]), np.array([2, 1])),
    ]
    for label, logits, targets in cases:
        expected = _cross_entropy_grad_by_autograd(logits, targets)
        with np.errstate(all="ignore"):  # overflow is reported as a verdict, not as a warning
            ok, got = attempt(cross_entropy_grad, logits.copy(), targets.copy(), name="cross_entropy_grad")
        if not ok:
            return Verdict(False)
        if not compare(f"gradient for {label}: entry [row, class]", got, expected, atol=1e-10):
            _hint_cross_entropy(got, expected, logits)
            return Verdict(False)
    return passed("cross_entropy_grad equals autograd's gradient of F.cross_entropy, (p - y) / N, "
                  "on 3 batches (large logits included)")


def _hint_cross_entropy(got, expected: np.ndarray, logits: np.ndarray) -> None:
    n = len(logits)
    p = F.softmax(Tensor(logits), axis=1).numpy()
    try:
        finite = bool(np.all(np.isfinite(as_array(got))))
    except (TypeError, ValueError):
        finite = True
    if not finite:
        hint("exp of a large logit overflows: compute softmax from logits minus the row's max")
        return
    hint_first_slip(got, [(expected * n, f"your gradient is N = {n} times too large: the loss is a mean over the "
                                         "rows, so divide by N"),
                          (p / n, "you left out the one-hot targets y: the gradient is (p - y) / N"),
                          (-expected, "the sign is flipped: it is p - y, not y - p")], atol=1e-10, rtol=1e-6)


def _bce_slips(z: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """The usual slips of the stable binary cross-entropy, each with what to say about it."""
    with np.errstate(all="ignore"):
        return [(np.maximum(z, 0) - z * y, "the term log1p(exp(-|z|)) is missing: "
                                           "max(z, 0) - z*y + log1p(exp(-|z|))."),
                (np.maximum(z, 0) + z * y + np.log1p(np.exp(-np.abs(z))), "the middle term is MINUS z*y."),
                (np.maximum(z, 0) - z * y + np.log1p(np.exp(-z)), "take the absolute value inside: "
                                                                  "log1p(exp(-|z|)), so exp never overflows."),
                (np.log1p(np.exp(-np.abs(z))), "max(z, 0) - z*y is missing in front of log1p(exp(-|z|))."),
                (np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))),
                 "return one loss per element (as reduction='none'), not their mean.")]


def check_bce_with_logits(bce_with_logits: Callable) -> Verdict:
    """bce_with_logits(z, y) must return the element-wise BCE of sigmoid(z) against y, finite for any z."""
    z = np.array([-4.0, -1.0, -0.1, 0.0, 0.3, 2.0, 5.0, -2.5])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.3])
    huge_z = np.array([-1000.0, -1000.0, -50.0, 50.0, 1000.0, 1000.0])
    huge_y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    for label, zs, ys in [("moderate logits", z, y), ("huge logits (+-50, +-1000)", huge_z, huge_y)]:
        expected = F.binary_cross_entropy_with_logits(Tensor(zs), Tensor(ys), reduction="none").numpy()
        with np.errstate(all="ignore"):  # overflow is reported as a verdict, not as a warning
            mine = answer(one_array, f"bce_with_logits ({label})", bce_with_logits, zs.copy(), ys.copy(),
                          name="bce_with_logits")
        if mine is None:
            return Verdict(False)
        if mine.shape == expected.shape and not np.all(np.isfinite(mine)):
            i = int(np.argwhere(~np.isfinite(mine))[0][0])
            return failed(f"bce_with_logits at z = {zs[i]:g}, y = {ys[i]:g} gives {mine[i]}, expected "
                          f"{expected[i]:.6g}. Avoid log(sigmoid(z)): use max(z, 0) - z*y + log1p(exp(-|z|))")
        if not compare(f"bce_with_logits ({label})", mine, expected, 1e-9, 1e-6, inputs=zs, name="z"):
            hint_first_slip(mine, _bce_slips(zs, ys), atol=1e-9)
            return Verdict(False)
    return passed("bce_with_logits matches F.binary_cross_entropy_with_logits, and stays finite "
                  "(and exact) for logits of +-1000")


def check_gradient_descent(gradient_descent: Callable) -> Verdict:
    """gradient_descent(f_and_grad, x0, lr, steps) must return the path x_0, ..., x_steps, shape (steps + 1, d)."""
    curvatures = np.array([1.0, 10.0])

    def f_and_grad(x):
        x = np.asarray(x, dtype=np.float64)
        return 0.5 * float((curvatures * x * x).sum()), curvatures * x

    for x0, lr, steps in [(np.array([-4.0, 1.0]), 0.05, 20), (np.array([3.0, -2.0]), 0.19, 7)]:
        start = x0.copy()
        mine = answer(one_array, "gradient_descent", gradient_descent, f_and_grad, x0, lr, steps,
                      name="gradient_descent")
        if mine is None:
            return Verdict(False)
        if not np.array_equal(x0, start):
            return failed("gradient_descent changed the x0 it was given (in place): copy it first, "
                          "e.g. x = np.array(x0, dtype=float)")
        expected = start * (1 - lr * curvatures) ** np.arange(steps + 1)[:, None]  # x_t = (1 - lr a)^t x_0
        if mine.shape == (steps, 2):
            return failed(f"gradient_descent returned {steps} points for {steps} steps: include the "
                          f"starting point x0 too, so the path has steps + 1 = {steps + 1} rows")
        if not compare(f"path for x0 = {start.tolist()}, lr = {lr}, {steps} steps: row t is x_t", mine, expected,
                       atol=1e-10):
            hint_first_slip(mine, [(start * (1 + lr * curvatures) ** np.arange(steps + 1)[:, None],
                                    "you step uphill: subtract lr * gradient")], atol=1e-10, rtol=1e-6)
            return Verdict(False)
    return passed("gradient_descent follows x_t = (1 - lr a)^t x_0 exactly on a 2-D quadratic, "
                  "for a converging and a zigzagging learning rate")
