"""Notebook 08's backward-pass exercises: the checkers accept the learner's own formulas (in any
spelling), reject plausible wrong ones naming the wrong gradient and the slip, and refuse autograd."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from checks_references import cross_entropy_backward, mlp_backward, run
from minigrad_course.checks import check_cross_entropy_backward, check_mlp_backward
from minigrad_course.checks import nb08


def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def one_hot(y, c):
    return np.eye(c)[y]


# --- exercise 1: softmax + cross-entropy over a batch --------------------------------------


def test_references_equal_autograd_and_central_differences():
    rng = np.random.default_rng(0)
    logits, targets = rng.normal(size=(7, 5)), rng.integers(0, 5, 7)
    assert np.allclose(cross_entropy_backward(logits, targets), nb08._ce_reference(logits, targets), atol=1e-14)
    inputs = nb08._mlp_inputs(rng, 6, 5, 4, 3)
    by_hand = nb08._mlp_by_hand(*inputs)
    for mine, ref in zip(by_hand, nb08._mlp_reference(*inputs)):
        assert np.allclose(mine, ref, atol=1e-14)
    assert nb08._agrees_with_central_differences(nb08._mlp_loss(*inputs[:2]), inputs[2:], by_hand, rng) is None
    wrong = [g * 1.001 for g in by_hand]  # 0.1% off: central differences see it
    assert nb08._agrees_with_central_differences(nb08._mlp_loss(*inputs[:2]), inputs[2:], wrong, rng) is not None


def test_cross_entropy_accepts_other_spellings(capsys):
    def with_log_softmax(z, y):
        log_p = z - z.max(1, keepdims=True)
        log_p = log_p - np.log(np.exp(log_p).sum(1, keepdims=True))
        return (np.exp(log_p) - one_hot(y, z.shape[1])) / len(y)
    assert check_cross_entropy_backward(with_log_softmax)
    assert check_cross_entropy_backward(lambda z, y: mg.Tensor(cross_entropy_backward(z, y)))
    assert check_cross_entropy_backward(lambda z, y: cross_entropy_backward(z, y).tolist())


@pytest.mark.parametrize("wrong, message", [
    (lambda z, y: softmax_rows(z) - one_hot(y, z.shape[1]), "N = 6 times too large"),
    (lambda z, y: softmax_rows(z) / len(y), "subtract the one-hot targets"),
    (lambda z, y: (np.exp(z) / np.exp(z).sum(axis=0, keepdims=True) - one_hot(y, z.shape[1])) / len(y),
     "normalises each column, over the batch (axis 0)"),
    (lambda z, y: (one_hot(y, z.shape[1]) - softmax_rows(z)) / len(y), "the sign"),
    (lambda z, y: (softmax_rows(z) - one_hot(y, z.shape[1])) / z.shape[1], "not by C = 4"),
    (lambda z, y: (softmax_rows(z) - one_hot(y, z.shape[1]))[0], "the gradient of a single example"),
    (lambda z, y: (softmax_rows(z) - one_hot(y, z.shape[1])).sum(axis=0) / len(y), "added up the rows"),
    (lambda z, y: None, "forget `return`"),
])
def test_cross_entropy_names_the_slip(wrong, message, capsys):
    ok, out = run(check_cross_entropy_backward, wrong, capsys=capsys)
    assert not ok
    assert out.startswith("❌ test 1 (N=6 examples, C=4 classes)") and message in out, out


def test_cross_entropy_without_keepdims_is_caught_on_the_square_test(capsys):
    def no_keepdims(z, y):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        if z.shape[0] != z.shape[1]:
            return (e / e.sum(axis=1, keepdims=True) - one_hot(y, z.shape[1])) / len(y)
        return (e / e.sum(axis=1) - one_hot(y, z.shape[1])) / len(y)  # runs only when N = C
    ok, out = run(check_cross_entropy_backward, no_keepdims, capsys=capsys)
    assert not ok and "test 2 (N=4" in out and "keepdims=True" in out, out


def test_cross_entropy_overflow_is_explained(capsys):
    def no_shift(z, y):
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True) - one_hot(y, z.shape[1])) / len(y)
    ok, out = run(check_cross_entropy_backward, no_shift, capsys=capsys)
    assert not ok and "test 4" in out and "nan or inf" in out and "largest logit" in out, out


def test_cross_entropy_by_autograd_is_refused(capsys):
    def by_autograd(z, y):
        t = mg.Tensor(z, requires_grad=True)
        F.cross_entropy(t, y).backward()
        return t.grad
    ok, out = run(check_cross_entropy_backward, by_autograd, capsys=capsys)
    assert not ok and "`backward`" in out and "from its formula" in out, out


# --- exercise 2: a whole MLP -------------------------------------------------------------------


def mlp_variant(slip=""):
    """mlp_backward with one slip."""
    def fn(X, y, W1, b1, W2, b2):
        n = len(y)
        Z1 = X @ W1.T + b1
        H = np.maximum(Z1, 0.0)
        dZ2 = (softmax_rows(H @ W2.T + b2) - one_hot(y, W2.shape[0])) / (1 if slip == "no 1/N" else n)
        dH = dZ2 @ W2
        mask = {"mask from dH": dH > 0, "times H": H, "no mask": 1.0}.get(slip, Z1 > 0)
        dZ1 = dH * mask
        dW1 = X.T @ dZ1 if slip == "dW1 transposed" else dZ1.T @ X
        dW2 = H.T @ dZ2 if slip == "dW2 transposed" else dZ2.T @ H
        db1 = dZ1.mean(axis=0) if slip == "db1 averaged" else dZ1.sum(axis=0)
        db2 = dZ2 if slip == "db2 per example" else dZ2.sum(axis=0)
        if slip == "order":
            return dW2, db2, dW1, db1
        return dW1, db1, dW2, db2
    return fn


def test_mlp_accepts_tensors_and_float32(capsys):
    assert check_mlp_backward(lambda *a: tuple(mg.Tensor(g) for g in mlp_backward(*a)))
    assert check_mlp_backward(mlp_variant())


@pytest.mark.parametrize("slip, test, message", [
    ("dW1 transposed", 1, "dW1 is transposed"),
    ("dW2 transposed", 1, "dW2 is transposed"),
    ("db2 per example", 1, "db2 has one row per example"),
    ("db1 averaged", 1, "averaged over the batch for db1"),
    ("no 1/N", 1, "N = 20 times too large"),
    ("mask from dH", 1, "You took it from the gradient dH"),
    ("times H", 1, "multiplied dH by the ReLU's output"),
    ("no mask", 1, "derivative is missing"),
    ("order", 1, "order (dW1, db1, dW2, db2)"),
])
def test_mlp_names_the_wrong_gradient_and_the_slip(slip, test, message, capsys):
    ok, out = run(check_mlp_backward, mlp_variant(slip), capsys=capsys)
    assert not ok
    assert out.startswith(f"❌ test {test} (") and message in out, out


def test_mlp_names_the_first_wrong_gradient_and_lists_the_rest(capsys):
    ok, out = run(check_mlp_backward, mlp_variant("no mask"), capsys=capsys)
    assert not ok and ": dW1 at index" in out and "also wrong: db1" in out, out
    ok, out = run(check_mlp_backward, mlp_variant("no 1/N"), capsys=capsys)
    assert not ok and ": dW2 at index" in out and "also wrong: db2, dW1, db1" in out, out


def test_mlp_transposed_weight_gradient_caught_on_the_square_network(capsys):
    def transposed_when_square(X, y, W1, b1, W2, b2):
        dW1, db1, dW2, db2 = mlp_backward(X, y, W1, b1, W2, b2)
        return (dW1.T if dW1.shape[0] == dW1.shape[1] else dW1), db1, dW2, db2
    ok, out = run(check_mlp_backward, transposed_when_square, capsys=capsys)
    assert not ok and "test 2 (a square network" in out and "dW1 is transposed" in out, out


def test_mlp_by_autograd_is_refused(capsys):
    def by_autograd(X, y, W1, b1, W2, b2):
        leaves = [mg.Tensor(a, requires_grad=True) for a in (W1, b1, W2, b2)]
        w1, c1, w2, c2 = leaves
        F.cross_entropy(F.relu(mg.Tensor(X) @ w1.T + c1) @ w2.T + c2, y).backward()
        return tuple(leaf.grad for leaf in leaves)
    ok, out = run(check_mlp_backward, by_autograd, capsys=capsys)
    assert not ok and "`backward`" in out and "`cross_entropy`" in out, out


def test_mlp_calling_an_unfinished_exercise_1_says_which(capsys):
    def cross_entropy_backward(logits, targets):
        raise NotImplementedError

    def mlp_backward(X, y, W1, b1, W2, b2):
        Z1 = X @ W1.T + b1
        return cross_entropy_backward(np.maximum(Z1, 0) @ W2.T + b2, y)
    ok, out = run(check_mlp_backward, mlp_backward, capsys=capsys)
    assert not ok and "not done yet" in out and "calls `cross_entropy_backward`, which is not done yet" in out, out
