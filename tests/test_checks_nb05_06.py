"""The checkers of notebooks 05 and 06 explain a wrong answer: the slip it matches, or where it differs."""
import numpy as np
import pytest

from checks_references import (bce_with_logits, cross_entropy_grad, gradient_descent, leaky_relu, leaky_relu_grad,
                               run, softmax_jacobian, stub)
from minigrad_course import checks

# --- notebook 05 ------------------------------------------------------------------------------


@pytest.mark.parametrize("wrong, words", [
    (lambda s: s * (1 + s), ["sigmoid'(x) at x = -6: you have", "Hint: that is s(1 + s)"]),
    (lambda s: 1 - s ** 2, ["tanh's rule"]),
    (lambda s: s, ["that is s itself"]),
    (lambda s: s[:3], ["shape (3,), expected (11,)"]),
])
def test_sigmoid_grad_names_the_slip(wrong, words, capsys):
    ok, out = run(checks.check_sigmoid_grad, wrong, capsys=capsys)
    assert not ok and all(w in out for w in words), out


@pytest.mark.parametrize("value, derivative, words", [
    (lambda x, a: np.maximum(x, 0), leaky_relu_grad,
     ["leaky_relu(x, slope=0.01) at x = -5: you have 0, expected -0.05", "plain ReLU"]),
    (lambda x, a: np.where(x > 0, x, 0.01 * x), leaky_relu_grad, ["slope=0.2", "`slope` argument"]),
    (leaky_relu, lambda x, a: np.where(x > 0, 1.0, 0.0), ["leaky_relu_grad(x, slope=0.01) at x = -5",
                                                        "that is the ReLU's derivative"]),
    (leaky_relu, lambda x, a: np.where(x > 0, 1.0, 0.01), ["slope=0.2", "expected 0.2", "`slope` argument"]),
    (leaky_relu, leaky_relu, ["that is leaky_relu itself"]),
])
def test_leaky_relu_names_the_slip(value, derivative, words, capsys):
    ok, out = run(checks.check_leaky_relu, value, derivative, capsys=capsys)
    assert not ok and all(w in out for w in words), out


def test_leaky_relu_names_the_function_not_done(capsys):
    ok, out = run(checks.check_leaky_relu, leaky_relu, stub, capsys=capsys)
    assert not ok and "leaky_relu_grad is not done yet" in out


def test_softmax_jacobian_overflow(capsys):
    def naive(z):
        s = np.exp(z) / np.exp(z).sum()
        return np.diag(s) - np.outer(s, s)
    ok, out = run(checks.check_softmax_jacobian, naive, capsys=capsys)
    assert not ok and "[1000, 999, 0]" in out and "inf or nan" in out and "max(z)" in out
    assert "RuntimeWarning" not in out


@pytest.mark.parametrize("wrong, words", [
    (lambda z: -softmax_jacobian(z), ["entry [i, j]", "at index (0, 0)", "sign is flipped"]),
    (lambda z: np.diag(np.exp(z) / np.exp(z).sum()), ["only diag(s)"]),
    (lambda z: -np.outer(np.exp(z) / np.exp(z).sum(), np.exp(z) / np.exp(z).sum()), ["only -s s^T"]),
    (lambda z: softmax_jacobian(z)[0], ["shape (3,), expected (3, 3)"]),
])
def test_softmax_jacobian_names_the_slip(wrong, words, capsys):
    ok, out = run(checks.check_softmax_jacobian, wrong, capsys=capsys)
    assert not ok and all(w in out for w in words), out


# --- notebook 06 ---------------------------------------------------------------------------------

def forgot_targets(logits, targets):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return p / len(logits)


@pytest.mark.parametrize("wrong, words", [
    (lambda l, t: cross_entropy_grad(l, t) * len(l), ["4 rows, 3 classes", "N = 4 times too large"]),
    (lambda l, t: -cross_entropy_grad(l, t), ["sign is flipped"]),
    (forgot_targets, ["left out the one-hot targets"]),
])
def test_cross_entropy_grad_names_the_slip(wrong, words, capsys):
    ok, out = run(checks.check_cross_entropy_grad, wrong, capsys=capsys)
    assert not ok and all(w in out for w in words), out


def test_cross_entropy_grad_overflow(capsys):
    def unshifted(logits, targets):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return (p - np.eye(logits.shape[1])[targets]) / len(logits)
    ok, out = run(checks.check_cross_entropy_grad, unshifted, capsys=capsys)
    assert not ok and "large logits" in out and "overflows" in out and "RuntimeWarning" not in out


def test_bce_with_logits_overflow(capsys):
    def naive(z, y):
        p = 1 / (1 + np.exp(-z))
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))
    ok, out = run(checks.check_bce_with_logits, naive, capsys=capsys)
    assert not ok and "z = -1000, y = 0 gives" in out and "log1p" in out and "RuntimeWarning" not in out


@pytest.mark.parametrize("wrong, words", [
    (lambda z, y: np.maximum(z, 0) - z * y, ["bce_with_logits (moderate logits) at z = -4", "log1p(exp(-|z|)) is missing"]),
    (lambda z, y: np.maximum(z, 0) + z * y + np.log1p(np.exp(-np.abs(z))), ["MINUS z*y"]),
    (lambda z, y: np.maximum(z, 0) - z * y + np.log1p(np.exp(-z)), ["take the absolute value inside"]),
    (lambda z, y: np.mean(bce_with_logits(z, y)), ["shape (), expected (8,)", "one loss per element"]),
])
def test_bce_with_logits_names_the_slip(wrong, words, capsys):
    ok, out = run(checks.check_bce_with_logits, wrong, capsys=capsys)
    assert not ok and all(w in out for w in words), out


def test_gradient_descent_names_the_slip(capsys):
    ok, out = run(checks.check_gradient_descent, lambda f, x0, lr, steps: gradient_descent(f, x0, lr, steps)[1:],
                  capsys=capsys)
    assert not ok and "include the starting point" in out
    ok, out = run(checks.check_gradient_descent, lambda f, x0, lr, steps: gradient_descent(f, x0, -lr, steps),
                  capsys=capsys)
    assert not ok and "row t is x_t" in out and "uphill" in out


def test_gradient_descent_must_leave_x0_alone(capsys):
    def in_place(f_and_grad, x0, lr, steps):
        path = [x0.copy()]
        for _ in range(steps):
            x0 -= lr * f_and_grad(x0)[1]
            path.append(x0.copy())
        return np.array(path)
    ok, out = run(checks.check_gradient_descent, in_place, capsys=capsys)
    assert not ok and "changed the x0" in out


def test_gradient_descent_accepts_a_list(capsys):
    def returns_list(f_and_grad, x0, lr, steps):
        return [list(p) for p in gradient_descent(f_and_grad, x0, lr, steps)]
    assert run(checks.check_gradient_descent, returns_list, capsys=capsys)[0]
