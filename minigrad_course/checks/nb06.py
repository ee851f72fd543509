"""Checkers for notebook 06 (losses and gradient descent).

Expected answers come from minigrad: losses from `minigrad.functional`,
gradients from autograd, descent paths from the closed form on a quadratic.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from minigrad import functional as F
from minigrad.tensor import Tensor
from .nb05 import compare_at, hint_if_close
from .verdict import Verdict, as_array, attempt, compare, failed, passed

__all__ = ["check_cross_entropy_grad", "check_bce_with_logits", "check_gradient_descent"]


def _cross_entropy_grad_by_autograd(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    t = Tensor(logits, requires_grad=True)
    F.cross_entropy(t, targets).backward()
    return np.array(t.grad)


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
            n = len(logits)
            p = F.softmax(Tensor(logits), axis=1).numpy()
            hint_if_close(got, expected * n, f"your gradient is N = {n} times too large: the loss is a mean "
                          "over the rows, so divide by N")
            hint_if_close(got, p / n, "you left out the one-hot targets y: the gradient is (p - y) / N")
            hint_if_close(got, -expected, "the sign is flipped: it is p - y, not y - p")
            try:
                if not np.all(np.isfinite(as_array(got))):
                    print("   hint: exp of a large logit overflows: compute softmax from logits minus the row's max")
            except (TypeError, ValueError):
                pass
            return Verdict(False)
    return passed("cross_entropy_grad equals autograd's gradient of F.cross_entropy, (p - y) / N, "
                  "on 3 batches (large logits included)")


def check_bce_with_logits(bce_with_logits: Callable) -> Verdict:
    """bce_with_logits(z, y) must return the element-wise BCE of sigmoid(z) against y, finite for any z."""
    z = np.array([-4.0, -1.0, -0.1, 0.0, 0.3, 2.0, 5.0, -2.5])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.3])
    huge_z = np.array([-1000.0, -1000.0, -50.0, 50.0, 1000.0, 1000.0])
    huge_y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    for label, zs, ys in [("moderate logits", z, y), ("huge logits (+-50, +-1000)", huge_z, huge_y)]:
        expected = F.binary_cross_entropy_with_logits(Tensor(zs), Tensor(ys), reduction="none").numpy()
        with np.errstate(all="ignore"):  # overflow is reported as a verdict, not as a warning
            ok, got = attempt(bce_with_logits, zs.copy(), ys.copy(), name="bce_with_logits")
        if not ok:
            return Verdict(False)
        try:
            mine = as_array(got)
        except (TypeError, ValueError):
            return failed(f"bce_with_logits: expected a NumPy array, got {type(got).__name__}")
        if mine.shape == expected.shape and not np.all(np.isfinite(mine)):
            i = int(np.argwhere(~np.isfinite(mine))[0][0])
            return failed(f"bce_with_logits at z = {zs[i]:g}, y = {ys[i]:g} gives {mine[i]}, expected "
                          f"{expected[i]:.6g}. Avoid log(sigmoid(z)): use max(z, 0) - z*y + log1p(exp(-|z|))")
        if not compare_at(f"bce_with_logits ({label})", zs, mine, expected, name="z", atol=1e-9):
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
        ok, path = attempt(gradient_descent, f_and_grad, x0, lr, steps, name="gradient_descent")
        if not ok:
            return Verdict(False)
        if not np.array_equal(x0, start):
            return failed("gradient_descent changed the x0 it was given (in place): copy it first, "
                          "e.g. x = np.array(x0, dtype=float)")
        expected = start * (1 - lr * curvatures) ** np.arange(steps + 1)[:, None]  # x_t = (1 - lr a)^t x_0
        try:
            mine = as_array(path)
        except (TypeError, ValueError):
            return failed(f"gradient_descent: expected an array of points, got {type(path).__name__}")
        if mine.shape == (steps, 2):
            return failed(f"gradient_descent returned {steps} points for {steps} steps: include the "
                          f"starting point x0 too, so the path has steps + 1 = {steps + 1} rows")
        if not compare(f"path for x0 = {start.tolist()}, lr = {lr}, {steps} steps: row t is x_t", mine, expected,
                       atol=1e-10):
            hint_if_close(mine, start * (1 + lr * curvatures) ** np.arange(steps + 1)[:, None],
                          "you step uphill: subtract lr * gradient")
            return Verdict(False)
    return passed("gradient_descent follows x_t = (1 - lr a)^t x_0 exactly on a 2-D quadratic, "
                  "for a converging and a zigzagging learning rate")
