"""Checkers for notebook 06 (losses and gradient descent).

Expected answers come from minigrad: losses from `minigrad.functional`,
gradients from autograd, descent paths from the closed form on a quadratic. The
softmax + squared-error exercise asks for a derivation, so a function that calls
autograd is turned down, and the gradient must be exact (a finite difference is not).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from minigrad import functional as F
from minigrad.tensor import Tensor
from .verdict import (EXACT_ATOL, EXACT_RTOL, Verdict, answer, autograd_gradients, compare, failed,
                      hint_first_slip, hint_if_approximate, label_of, method_allowed, one_array, passed)

__all__ = ["check_bce_with_logits", "check_softmax_mse_grad", "check_gradient_descent"]


# --- exercise 2: the gradient of softmax + squared error, derived -----------------------------

_BY_DERIVATION = ("for the gradient you derived, as NumPy formulas: g = dL/dp first, then through the softmax "
                  "Jacobian, p * (g - sum_i g_i p_i) row by row. Autograd and finite differences only check a "
                  "derivation; they do not replace it.")
_AUTOGRAD_AND_DIFFERENCES = ("Tensor", "Value", "backward", "gradcheck", "autograd_gradients", "central_difference",
                             "loss_at")


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _softmax_mse_by_autograd(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """dL/dz of F.mse_loss(F.softmax(z, dim=1), one-hot targets), by autograd in float64."""
    onehot = np.eye(logits.shape[1])[targets]
    return autograd_gradients(lambda z: F.mse_loss(F.softmax(z, dim=1), onehot), [logits])[1][0]


def _softmax_mse_slips(logits: np.ndarray, targets: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """The usual wrong gradients of mean((softmax(z) - y)^2), each with what to say about it."""
    p, y = _softmax(logits), np.eye(logits.shape[1])[targets]
    n, size = len(logits), p.size
    g = 2 * (p - y) / size
    right = p * (g - (g * p).sum(axis=1, keepdims=True))
    return [
        ((p - y) / n, "that is the cross-entropy gradient (p - y)/N. With a squared error the softmax Jacobian does "
                      "not cancel: take g = dL/dp = 2(p - y)/(N C), then go through the softmax."),
        (g, "that is g = dL/dp, the gradient with respect to the probabilities. It must still go through the "
            "softmax: dL/dz_k = sum_i g_i dp_i/dz_k = p_k (g_k - sum_i g_i p_i)."),
        (g * p * (1 - p), "you used only the diagonal of the softmax Jacobian, p_k(1 - p_k). Every p_i depends on "
                          "every z_k: the off-diagonal entries -p_i p_k add the term -p_k sum_{i != k} g_i p_i."),
        (right * logits.shape[1], f"your gradient is C = {logits.shape[1]} times too large: F.mse_loss averages "
                                  "over all N * C entries, so g = 2(p - y)/(N C)."),
        (right * size, "you summed the squared errors instead of averaging them: divide by N * C."),
        (right / 2, "the factor 2 of d(u^2)/du = 2u is missing."),
        (-right, "the sign is flipped: g = 2(p - y)/(N C), not 2(y - p)/(N C)."),
    ]


def check_softmax_mse_grad(softmax_mse_grad: Callable) -> Verdict:
    """softmax_mse_grad(logits, targets) must return dL/dz, shape (N, C), for L = F.mse_loss(softmax(z), one-hot).

    Derived by hand: autograd is refused and the answer must be exact to 13 digits (EXACT_RTOL),
    which a formula reaches and a finite difference does not. One batch has logits of hundreds,
    where the softmax is one-hot and the true gradient is 0 although the answer is wrong.
    """
    name = label_of(softmax_mse_grad, "softmax_mse_grad")
    if not method_allowed(softmax_mse_grad, name, _AUTOGRAD_AND_DIFFERENCES, _BY_DERIVATION):
        return Verdict(False)
    rng = np.random.default_rng(6)
    cases = [
        ("4 rows, 3 classes", rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])),
        ("1 row, 5 classes", rng.normal(size=(1, 5)) * 3, np.array([4])),
        ("large logits (hundreds)", np.array([[800.0, 0.0, -800.0], [0.0, 500.0, 0.0]]), np.array([2, 1])),
    ]
    for label, logits, targets in cases:
        expected = _softmax_mse_by_autograd(logits, targets)
        with np.errstate(all="ignore"):  # overflow is reported as a verdict, not as a warning
            mine = answer(one_array, f"{name} ({label})", softmax_mse_grad, logits.copy(), targets.copy(), name=name)
        if mine is None:
            return Verdict(False)
        if mine.shape == expected.shape and not np.all(np.isfinite(mine)):
            return failed(f"{name} ({label}) holds inf or nan: exp of a large logit overflows. Compute the softmax "
                          "from the logits minus each row's maximum (the same probabilities, and exp never overflows)")
        if not compare(f"gradient for {label}: entry [row, class]", mine, expected, atol=EXACT_ATOL, rtol=EXACT_RTOL):
            if not hint_if_approximate(mine, expected, _BY_DERIVATION):
                hint_first_slip(mine, _softmax_mse_slips(logits, targets), atol=1e-12, rtol=1e-6)
            return Verdict(False)
    return passed(f"{name} equals autograd's gradient of F.mse_loss(F.softmax(z), y), p * (g - sum_i g_i p_i) "
                  "with g = 2(p - y)/(N C), on 3 batches (large logits included)")


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
