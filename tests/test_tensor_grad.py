"""Every tensor op's gradient against float64 central differences and against PyTorch.

Each test runs twice: on NumPy and on the strict array API namespace.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, mutually_broadcastable_shapes

import minigrad as mg
import minigrad.functional as F
from helpers import grads_match_torch, leaf, torch

pytestmark = pytest.mark.usefixtures("cpu_namespace")

finite = st.floats(-2, 2, allow_nan=False, width=64)
small_shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
pair_shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def away_from_zero(a, margin=0.1):
    """Push values off 0 where a kink (relu, abs) would make finite differences meaningless."""
    return np.where(np.abs(a) < margin, np.sign(a + 1e-12) * margin + a, a)


def data(shape, draw, low=-2.0, high=2.0, unique=False):
    elements = st.floats(low, high, allow_nan=False, width=64)
    if unique:  # spread apart, so that a max is never tied within finite-difference reach
        elements = st.integers(-1000, 1000).map(lambda k: k / 250.0)
    return draw(arrays(np.float64, shape, elements=elements, unique=unique))


UNARY = {
    "exp": (lambda x: x.exp(), lambda x: x.exp(), None),
    "log": (lambda x: x.log(), lambda x: x.log(), "positive"),
    "sqrt": (lambda x: x.sqrt(), lambda x: x.sqrt(), "positive"),
    "tanh": (lambda x: x.tanh(), lambda x: x.tanh(), None),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: x.sigmoid(), None),
    "relu": (lambda x: x.relu(), lambda x: x.relu(), "kink"),
    "abs": (lambda x: x.abs(), lambda x: x.abs(), "kink"),
    "neg": (lambda x: -x, lambda x: -x, None),
    "pow3": (lambda x: x ** 3, lambda x: x ** 3, None),
    "pow_half": (lambda x: x ** 0.5, lambda x: x ** 0.5, "positive"),
    "rsub": (lambda x: 1.5 - x, lambda x: 1.5 - x, None),
    "rdiv": (lambda x: 2.0 / x, lambda x: 2.0 / x, "positive"),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: torch.nn.functional.leaky_relu(x, 0.1), "kink"),
    "gelu": (F.gelu, lambda x: torch.nn.functional.gelu(x), None),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda x: torch.nn.functional.gelu(x, approximate="tanh"), None),
}


def prepare(a, domain):
    if domain == "positive":
        return np.abs(a) + 0.5
    if domain == "kink":
        return away_from_zero(a)
    return a


@pytest.mark.parametrize("name", sorted(UNARY))
@given(st.data())
def test_unary_gradients(name, data_):
    ours, theirs, domain = UNARY[name]
    a = prepare(data(data_.draw(small_shapes), data_.draw), domain)
    assert mg.gradcheck(ours, [leaf(a)])
    grads_match_torch(ours, theirs, [a])


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(st.data())
def test_binary_gradients_with_broadcasting(name, data_):
    shapes = data_.draw(pair_shapes).input_shapes
    a, b = (data(s, data_.draw) for s in shapes)
    if name in ("div", "pow"):
        a, b = np.abs(a) + 0.5, (np.abs(b) + 0.5 if name == "div" else b)
    fn = BINARY[name]
    assert mg.gradcheck(fn, [leaf(a), leaf(b)])
    grads_match_torch(fn, fn, [a, b])


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin"])
@given(st.data())
def test_reductions(op, data_):
    shape = data_.draw(array_shapes(min_dims=1, max_dims=3, max_side=4))
    a = data(shape, data_.draw, unique=op in ("amax", "amin"))
    axis = data_.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    keepdims = data_.draw(st.booleans())

    def ours(x):
        return getattr(x, op)(axis=axis, keepdims=keepdims)

    def theirs(x):
        dims = tuple(range(x.ndim)) if axis is None else axis
        return getattr(torch, op)(x, dim=dims, keepdim=keepdims)

    assert mg.gradcheck(ours, [leaf(a)])
    grads_match_torch(ours, theirs, [a])


def test_amax_splits_the_gradient_among_ties():
    x = leaf([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x.amax(axis=1).sum().backward()
    np.testing.assert_allclose(x._backend.to_numpy(x.grad), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    grads_match_torch(lambda t: t.max(), lambda t: torch.amax(t), [[1.0, 3.0, 3.0]])


MATMUL_SHAPES = [
    ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_gradients_1d_2d_batched(shapes, rng):
    a, b = (rng.normal(size=s) for s in shapes)
    assert mg.gradcheck(lambda x, y: x @ y, [leaf(a), leaf(b)])
    grads_match_torch(lambda x, y: x @ y, lambda x, y: x @ y, [a, b])


INDEXES = {
    "slice": (slice(1, 3),),
    "step_and_column": (slice(None, None, 2), 1),
    "negative": (-1,),
    "repeated_rows": (np.array([0, 2, 0, 0]),),
    "pairs_with_repeats": (np.array([0, 1, 0]), np.array([2, 2, 2])),
    "rows_then_slice": (np.array([3, 3]), slice(0, 2)),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_indexing_scatter_adds_repeated_indices(name, rng):
    index = INDEXES[name]
    a = rng.normal(size=(4, 3))
    ours = lambda x: x[index]  # noqa: E731
    theirs = lambda x: x[tuple(torch.as_tensor(i) if isinstance(i, np.ndarray) else i for i in index)]  # noqa: E731
    assert mg.gradcheck(ours, [leaf(a)])
    grads_match_torch(ours, theirs, [a])


def test_repeated_index_accumulates():
    x = leaf([1.0, 2.0, 3.0])
    x[np.array([0, 0, 0, 2])].sum().backward()
    np.testing.assert_allclose(x._backend.to_numpy(x.grad), [3.0, 0.0, 1.0])


SHAPE_OPS = {
    "reshape": (lambda x: x.reshape(3, 8), lambda x: x.reshape(3, 8)),
    "reshape_tuple": (lambda x: x.reshape((4, -1)), lambda x: x.reshape((4, -1))),
    "permute": (lambda x: x.permute(1, 0, 2), lambda x: x.permute(1, 0, 2)),
    "transpose": (lambda x: x.transpose(0, 2), lambda x: x.transpose(0, 2)),
    "T": (lambda x: x.T, lambda x: x.permute(2, 1, 0)),
    "concat": (lambda x: mg.concatenate([x, x * 2], axis=1), lambda x: torch.cat([x, x * 2], dim=1)),
    "stack": (lambda x: mg.stack([x, x.exp()], axis=-1), lambda x: torch.stack([x, x.exp()], dim=-1)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_ops(name, rng):
    ours, theirs = SHAPE_OPS[name]
    a = rng.normal(size=(2, 3, 4))
    assert mg.gradcheck(ours, [leaf(a)])
    grads_match_torch(ours, theirs, [a])


def test_astype_casts_gradient_back():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == x.dtype
    np.testing.assert_allclose(x._backend.to_numpy(x.grad), [3.0, 3.0])


@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_is_x_times_w_transposed_plus_b(with_bias, rng):
    x, w, b = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4,))
    arrays = [x, w, b] if with_bias else [x, w]
    assert mg.gradcheck(F.linear, [leaf(a) for a in arrays])
    grads_match_torch(F.linear, torch.nn.functional.linear if torch else None, arrays)


def test_linear_on_batched_input_matches_matmul(rng):
    x, w, b = rng.normal(size=(2, 5, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4,))
    assert mg.gradcheck(F.linear, [leaf(x), leaf(w), leaf(b)])


def test_linear_shape_error_names_the_features():
    with pytest.raises(mg.ShapeError, match=r"input of shape \(2, 5\) has 5 features.*expects 3"):
        F.linear(mg.zeros(2, 5), mg.zeros(4, 3))
