"""The checkers of notebook 04 accept the reference solutions, reject wrong ones saying where, and spot stubs."""
import math

import pytest

from minigrad import Value
from minigrad_course.checks import check_hidden_deltas, check_squared_error_gradients, check_train_per_example

KEYS = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")


# --- reference solutions, as in the notebook ----------------------------------


def hidden_deltas(W, b, v, c, x, y):
    hs = [math.tanh(sum(w * xi for w, xi in zip(row, x)) + bj) for row, bj in zip(W, b)]
    s = sum(vj * h for vj, h in zip(v, hs)) + c
    p = 1 / (1 + math.exp(-s))
    return [(p - y) * vj * (1 - h * h) for vj, h in zip(v, hs)]


def squared_error_gradients(P, x, y):
    h1 = math.tanh(P["w11"] * x[0] + P["w12"] * x[1] + P["b1"])
    h2 = math.tanh(P["w21"] * x[0] + P["w22"] * x[1] + P["b2"])
    y_hat = P["v1"] * h1 + P["v2"] * h2 + P["c"]
    d_out = 2 * (y_hat - y)
    d1, d2 = d_out * P["v1"] * (1 - h1 ** 2), d_out * P["v2"] * (1 - h2 ** 2)
    return dict(w11=d1 * x[0], w12=d1 * x[1], w21=d2 * x[0], w22=d2 * x[1], b1=d1, b2=d2,
                v1=d_out * h1, v2=d_out * h2, c=d_out)


def _loss(V, x, y):
    h1 = (V["w11"] * x[0] + V["w12"] * x[1] + V["b1"]).tanh()
    h2 = (V["w21"] * x[0] + V["w22"] * x[1] + V["b2"]).tanh()
    p = (V["v1"] * h1 + V["v2"] * h2 + V["c"]).sigmoid()
    return -(y * p.log() + (1 - y) * (1 - p).log())


def train_per_example(params, X, Y, lr, epochs):
    P = dict(params)
    for _ in range(epochs):
        for x, y in zip(X, Y):
            V = {k: Value(P[k]) for k in KEYS}
            _loss(V, x, y).backward()
            P = {k: P[k] - lr * V[k].grad for k in KEYS}
    return P


def stub(*args):
    raise NotImplementedError


# --- accepting the right answer -------------------------------------------------


@pytest.mark.parametrize("check, solution", [
    (check_hidden_deltas, hidden_deltas),
    (check_squared_error_gradients, squared_error_gradients),
    (check_train_per_example, train_per_example),
])
def test_accepts_reference(check, solution, capsys):
    assert check(solution)
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("check", [check_hidden_deltas, check_squared_error_gradients, check_train_per_example])
def test_stub_is_not_done_yet(check, capsys):
    assert not check(stub)
    out = capsys.readouterr().out
    assert "not done yet" in out and "Traceback" not in out


@pytest.mark.parametrize("check", [check_hidden_deltas, check_squared_error_gradients, check_train_per_example])
def test_crash_is_reported(check, capsys):
    def crashes(*args):
        return 1 / 0
    assert not check(crashes)
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_accepts_values_instead_of_floats(capsys):
    def as_values(*args):
        return [Value(d) for d in hidden_deltas(*args)]
    assert check_hidden_deltas(as_values)


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
    assert "expected 2 deltas" in capsys.readouterr().out


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


# --- every answer is a Verdict (a notebook shows no stray True/False) ---------------

@pytest.mark.parametrize("check, solution", [
    (check_hidden_deltas, hidden_deltas),
    (check_squared_error_gradients, squared_error_gradients),
    (check_train_per_example, train_per_example),
])
def test_every_answer_is_a_verdict(check, solution, capsys):
    from minigrad_course.checks.verdict import Verdict

    def crashes(*args):
        return 1 / 0
    for fn in (solution, stub, crashes, lambda *args: None, lambda *args: "nonsense"):
        result = check(fn)
        assert isinstance(result, Verdict), f"{check.__name__} returned {type(result).__name__} for {fn}"
    capsys.readouterr()


@pytest.mark.parametrize("check", [check_hidden_deltas, check_squared_error_gradients, check_train_per_example])
def test_forgotten_return_is_named(check, capsys):
    assert not check(lambda *args: None)
    assert "forget `return`" in capsys.readouterr().out
