"""The scalar engine: every op against finite differences and PyTorch, accumulation, deep chains."""
import math
import random
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import Value
from minigrad.scalar import MLP, Layer, Neuron

try:
    import torch
except ImportError:
    torch = None

positive = st.floats(0.2, 3.0)
anything = st.floats(-3.0, 3.0)

UNARY = {
    "exp": (lambda v: v.exp(), math.exp, "any"),
    "log": (lambda v: v.log(), math.log, "positive"),
    "tanh": (lambda v: v.tanh(), math.tanh, "any"),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x)), "any"),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0), "nonzero"),
    "neg": (lambda v: -v, lambda x: -x, "any"),
    "square": (lambda v: v ** 2, lambda x: x ** 2, "any"),
    "inverse": (lambda v: v ** -1, lambda x: 1 / x, "positive"),
    "rsub": (lambda v: 2 - v, lambda x: 2 - x, "any"),
    "rdiv": (lambda v: 2 / v, lambda x: 2 / x, "positive"),
    "rpow": (lambda v: 2 ** v, lambda x: 2 ** x, "any"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(x=anything)
def test_unary_ops_match_finite_differences(name, x):
    op, reference, domain = UNARY[name]
    if domain == "positive":
        x = abs(x) + 0.2
    if domain == "nonzero" and abs(x) < 0.1:
        x += 0.5
    v = Value(x)
    assert op(v).data == pytest.approx(reference(x), rel=1e-12)
    assert mg.gradcheck(op, [v])


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(a=positive, b=positive)
def test_binary_ops_match_finite_differences_and_torch(name, a, b):
    fn = BINARY[name]
    va, vb = Value(a), Value(b)
    out = fn(va, vb)
    assert mg.gradcheck(fn, [va, vb])
    if torch is not None:
        ta, tb = torch.tensor(a, dtype=torch.float64, requires_grad=True), torch.tensor(b, dtype=torch.float64, requires_grad=True)
        ref = fn(ta, tb)
        ref.backward()
        va.grad = vb.grad = 0.0
        out.backward()
        assert out.data == pytest.approx(ref.item(), rel=1e-12)
        assert va.grad == pytest.approx(ta.grad.item(), rel=1e-10)
        assert vb.grad == pytest.approx(tb.grad.item(), rel=1e-10)


def test_expression_matches_torch():
    """micrograd's sanity check: a long expression with reuse, against PyTorch."""
    if torch is None:
        pytest.skip("torch is not installed")
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (-4.0, 2.0))
    tc = ta + tb
    td = ta * tb + tb ** 3
    tc = tc + tc + 1
    tc = tc + 1 + tc + (-ta)
    td = td + td * 2 + (tb + ta).relu()
    td = td + 3 * td + (tb - ta).relu()
    tg = (tc - td) ** 2 / 2.0
    tg = tg + 10.0 / ((tc - td) ** 2)
    tg.backward()
    assert g.data == pytest.approx(tg.item(), rel=1e-12)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)


def test_reused_node_accumulates():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0


def test_backward_twice_accumulates_into_leaves_only():
    """Documented: leaves accumulate (like PyTorch), intermediates hold the latest pass."""
    x = Value(2.0)
    c = x * 2
    loss = c + c
    loss.backward()
    assert (x.grad, c.grad) == (4.0, 2.0)
    loss.backward()
    assert (x.grad, c.grad) == (8.0, 2.0)


def test_negative_base_with_value_exponent_is_nan_not_a_crash():
    out = Value(-2.0) ** Value(0.5)
    assert math.isnan(out.data)
    out.backward()
    squared = Value(-2.0) ** Value(2.0)
    assert squared.data == 4.0


def test_sigmoid_of_large_inputs_is_finite():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_million_node_chain_backpropagates_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    assert sys.getrecursionlimit() <= 10_000
    y.backward()
    assert y.data == 1_000_001.0
    assert x.grad == 1.0


def test_values_use_slots():
    assert not hasattr(Value(1.0), "__dict__")


def test_mlp_parameters_and_zero_grad():
    model = MLP(3, [4, 4, 1], seed=0)
    assert len(model.parameters()) == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1)
    out = model([1.0, -2.0, 0.5])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_mlp_is_reproducible_with_a_seed():
    a, b = MLP(2, [3, 1], seed=5), MLP(2, [3, 1], seed=5)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_neuron_gradient_matches_finite_differences():
    rng = random.Random(0)
    neuron = Neuron(3, "tanh", rng)
    xs = [Value(v) for v in (0.5, -1.0, 2.0)]
    assert mg.gradcheck(lambda *args: neuron(list(args)), xs)
    params = neuron.parameters()
    assert mg.gradcheck(lambda *ws: (Neuron.__call__(_with(neuron, ws), [0.5, -1.0, 2.0])), params)


def _with(neuron, params):
    clone = Neuron(len(neuron.w), neuron.activation)
    clone.w, clone.b = list(params[:-1]), params[-1]
    return clone


def test_layer_and_neuron_reject_wrong_input_sizes():
    with pytest.raises(ValueError, match="takes 2 inputs, got 3"):
        Layer(2, 3)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="unknown activation"):
        Neuron(2, "swish")


def test_gradcheck_names_the_wrong_value():
    def wrong(a, b):
        out = a * b
        out._local = (b.data, 2 * a.data)  # d/db is wrong
        return out

    with pytest.raises(mg.GradcheckError, match=r"input 1 \(a Value\).*analytic gradient 6.*numeric 3"):
        mg.gradcheck(wrong, [Value(3.0), Value(4.0)])
