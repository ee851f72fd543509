"""Checkers for notebook 05 (activation functions).

Every expected answer comes from minigrad itself: values from
`minigrad.functional`, derivatives from autograd, so a learner's closed form is
checked against backpropagation. The SiLU exercise asks for a derivation, so a
function that calls autograd is turned down, and the derivative must be exact
(a finite difference is not).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from minigrad import functional as F
from minigrad.tensor import Tensor
from .verdict import (EXACT_ATOL, EXACT_RTOL, Verdict, answer, attempt, autograd_gradients, compare, failed,
                      hint_first_slip, hint_if_approximate, label_of, method_allowed, one_array, passed)

__all__ = ["check_leaky_relu", "check_silu_grad", "check_softmax_jacobian"]


def _elementwise(fn: Callable, x: np.ndarray, **params: Any) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x), the derivative by autograd (backward with dL/dy = 1)."""
    y, (dy,) = autograd_gradients(lambda t: fn(t, **params), [x])
    return y, dy


# --- exercise 2: SiLU's derivative, derived ---------------------------------------------------

_SILU_POINTS = np.array([0.5, -1.5, 2.0, -0.5, 1.0, -3.0, 5.0, -1.25, 0.0, 8.0, -8.0, 30.0, -30.0])  # moderate ones first
_BY_DERIVATION = ("for the derivative you derived, as a formula in NumPy: the product rule on x * sigmoid(x), "
                  "with sigmoid' = s(1 - s). Autograd and finite differences only check a derivation; they do "
                  "not replace it.")
_AUTOGRAD_AND_DIFFERENCES = ("Tensor", "Value", "backward", "activation_curve", "plot_activation", "gradcheck",
                             "autograd_gradients", "central_difference", "finite_differences")


def _silu_slips(x: np.ndarray, s: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """The usual wrong derivatives of x * sigmoid(x), each with what to say about it (s = sigmoid(x))."""
    product_rule = "SiLU is a product, x times sigmoid(x): by the product rule its derivative is 1 * s + x * s'(x)"
    return [
        (s * (1 - s), f"that is the sigmoid's own derivative s(1 - s). {product_rule}."),
        (s, f"that is only the first term, 1 * s. {product_rule}, and the second term x s(1 - s) is missing."),
        (x * s * (1 - s), f"that is only the second term, x s(1 - s). {product_rule}: add the first term, s."),
        (s * (1 + x), "the sigmoid's derivative is s(1 - s), not s: the second term is x s(1 - s)."),
        (s * (1 - x * (1 - s)), "a sign: the product rule ADDS the two terms, s + x s(1 - s) = s(1 + x(1 - s))."),
        (x * s, "that is silu(x) itself, x * sigmoid(x), not its derivative."),
    ]


def check_silu_grad(silu_grad: Callable) -> Verdict:
    """silu_grad(x) on a NumPy array must return d/dx [x sigmoid(x)] element-wise, by a derived formula.

    The reference is autograd's product rule through x * F.sigmoid(x), in float64. A formula reaches
    13 significant digits (EXACT_RTOL); a finite difference does not, and calling autograd is refused.
    """
    name = label_of(silu_grad, "silu_grad")
    if not method_allowed(silu_grad, name, _AUTOGRAD_AND_DIFFERENCES, _BY_DERIVATION):
        return Verdict(False)
    x = _SILU_POINTS
    _, (expected,) = autograd_gradients(lambda t: t * F.sigmoid(t), [x])
    with np.errstate(all="ignore"):  # a learner's overflowing exp is reported as a verdict, not a warning
        mine = answer(one_array, f"{name}(x)", silu_grad, x.copy(), name=name)
    if mine is None:
        return Verdict(False)
    if not compare("silu'(x)", mine, expected, atol=EXACT_ATOL, rtol=EXACT_RTOL, inputs=x):
        if not hint_if_approximate(mine, expected, _BY_DERIVATION):
            s = 1.0 / (1.0 + np.exp(-x))
            hint_first_slip(mine, _silu_slips(x, s), atol=1e-10, rtol=1e-6)
        return Verdict(False)
    return passed(f"{name} is right at {len(x)} points from x = -30 to 30: silu'(x) = s(1 + x(1 - s)), "
                  "with s = sigmoid(x) (checked against autograd's product rule).")


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
