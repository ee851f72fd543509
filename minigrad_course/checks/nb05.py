"""Checkers for notebook 05 (activation functions).

Every expected answer comes from minigrad itself: values from
`minigrad.functional`, derivatives from autograd, so a learner's closed form is
checked against backpropagation.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from minigrad import functional as F
from minigrad.tensor import Tensor
from .verdict import (Verdict, answer, attempt, autograd_gradients, compare, failed, hint_first_slip,
                      one_array, passed)

__all__ = ["check_sigmoid_grad", "check_leaky_relu", "check_softmax_jacobian"]


def _elementwise(fn: Callable, x: np.ndarray, **params: Any) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x), the derivative by autograd (backward with dL/dy = 1)."""
    y, (dy,) = autograd_gradients(lambda t: fn(t, **params), [x])
    return y, dy


def check_sigmoid_grad(sigmoid_grad_from_output: Callable) -> Verdict:
    """sigmoid_grad_from_output(s) must return sigma'(x) given only s = sigma(x), element-wise."""
    x = np.array([-30.0, -6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 30.0])
    s, expected = _elementwise(F.sigmoid, x)
    ok, got = attempt(sigmoid_grad_from_output, s.copy())
    if not ok:
        return Verdict(False)
    if not compare("sigmoid'(x)", got, expected, atol=1e-12, rtol=1e-6, inputs=x):
        hint_first_slip(got, [(s * (1 + s), "that is s(1 + s); the derivative is s(1 - s)"),
                              (1 - s * s, "that is tanh's rule 1 - s^2; sigmoid's is s(1 - s)"),
                              (s, "that is s itself; its derivative is s(1 - s)")], atol=1e-10, rtol=1e-6)
        return Verdict(False)
    ok, at_zero = attempt(sigmoid_grad_from_output, np.array([0.5]))
    if not ok or not compare("sigmoid'(0) (from s = 0.5)", at_zero, [0.25]):
        return Verdict(False)
    return passed("sigmoid_grad_from_output agrees with autograd on 11 points from x = -30 to 30 "
                  "(and gives the maximum 1/4 at x = 0)")


def _leaky_relu_slips(x: np.ndarray, slope: float) -> tuple[list, list]:
    """The usual slips of leaky_relu and of its derivative, with what to say about each."""
    values = [(np.maximum(x, 0.0), "that is the plain ReLU: for x < 0, leaky ReLU gives slope * x, not 0."),
              (np.where(x > 0, x, -slope * x), "for x < 0 the output is slope * x, which is negative."),
              (np.where(x > 0, x, 0.01 * x), "use the `slope` argument instead of a fixed 0.01.")]
    derivatives = [(np.where(x > 0, 1.0, 0.0), "that is the ReLU's derivative: for x < 0 it is slope, not 0."),
                   (np.where(x > 0, 1.0, 0.01), "use the `slope` argument instead of a fixed 0.01."),
                   (np.where(x > 0, x, slope * x), "that is leaky_relu itself; its derivative is 1 for x > 0, "
                                                   "slope for x < 0.")]
    return values, derivatives


def check_leaky_relu(leaky_relu: Callable, leaky_relu_grad: Callable) -> Verdict:
    """leaky_relu(x, slope) and leaky_relu_grad(x, slope) on NumPy arrays, against minigrad's F.leaky_relu."""
    x = np.array([-5.0, -2.0, -0.5, -1e-3, 1e-3, 0.5, 2.0, 5.0])
    for slope in (0.01, 0.2):
        expected_y, expected_dy = _elementwise(F.leaky_relu, x, negative_slope=slope)
        value_slips, derivative_slips = _leaky_relu_slips(x, slope)
        ok, y = attempt(leaky_relu, x.copy(), slope, name="leaky_relu")
        if not ok or not compare(f"leaky_relu(x, slope={slope})", y, expected_y, 1e-8, 1e-6, inputs=x):
            if ok:
                hint_first_slip(y, value_slips)
            return Verdict(False)
        ok, y0 = attempt(leaky_relu, np.array([0.0]), slope, name="leaky_relu")
        if not ok or not compare(f"leaky_relu(0, slope={slope})", y0, [0.0]):
            return Verdict(False)
        ok, dy = attempt(leaky_relu_grad, x.copy(), slope, name="leaky_relu_grad")
        if not ok or not compare(f"leaky_relu_grad(x, slope={slope})", dy, expected_dy, 1e-8, 1e-6, inputs=x):
            if ok:
                hint_first_slip(dy, derivative_slips)
            return Verdict(False)
    return passed("leaky_relu and leaky_relu_grad agree with minigrad (values and autograd derivative) "
                  "for slopes 0.01 and 0.2")


def _softmax_jacobian_by_autograd(z: np.ndarray) -> np.ndarray:
    """J[i, j] = d s_i / d z_j, one row per backward pass with a one-hot output gradient."""
    return np.stack([autograd_gradients(F.softmax, [z], upstream=row)[1][0] for row in np.eye(len(z))])


def check_softmax_jacobian(softmax_jacobian: Callable) -> Verdict:
    """softmax_jacobian(z) for a 1-D array z must return the (n, n) matrix J[i, j] = d softmax(z)_i / d z_j."""
    cases = [
        ("z = [2, 1, 0.1]", np.array([2.0, 1.0, 0.1])),
        ("z = 5 random numbers", np.random.default_rng(5).normal(size=5)),
        ("z = [3, 3, 3, 3] (all equal)", np.full(4, 3.0)),
        ("z = [1000, 999, 0] (large logits)", np.array([1000.0, 999.0, 0.0])),
    ]
    for label, z in cases:
        expected = _softmax_jacobian_by_autograd(z)
        with np.errstate(all="ignore"):  # a naive exp(1000) overflows: we report it below, without warnings
            mine = answer(one_array, f"softmax_jacobian({label})", softmax_jacobian, z.copy(), name="softmax_jacobian")
        if mine is None:
            return Verdict(False)
        if mine.shape == expected.shape and not np.all(np.isfinite(mine)):
            return failed(f"softmax_jacobian({label}) holds inf or nan: exp of a large logit overflows. "
                          "Compute softmax from z - max(z) (the same probabilities, and exp never overflows)")
        if not compare(f"softmax_jacobian({label}): entry [i, j] = ds_i/dz_j", mine, expected, atol=1e-10):
            s = F.softmax(Tensor(z)).numpy()
            hint_first_slip(mine, [(-expected, "the sign is flipped: J = diag(s) - s s^T"),
                                   (np.diag(s), "that is only diag(s): subtract the outer product s s^T"),
                                   (-np.outer(s, s), "that is only -s s^T: add diag(s) on the diagonal")],
                            atol=1e-10, rtol=1e-6)
            return Verdict(False)
    return passed("softmax_jacobian matches autograd (one backward pass per row) on 4 inputs, "
                  "large logits included")
