"""The checkers of notebook 04 reject wrong answers saying which gradient and which factor, and exercise 1
(the deltas from the formulas) turns down Value, backward() and a finite difference."""
import math

import pytest

from checks_references import (PARAM_NAMES as KEYS, hidden_deltas, run, squared_error_gradients, train_per_example,
                               xor_loss as _loss)
from minigrad import Value
from minigrad_course.checks import check_hidden_deltas, check_squared_error_gradients, check_train_per_example


def test_squared_error_accepts_values_instead_of_floats(capsys):
    def as_values(*args):
        return {k: Value(g) for k, g in squared_error_gradients(*args).items()}
    assert run(check_squared_error_gradients, as_values, capsys=capsys)[0]


# --- exercise 1: which delta is wrong, and which factor -------------------------


def test_hidden_deltas_missing_tanh_derivative(capsys):
    def forgot(W, b, v, c, x, y):
        hs = [math.tanh(sum(w * xi for w, xi in zip(row, x)) + bj) for row, bj in zip(W, b)]
        p = 1 / (1 + math.exp(-(sum(vj * h for vj, h in zip(v, hs)) + c)))
        return [(p - y) * vj for vj in v]
    assert not check_hidden_deltas(forgot)
    out = capsys.readouterr().out
    assert "delta_1 is" in out and "delta_2 is" in out and "off by" in out
    assert "1 - h_j^2" in out


def test_hidden_deltas_wrong_sign(capsys):
    assert not check_hidden_deltas(lambda *a: [-d for d in hidden_deltas(*a)])
    assert "wrong sign" in capsys.readouterr().out


def test_hidden_deltas_names_the_one_wrong_unit(capsys):
    def third_wrong(*args):
        d = hidden_deltas(*args)
        if len(d) >= 3:
            d[2] += 0.01
        return d
    assert not check_hidden_deltas(third_wrong)
    out = capsys.readouterr().out
    assert "test 2 (3 hidden units" in out and "delta_3 is" in out and "delta_1 is" not in out


def test_hidden_deltas_wrong_length(capsys):
    assert not check_hidden_deltas(lambda *a: hidden_deltas(*a)[:1])
    assert "expected 2 numbers (delta_1, delta_2), got 1 value" in capsys.readouterr().out


def hidden_deltas_by_autograd(W, b, v, c, x, y):
    zs = [Value(sum(w * xi for w, xi in zip(row, x)) + bj) for row, bj in zip(W, b)]
    p = (sum((vj * z.tanh() for vj, z in zip(v, zs)), Value(c))).sigmoid()
    (-(y * p.log() + (1 - y) * (1 - p).log())).backward()
    return [z.grad for z in zs]


def test_hidden_deltas_turns_down_autograd(capsys):
    ok, out = run(check_hidden_deltas, hidden_deltas_by_autograd, capsys=capsys)
    assert not ok and out.count("\n") == 1
    assert "uses `Value` and `backward`" in out and "deltas from the formulas" in out


def test_hidden_deltas_turns_down_a_finite_difference(capsys):
    """dL/dz_j = dL/db_j, so a central difference in the biases gives the deltas to about 10 digits."""
    def loss(W, b, v, c, x, y):
        hs = [math.tanh(sum(w * xi for w, xi in zip(row, x)) + bj) for row, bj in zip(W, b)]
        p = 1 / (1 + math.exp(-(sum(vj * h for vj, h in zip(v, hs)) + c)))
        return -(y * math.log(p) + (1 - y) * math.log(1 - p))

    def numeric(W, b, v, c, x, y, h=1e-5):
        shifted = [[bi + (h if i == j else 0.0) for i, bi in enumerate(b)] for j in range(len(b))]
        back = [[bi - (h if i == j else 0.0) for i, bi in enumerate(b)] for j in range(len(b))]
        return [(loss(W, up, v, c, x, y) - loss(W, down, v, c, x, y)) / (2 * h) for up, down in zip(shifted, back)]
    ok, out = run(check_hidden_deltas, numeric, capsys=capsys)
    assert not ok and "delta_1 is" in out and "close, but not exact" in out and "deltas from the formulas" in out


# --- exercise 2: which gradient is wrong ------------------------------------------


def test_squared_error_names_the_wrong_gradient(capsys):
    def w21_wrong(P, x, y):
        g = squared_error_gradients(P, x, y)
        g["w21"] += 0.5
        return g
    assert not check_squared_error_gradients(w21_wrong)
    out = capsys.readouterr().out
    assert "dL/dw21" in out and "off by 0.5" in out and "dL/dw11" not in out
    assert "output layer (v1, v2, c) is right" in out


def test_squared_error_half_gradients(capsys):
    assert not check_squared_error_gradients(
        lambda P, x, y: {k: g / 2 for k, g in squared_error_gradients(P, x, y).items()})
    assert "half" in capsys.readouterr().out


def test_squared_error_wrong_sign(capsys):
    assert not check_squared_error_gradients(
        lambda P, x, y: {k: -g for k, g in squared_error_gradients(P, x, y).items()})
    assert "wrong sign: dL/dy_hat = 2 (y_hat - y), not 2 (y - y_hat)" in capsys.readouterr().out


def test_squared_error_missing_key(capsys):
    def no_c(P, x, y):
        g = squared_error_gradients(P, x, y)
        del g["c"]
        return g
    assert not check_squared_error_gradients(no_c)
    assert "no key 'c'" in capsys.readouterr().out


def test_squared_error_not_a_dict(capsys):
    assert not check_squared_error_gradients(lambda P, x, y: [0.0] * 9)
    assert "expected a dict" in capsys.readouterr().out


# --- exercise 3: the usual training-loop mistakes -------------------------------


def test_train_full_batch_is_recognised(capsys):
    def full_batch(params, X, Y, lr, epochs):
        P = dict(params)
        for _ in range(epochs):
            V = {k: Value(P[k]) for k in KEYS}
            loss = sum((_loss(V, x, y) for x, y in zip(X, Y)), Value(0.0)) / len(X)
            loss.backward()
            P = {k: P[k] - lr * V[k].grad for k in KEYS}
        return P
    assert not check_train_per_example(full_batch)
    assert "full-batch" in capsys.readouterr().out


def test_train_gradient_ascent_is_recognised(capsys):
    assert not check_train_per_example(lambda P, X, Y, lr, e: train_per_example(P, X, Y, -lr, e))
    assert "with a minus" in capsys.readouterr().out


def test_train_without_zeroing_grads_is_recognised(capsys):
    def accumulates(params, X, Y, lr, epochs):
        V = {k: Value(params[k]) for k in KEYS}
        for _ in range(epochs):
            for x, y in zip(X, Y):
                _loss(V, x, y).backward()
                for p in V.values():
                    p.data -= lr * p.grad
        return V
    assert not check_train_per_example(accumulates)
    assert "reset every .grad" in capsys.readouterr().out


def test_train_unchanged_params(capsys):
    assert not check_train_per_example(lambda P, X, Y, lr, e: dict(P))
    assert "did not change" in capsys.readouterr().out


def test_train_other_mistake_names_a_parameter(capsys):
    def reversed_order(params, X, Y, lr, epochs):
        return train_per_example(params, X[::-1], Y[::-1], lr, epochs)
    assert not check_train_per_example(reversed_order)
    out = capsys.readouterr().out
    assert "after 1 epoch on XOR" in out and "expected" in out and "of 9 parameters differ" in out


@pytest.mark.parametrize("check", [check_hidden_deltas, check_squared_error_gradients, check_train_per_example])
def test_forgotten_return_is_named(check, capsys):
    ok, out = run(check, lambda *args: None, capsys=capsys)
    assert not ok and "forget `return`" in out
