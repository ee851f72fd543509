"""Ops at the edges of their domains, against torch: values and gradients at 0, ±inf, nan, ties and empty tensors.

torch's conventions: relu'(0) = 0, abs'(0) = 0, d(x^0)/dx = 0 even at 0, sqrt'(0) = inf,
x.max() with no dim shares the gradient evenly among ties, x.max(dim) sends it to the index it returns.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from parity import assert_close, assert_same_tensor, check, to_numpy

torch = pytest.importorskip("torch")

nan, inf = float("nan"), float("inf")


# --- pow ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pow_zero_has_gradient_zero_even_at_zero(dtype):
    check(lambda L, x: x ** 0, np.array([0.0, -0.0, 1.0, -2.0, nan, inf]), dtype=dtype)


def zeros_for(exponent):
    """0 and 2; -0.0 too for whole exponents (for fractional ones its sign is an implementation detail)."""
    return np.array([0.0, -0.0, 2.0] if float(exponent).is_integer() else [0.0, 2.0])


@pytest.mark.parametrize("exponent", [-1, -2, -0.5, -1.5])
def test_zero_to_a_negative_power(exponent):
    check(lambda L, x: x ** exponent, zeros_for(exponent))


@pytest.mark.parametrize("exponent", [0.5, 1, 1.5, 2, 3])
def test_zero_to_a_positive_power(exponent):
    check(lambda L, x: x ** exponent, zeros_for(exponent))


@pytest.mark.parametrize("exponent", [0.5, 2.5, 2, 3, -1])
def test_negative_base_to_a_number(exponent):
    check(lambda L, x: x ** exponent, np.array([-2.0, -0.5]))


def test_negative_and_zero_base_with_tensor_exponent():
    base = np.array([-2.0, -1.0, 0.0, 0.0, 0.0, 2.0, -2.0])
    exponent = np.array([2.0, 3.0, 0.0, 2.0, -1.0, 1.5, 0.5])
    check(lambda L, a, b: a ** b, base, exponent)


@pytest.mark.parametrize("base", [2.0, 0.5, 0.0, -2.0, 1.0])
def test_python_number_to_a_tensor_power(base):
    check(lambda L, x: base ** x, np.array([-1.0, 0.0, 0.5, 2.0]))


def test_int_tensor_to_a_negative_int_power_raises_like_torch():
    with pytest.raises(RuntimeError):
        torch.tensor([2, 3]) ** -1
    with pytest.raises((RuntimeError, ValueError), match="(?i)negative"):
        mg.tensor([2, 3]) ** -1


def test_int_tensor_to_a_positive_int_power_stays_int():
    assert_same_tensor(mg.tensor([2, -3]) ** 3, torch.tensor([2, -3]) ** 3)


# --- kinks, domains and infinities ---------------------------------------------------------------

SPECIAL = np.array([nan, 0.0, -0.0, -1.0, 1.0, inf, -inf])


@pytest.mark.parametrize("name", ["abs", "relu", "sigmoid", "tanh", "exp", "neg"])
def test_elementwise_at_nan_zero_and_infinities(name):
    fn = (lambda L, x: -x) if name == "neg" else (lambda L, x: getattr(x, name)())
    check(fn, SPECIAL)


@pytest.mark.parametrize("name", ["sqrt", "log"])
def test_sqrt_and_log_at_zero_negative_and_infinity(name):
    check(lambda L, x: getattr(x, name)(), np.array([0.0, -0.0, -1.0, inf, nan, 4.0]))


def test_sqrt_gradient_at_zero_is_inf():
    x = mg.tensor(np.array([0.0]), requires_grad=True)
    x.sqrt().sum().backward()
    assert to_numpy(x.grad)[0] == inf


def test_relu_and_abs_gradients_at_zero_are_zero():
    for name in ("relu", "abs"):
        x = mg.tensor(np.array([0.0]), requires_grad=True)
        getattr(x, name)().sum().backward()
        assert to_numpy(x.grad)[0] == 0.0


@pytest.mark.parametrize("name", ["leaky_relu", "gelu", "silu", "elu", "softplus"])
def test_functional_activation_at_nan_zero_and_infinities(name):
    check(lambda L, x: getattr(L.F, name)(x), SPECIAL)


def test_exp_overflow_and_sigmoid_far_out():
    check(lambda L, x: x.exp(), np.array([709.0, 710.0, -750.0]))
    check(lambda L, x: x.sigmoid(), np.array([800.0, -800.0, 40.0, -40.0]))


# --- softmax ---------------------------------------------------------------------------------

SOFTMAX_ROWS = np.array([
    [0.0, -inf, 1.0], [-inf, -inf, -inf], [inf, 0.0, 1.0], [inf, inf, 0.0], [nan, 0.0, 1.0], [-inf, -inf, 2.0],
])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [-1, 0])
def test_softmax_with_infinite_entries(name, dim):
    check(lambda L, x: getattr(L.F, name)(x, dim), SOFTMAX_ROWS)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((2, 0), -1), ((0, 3), 0), ((0, 3), 1), ((2, 0), 0)],
                         ids=["(2,0) dim=-1", "(0,3) dim=0", "(0,3) dim=1", "(2,0) dim=0"])
def test_softmax_over_a_zero_length_axis(name, shape, dim):
    check(lambda L, x: getattr(L.F, name)(x, dim), np.zeros(shape))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_of_a_0d_tensor(name, dim):
    check(lambda L, x: getattr(L.F, name)(x, dim), np.array(2.5))


# --- max and min: ties and (values, indices) ---------------------------------------------------

TIES = np.array([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 5.0], [0.0, -1.0, 4.0, 4.0]])


@pytest.mark.parametrize("name", ["max", "min"])
def test_full_max_and_min_share_the_gradient_among_ties(name):
    check(lambda L, x: getattr(x, name)(), TIES)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_and_min_with_dim_return_values_and_indices_like_torch(name, dim, keepdim):
    check(lambda L, x: getattr(x, name)(dim, keepdim), TIES)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_with_dim_is_a_named_pair(name):
    x = mg.tensor(TIES)
    result = getattr(x, name)(1)
    values, indices = result
    assert result.values is values and result.indices is indices
    expected = getattr(torch.tensor(TIES), name)(1)
    assert_same_tensor(values, expected.values)
    assert_same_tensor(indices, expected.indices)


def test_max_with_dim_sends_the_gradient_to_the_returned_index_only():
    x = mg.tensor(np.array([[2.0, 7.0, 7.0]]), requires_grad=True)
    values, indices = x.max(1)
    values.sum().backward()
    expected = np.zeros((1, 3))
    expected[0, int(indices.item())] = 1.0
    np.testing.assert_array_equal(to_numpy(x.grad), expected)


# --- empty tensors ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_and_mean_of_an_empty_tensor(name, dtype):
    check(lambda L, x: getattr(x, name)(), np.zeros(0), dtype=dtype)


@pytest.mark.parametrize("shape,dim", [((2, 0), 1), ((0, 3), 0), ((0, 3), 1)],
                         ids=["(2,0) dim=1", "(0,3) dim=0", "(0,3) dim=1"])
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_and_mean_over_an_empty_axis(name, shape, dim):
    check(lambda L, x: getattr(x, name)(dim), np.zeros(shape))


@pytest.mark.parametrize("reduce", [lambda x: x.max(), lambda x: x.min(), lambda x: x.max(1)],
                         ids=["max()", "min()", "max(1)"])
def test_max_of_an_empty_tensor_raises_like_torch(reduce):
    with pytest.raises((RuntimeError, IndexError)):
        reduce(torch.zeros(2, 0))
    with pytest.raises((RuntimeError, ValueError, IndexError), match="(?i)empty|no element|zero|size"):
        reduce(mg.zeros(2, 0))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_loss_of_empty_input(reduction):
    check(lambda L, x, y: L.F.mse_loss(x, y, reduction=reduction), np.zeros(0), np.zeros(0))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_binary_cross_entropy_of_empty_input(reduction):
    check(lambda L, x, y: L.F.binary_cross_entropy(x, y, reduction=reduction), np.zeros(0), np.zeros(0))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_of_empty_input(reduction):
    check(lambda L, x, t: L.F.cross_entropy(x, t, reduction=reduction), np.zeros((0, 3)), np.zeros(0, dtype=np.int64))


# --- odd but valid axes and indices -------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{"axis": np.int64(1)}, {"dim": np.int64(1)}, {"dim": np.int32(-1)}],
                         ids=["axis=np.int64(1)", "dim=np.int64(1)", "dim=np.int32(-1)"])
def test_reduction_over_a_numpy_integer_axis(kwargs):
    check(lambda L, x: x.sum(**kwargs),
          np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("reduce", [
    lambda x: x.sum(-1), lambda x: x.sum(0), lambda x: x.mean(-1), lambda x: x.sum((0,)),
    lambda x: x.logsumexp(0), lambda x: x.max(0),
], ids=["sum(-1)", "sum(0)", "mean(-1)", "sum((0,))", "logsumexp(0)", "max(0)"])
def test_reduction_of_a_0d_tensor_over_dim_0_or_minus_1(reduce):
    check(lambda L, x: reduce(x), np.array(2.5))


def test_reduction_of_a_0d_tensor_over_dim_1_raises_index_error():
    with pytest.raises(IndexError):
        torch.tensor(2.5).sum(1)
    with pytest.raises(IndexError):
        mg.tensor(2.5).sum(1)


@pytest.mark.parametrize("shape", [(3,), (3, 2)], ids=str)
def test_indexing_with_an_empty_list(shape):
    check(lambda L, x: x[[]], np.ones(shape))


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
@pytest.mark.parametrize("in_features,out_features", [(0, 3), (3, 0)])
def test_linear_with_zero_features_forward_and_backward(in_features, out_features):
    mine = nn.Linear(in_features, out_features)
    theirs = torch.nn.Linear(in_features, out_features)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(mine.weight.numpy()))
        theirs.bias.copy_(torch.tensor(mine.bias.numpy()))
    x = np.zeros((4, in_features), dtype=np.float32)
    out, tout = mine(mg.tensor(x)), theirs(torch.tensor(x))
    assert_same_tensor(out, tout.detach())
    out.sum().backward()
    tout.sum().backward()
    assert_close(mine.weight.grad, theirs.weight.grad, 0, 0, "weight.grad")
    assert_close(mine.bias.grad, theirs.bias.grad, 0, 0, "bias.grad")
