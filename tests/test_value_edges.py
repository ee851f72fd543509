"""The scalar engine `Value` at the edges of float arithmetic, against 0-d float64 torch tensors.

torch gives inf and nan where float arithmetic does (1/0, exp(1000), log(0)) and never raises;
Value follows, for its values and its gradients.
"""
import math

import numpy as np
import pytest

from minigrad import Value

torch = pytest.importorskip("torch")

nan, inf = float("nan"), float("inf")


def same_number(mine: float, theirs: float, rtol: float = 1e-12) -> bool:
    if math.isnan(theirs):
        return math.isnan(mine)
    if math.isinf(theirs) or theirs == 0.0:
        return mine == theirs
    return math.isclose(mine, theirs, rel_tol=rtol, abs_tol=0.0)


def check_scalar(fn, *numbers, rtol: float = 1e-12):
    """fn on Values and on 0-d float64 torch tensors: the result and each input's gradient agree."""
    values = [Value(n) for n in numbers]
    tensors = [torch.tensor(float(n), dtype=torch.float64, requires_grad=True) for n in numbers]
    out = fn(*values)
    ref = fn(*tensors)
    assert same_number(out.data, ref.item(), rtol), f"value {out.data}, torch gives {ref.item()}"
    out.backward()
    ref.backward()
    for i, (v, t) in enumerate(zip(values, tensors)):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert same_number(v.grad, expected, rtol), f"gradient of input {i}: {v.grad}, torch gives {expected}"


@pytest.mark.parametrize("x", [0.0, 2.0, -3.0])
def test_power_zero_has_gradient_zero(x):
    check_scalar(lambda a: a ** 0, x)


def test_power_zero_at_zero_is_one_with_gradient_zero():
    a = Value(0.0)
    out = a ** 0
    out.backward()
    assert out.data == 1.0 and a.grad == 0.0


@pytest.mark.parametrize("a,b", [(1.0, 0.0), (-1.0, 0.0), (0.0, 0.0), (1.0, -0.0)])
def test_division_by_zero_gives_inf_or_nan_without_raising(a, b):
    check_scalar(lambda x, y: x / y, a, b)


def test_division_by_a_tiny_number_does_not_raise():
    out = Value(1.0) / Value(1e-170)
    assert out.data == pytest.approx(1e170) or out.data == inf
    check_scalar(lambda x, y: x / y, 1.0, 1e-170)


def test_reflected_division_by_zero():
    check_scalar(lambda x: 1.0 / x, 0.0)


@pytest.mark.parametrize("x", [1000.0, 710.0, -1000.0])
def test_exp_overflow_and_underflow(x):
    check_scalar(lambda a: a.exp(), x)


def test_exp_of_1000_is_inf():
    assert Value(1000.0).exp().data == inf


@pytest.mark.parametrize("x,n", [(-1e200, 3), (1e200, 2), (1e200, 3), (-1e200, 2), (1e-200, -2)])
def test_power_overflow_keeps_the_sign(x, n):
    check_scalar(lambda a: a ** n, x)


def test_cube_of_minus_1e200_is_minus_inf():
    assert (Value(-1e200) ** 3).data == -inf


@pytest.mark.parametrize("x", [0.0, -1.0, inf])
def test_log_at_zero_negative_and_inf(x):
    check_scalar(lambda a: a.log(), x)


@pytest.mark.parametrize("x,n", [(0.0, -1), (0.0, -2), (0.0, 0.5), (0.0, -0.5), (-8.0, 1 / 3), (-2.0, 2.5)])
def test_power_at_zero_and_of_negative_bases(x, n):
    check_scalar(lambda a: a ** n, x)


@pytest.mark.parametrize("a,b", [(-2.0, 2.0), (0.0, 0.0), (0.0, 2.0), (0.0, -1.0), (2.0, -1.5), (-2.0, 0.5)])
def test_power_with_a_value_exponent(a, b):
    check_scalar(lambda x, y: x ** y, a, b)


@pytest.mark.parametrize("base", [2.0, 0.0, -2.0])
def test_number_to_a_value_power(base):
    check_scalar(lambda x: base ** x, 1.5)


@pytest.mark.parametrize("name,x", [
    ("relu", 0.0), ("relu", nan), ("relu", -0.0), ("relu", inf),
    ("tanh", inf), ("tanh", -inf), ("tanh", 1000.0), ("tanh", nan),
    ("sigmoid", inf), ("sigmoid", -inf), ("sigmoid", 1000.0), ("sigmoid", -1000.0), ("sigmoid", nan),
    ("exp", -inf), ("exp", nan), ("log", nan),
])
def test_activation_at_the_edges(name, x):
    check_scalar(lambda a: getattr(a, name)(), x)


@pytest.mark.parametrize("a,b", [(1e308, 10.0), (1e-200, 1e-200), (inf, 0.0), (inf, -inf)])
def test_products_that_overflow_underflow_or_are_undefined(a, b):
    check_scalar(lambda x, y: x * y, a, b)


def test_sum_of_opposite_infinities_is_nan():
    check_scalar(lambda x, y: x + y, inf, -inf)


EXPRESSIONS = {
    "tanh(a*b + exp(c)) / (a - c)**2": lambda a, b, c: (a * b + c.exp()).tanh() / (a - c) ** 2,
    "sigmoid(a) * log(b*b + 1) - c**3": lambda a, b, c: a.sigmoid() * (b * b + 1).log() - c ** 3,
    "relu(a - b) * (c + 2) ** -1.5": lambda a, b, c: (a - b).relu() * (c * c + 2) ** -1.5,
    "a reused: (a*a + a) / (1 + a*b*c)": lambda a, b, c: (a * a + a) / (1 + a * b * c),
    "(a ** b) with a > 0 and a neural unit": lambda a, b, c: ((a * a + 0.5) ** b + (2 * a - c).tanh()) * 3 - 1,
    "numbers on the left: 2 - a, 3 / b, 2 ** c": lambda a, b, c: (2 - a) * (3 / b) + 2 ** c,
}


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("name", EXPRESSIONS)
def test_gradients_of_expressions_match_torch(name, seed):
    a, b, c = np.random.default_rng(seed).normal(size=3) * 1.5
    check_scalar(EXPRESSIONS[name], float(a), float(b), float(c), rtol=1e-7)


def test_backward_twice_leaves_accumulate_and_intermediates_hold_the_last_call():
    """Two losses from one intermediate y = 3x: y.grad is the last loss's gradient, x.grad the sum."""
    x = Value(2.0)
    y = x * 3
    (y * 2).backward()
    (y * 5).backward()
    assert x.grad == 21.0
    assert y.grad == 5.0


def test_backward_twice_on_one_graph_doubles_leaf_grads_like_torch():
    x = Value(0.5)
    tx = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    out, ref = (x * x.exp()).tanh(), (tx * tx.exp()).tanh()
    out.backward()
    out.backward()
    ref.backward(retain_graph=True)
    ref.backward()
    assert same_number(x.grad, tx.grad.item(), 1e-9)
