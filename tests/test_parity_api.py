"""torch's names and Python protocols on tensors: dim/keepdim beside axis/keepdims, elementwise ==,
hashing by identity, float()/int()/bool(), np.asarray, dtype casts and what they do to the graph."""
import numpy as np
import pytest

import minigrad as mg
from parity import assert_same_tensor, check, dtype_name, to_numpy

torch = pytest.importorskip("torch")

DATA = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 3.0, -2.0, 0.0], [-0.5, 0.75, 1.0, 2.5]])

# keyword style -> (dim, keepdim) that torch is called with
STYLES = {
    "dim=1": ({"dim": 1}, 1, False),
    "axis=1": ({"axis": 1}, 1, False),
    "dim=0, keepdim=True": ({"dim": 0, "keepdim": True}, 0, True),
    "axis=0, keepdims=True": ({"axis": 0, "keepdims": True}, 0, True),
    "dim=-1, keepdim=True": ({"dim": -1, "keepdim": True}, -1, True),
    "positional 1": ({}, 1, False),
}
KEEPDIM_REDUCTIONS = ["sum", "mean", "max", "min", "var", "std", "logsumexp", "argmax"]


def call(x, name, kwargs, positional):
    return getattr(x, name)(1, **kwargs) if positional else getattr(x, name)(**kwargs)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", KEEPDIM_REDUCTIONS)
def test_reduction_accepts_torch_and_numpy_argument_names(name, style):
    kwargs, dim, keepdim = STYLES[style]
    positional = style.startswith("positional")

    def fn(L, x):
        if L.name == "torch":
            return getattr(x, name)(dim=dim, keepdim=keepdim)
        return call(x, name, kwargs, positional)
    check(fn, DATA)


@pytest.mark.parametrize("kwargs", [{"dim": 1}, {"axis": 1}, {"dim": -2}, {"axis": 0}], ids=str)
def test_cumsum_accepts_dim_and_axis(kwargs):
    dim = kwargs.get("dim", kwargs.get("axis"))
    check(lambda L, x: x.cumsum(dim=dim) if L.name == "torch" else x.cumsum(**kwargs), DATA)


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "logsumexp"])
def test_reduction_over_a_tuple_of_dims(name):
    check(lambda L, x: getattr(x, name)(dim=(0, 1), keepdim=True), DATA.reshape(3, 2, 2))


def test_argmax_without_dim_is_the_flat_index():
    assert_same_tensor(mg.tensor(DATA).argmax(), torch.tensor(DATA).argmax())


# --- transpose and permute ----------------------------------------------------------------------


@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (-2, -1), (0, -1)], ids=str)
def test_transpose_swaps_two_dims_like_torch(dims):
    check(lambda L, x: x.transpose(*dims), np.arange(18.0).reshape(3, 2, 3))


def test_transpose_of_a_matrix_and_T():
    check(lambda L, x: x.transpose(0, 1) + x.T.T.transpose(1, 0), DATA)


@pytest.mark.parametrize("dims", [(2, 0, 1), ((2, 0, 1),), (-1, 0, 1)], ids=str)
def test_permute_takes_dims_as_arguments_or_a_tuple(dims):
    check(lambda L, x: x.permute(*dims), np.arange(24.0).reshape(2, 3, 4))


# --- == and != --------------------------------------------------------------------------------


@pytest.mark.parametrize("other", [lambda L: L.const(np.array([1.0, 0.0, 3.0])), lambda L: 3.0, lambda L: 1,
                                   lambda L: np.array([1.0, 2.0, 0.0])], ids=["tensor", "float", "int", "ndarray"])
@pytest.mark.parametrize("op", ["==", "!="])
def test_eq_and_ne_are_elementwise_bool_tensors(op, other):
    def fn(L, x):
        y = other(L)
        if L.name == "torch" and isinstance(y, np.ndarray):
            y = torch.tensor(y)
        return (x == y) if op == "==" else (x != y)
    check(fn, np.array([1.0, 2.0, 3.0]))


def test_eq_broadcasts():
    a, b = np.array([[1, 2], [3, 4]]), np.array([1, 4])
    assert_same_tensor(mg.tensor(a) == mg.tensor(b), torch.tensor(a) == torch.tensor(b))


def test_tensors_stay_hashable_by_identity():
    a, b = mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0])
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    assert len({a, b}) == 2 and a in {a}
    assert hash(a) != hash(b) or a is not b


def test_parameters_can_be_dict_keys_as_optimizers_need():
    model = mg.nn.Linear(2, 2)
    state = {p: i for i, p in enumerate(model.parameters())}
    assert [state[p] for p in model.parameters()] == list(range(len(state)))


# --- float(), int(), bool() and conditions ------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)], ids=str)
def test_float_int_bool_of_one_element(shape):
    for value in (2.7, -2.7, 0.0):
        x, tx = mg.tensor(np.full(shape, value)), torch.tensor(np.full(shape, value))
        assert float(x) == float(tx)
        assert int(x) == int(tx)
        assert bool(x) is bool(tx)


def test_bool_of_a_zero_is_false():
    assert bool(mg.Tensor([0.0])) is False
    assert bool(mg.tensor(0)) is False
    assert bool(mg.Tensor([False])) is False


def test_bool_of_several_elements_is_ambiguous():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(torch.tensor([-1.0, 2.0]) > 0)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mg.Tensor([-1.0, 2.0]) > 0)


def test_if_on_a_multi_element_comparison_raises():
    with pytest.raises(RuntimeError, match="ambiguous"):
        if mg.Tensor([-1.0, 2.0]) > 0:
            pass


def test_if_on_a_0d_loss_comparison_works():
    loss = mg.tensor(np.float32(0.005))
    taken = False
    if loss < 0.01:
        taken = True
    assert taken
    if mg.tensor(np.float32(0.5)) < 0.01:
        taken = False
    assert taken


def test_float_of_several_elements_raises():
    with pytest.raises((ValueError, RuntimeError, TypeError)):
        float(mg.Tensor([1.0, 2.0]))


def test_float_of_a_tensor_that_requires_grad_works():
    x = mg.tensor(np.array(1.5), requires_grad=True)
    assert float(x * 2) == 3.0


# --- NumPy interop ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_np_asarray_gives_the_values_and_dtype(dtype):
    x = mg.tensor(np.array([1, 0, 2]).astype(dtype))
    array = np.asarray(x)
    assert array.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(array, np.array([1, 0, 2]).astype(dtype))


def test_np_asarray_with_a_dtype_and_np_functions():
    x = mg.tensor(np.array([1.0, 4.0], dtype=np.float32))
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    np.testing.assert_allclose(np.sqrt(np.asarray(x)), [1.0, 2.0])
    assert np.array(x).shape == (2,)


# --- dtype casts -------------------------------------------------------------------------------

CASTS = ["float", "double", "long", "int", "bool"]


@pytest.mark.parametrize("source", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("cast", CASTS)
def test_dtype_casts_match_torch(cast, source):
    values = np.array([-1.7, 0.0, 2.7, 0.4]) if source.startswith("float") else np.array([1, 0, 3, 0])
    array = values.astype(source)
    assert_same_tensor(getattr(mg.tensor(array), cast)(), getattr(torch.tensor(array), cast)())


@pytest.mark.parametrize("cast", ["float", "double"])
def test_float_casts_keep_the_graph(cast):
    check(lambda L, x: getattr(x, cast)() * 2, np.array([1.0, -2.0]))
    check(lambda L, x: getattr(x, cast)() * 2, np.array([1.0, -2.0], dtype=np.float32))


def test_gradient_through_a_cast_has_the_leaf_dtype():
    x = mg.tensor(np.array([1.0, -2.0]), requires_grad=True)
    (x.float() * 3).sum().backward()
    assert np.asarray(x.grad).dtype == np.float64
    np.testing.assert_array_equal(to_numpy(x.grad), [3.0, 3.0])


@pytest.mark.parametrize("make", [
    lambda x: x.astype("int64"), lambda x: x.long(), lambda x: x.int(), lambda x: x.bool(),
    lambda x: x > 0, lambda x: x == 0, lambda x: x.argmax(), lambda x: x.max(dim=0).indices,
], ids=["astype(int64)", "long", "int", "bool", "x > 0", "x == 0", "argmax", "max().indices"])
def test_integer_and_bool_results_do_not_require_grad(make):
    x = mg.tensor(np.array([1.5, -2.0, 0.0]), requires_grad=True)
    result = make(x)
    assert not result.requires_grad
    assert dtype_name(result) in ("int64", "int32", "bool")


def test_to_same_device_on_a_non_leaf_keeps_the_graph():
    check(lambda L, x: (x * 2).to("cpu") * x, np.array([1.0, 2.0]))


def test_to_cpu_of_a_leaf_keeps_requires_grad():
    x = mg.tensor(np.array([1.0]), requires_grad=True)
    assert x.to("cpu").requires_grad
