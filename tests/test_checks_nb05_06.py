"""The checkers of notebooks 05 and 06 explain a wrong answer: the slip it matches, or where it differs."""
import numpy as np
import pytest

import minigrad.functional as F
from checks_references import (bce_with_logits, gradient_descent, leaky_relu, leaky_relu_grad, run, silu_grad,
                               softmax_jacobian, softmax_mse_grad, stub)
from minigrad import Tensor
from minigrad_course import checks

# --- notebook 05 ------------------------------------------------------------------------------


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("wrong, words", [
    (lambda x: sigmoid(x) * (1 - sigmoid(x)), ["silu'(x) at x = 0.5: you have", "the sigmoid's own derivative",
                                                "product rule"]),
    (sigmoid, ["only the first term, 1 * s", "x s(1 - s) is missing"]),
    (lambda x: x * sigmoid(x) * (1 - sigmoid(x)), ["only the second term", "add the first term, s"]),
    (lambda x: sigmoid(x) * (1 + x), ["derivative is s(1 - s), not s"]),
    (lambda x: sigmoid(x) * (1 - x * (1 - sigmoid(x))), ["a sign", "ADDS the two terms"]),
    (lambda x: x * sigmoid(x), ["silu(x) itself"]),
    (lambda x: silu_grad(x)[:3], ["shape (3,), expected (13,)"]),
])
def test_silu_grad_names_the_slip(wrong, words, capsys):
    ok, out = run(checks.check_silu_grad, wrong, capsys=capsys)
    assert not ok and all(w in out for w in words), out


def test_silu_grad_accepts_another_form_of_the_formula(capsys):
    def written_otherwise(x):
        s = np.exp(x) / (1 + np.exp(x))
        return s + x * s * (1 - s)
    ok, out = run(checks.check_silu_grad, written_otherwise, capsys=capsys)
    assert ok, out


def test_silu_grad_refuses_autograd(capsys):
    def by_autograd(x):
        t = Tensor(x, requires_grad=True)
        F.silu(t).backward(np.ones_like(x))
        return t.grad
    ok, out = run(checks.check_silu_grad, by_autograd, capsys=capsys)
    assert not ok and "uses `Tensor` and `backward`" in out and "product rule" in out, out


def test_silu_grad_refuses_a_finite_difference(capsys):
    def central(x, h=1e-5):
        silu = lambda t: t * sigmoid(t)  # noqa: E731
        return (silu(x + h) - silu(x - h)) / (2 * h)
    ok, out = run(checks.check_silu_grad, central, capsys=capsys)
    assert not ok and "close, but not exact" in out and "the derivative you derived" in out, out


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

def probabilities(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def onehot(logits, targets):
    return np.eye(logits.shape[1])[targets]


@pytest.mark.parametrize("wrong, words", [
    (lambda l, t: (probabilities(l) - onehot(l, t)) / len(l),
     ["4 rows, 3 classes", "the cross-entropy gradient (p - y)/N", "does not cancel"]),
    (lambda l, t: 2 * (probabilities(l) - onehot(l, t)) / l.size, ["that is g = dL/dp", "must still go through"]),
    (lambda l, t: 2 * (probabilities(l) - onehot(l, t)) / l.size * probabilities(l) * (1 - probabilities(l)),
     ["only the diagonal of the softmax Jacobian"]),
    (lambda l, t: softmax_mse_grad(l, t) * l.shape[1], ["C = 3 times too large", "N * C entries"]),
    (lambda l, t: softmax_mse_grad(l, t) / 2, ["factor 2"]),
    (lambda l, t: -softmax_mse_grad(l, t), ["sign is flipped"]),
    (lambda l, t: softmax_mse_grad(l, t)[0], ["shape (3,), expected (4, 3)"]),
])
def test_softmax_mse_grad_names_the_slip(wrong, words, capsys):
    ok, out = run(checks.check_softmax_mse_grad, wrong, capsys=capsys)
    assert not ok and all(w in out for w in words), out


def test_softmax_mse_grad_overflow(capsys):
    def unshifted(logits, targets):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        g = 2 * (p - onehot(logits, targets)) / p.size
        return p * (g - (g * p).sum(axis=1, keepdims=True))
    ok, out = run(checks.check_softmax_mse_grad, unshifted, capsys=capsys)
    assert not ok and "large logits" in out and "overflows" in out and "RuntimeWarning" not in out


def test_softmax_mse_grad_accepts_the_full_jacobian(capsys):
    def by_jacobian(logits, targets):
        p = probabilities(logits)
        g = 2 * (p - onehot(logits, targets)) / p.size
        return np.stack([(np.diag(pn) - np.outer(pn, pn)).T @ gn for pn, gn in zip(p, g)])
    ok, out = run(checks.check_softmax_mse_grad, by_jacobian, capsys=capsys)
    assert ok, out


def test_softmax_mse_grad_refuses_autograd_and_finite_differences(capsys):
    def by_autograd(logits, targets):
        z = Tensor(logits, requires_grad=True)
        F.mse_loss(F.softmax(z, dim=1), onehot(logits, targets)).backward()
        return z.grad
    ok, out = run(checks.check_softmax_mse_grad, by_autograd, capsys=capsys)
    assert not ok and "uses `Tensor` and `backward`" in out, out

    def central(logits, targets, h=1e-6):
        loss = lambda z: np.mean((probabilities(z) - onehot(z, targets)) ** 2)  # noqa: E731
        grad = np.zeros_like(logits)
        for index in np.ndindex(logits.shape):
            step = np.zeros_like(logits)
            step[index] = h
            grad[index] = (loss(logits + step) - loss(logits - step)) / (2 * h)
        return grad
    ok, out = run(checks.check_softmax_mse_grad, central, capsys=capsys)
    assert not ok and "close, but not exact" in out, out


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
