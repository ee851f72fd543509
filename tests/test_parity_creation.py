"""Making tensors as torch does: dtypes of data and helpers, exact values in the requested dtype, copies."""
import numpy as np
import pytest

import minigrad as mg
from parity import assert_same_tensor, dtype_name

torch = pytest.importorskip("torch")


def test_python_float_built_in_float64_is_exact():
    assert mg.tensor([0.044715], dtype="float64").item() == 0.044715


def test_python_float_scalar_built_in_float64_is_exact():
    assert mg.tensor(0.1, dtype="float64").item() == 0.1
    assert mg.Tensor([1e-300, 0.3], dtype="float64").tolist() == [1e-300, 0.3]


def test_large_python_int_built_in_float64_is_exact():
    assert mg.tensor([2 ** 53], dtype="float64").item() == 2.0 ** 53


def test_tensor_of_numpy_array_copies_it():
    source = np.array([1.0, 2.0, 3.0])
    t = mg.tensor(source)
    source[0] = 100.0
    assert t.tolist() == [1.0, 2.0, 3.0]


def test_tensor_of_numpy_array_keeps_its_dtype():
    for dtype in ["float64", "float32", "int32", "int64", "bool"]:
        source = np.zeros(2, dtype=dtype)
        assert dtype_name(mg.tensor(source)) == dtype_name(torch.tensor(source))


@pytest.mark.parametrize("data", [
    [1.0, 2.0], [1, 2], [True, False], [1, 2.5], [True, 2], [[1, 2], [3, 4]], 3, 3.0, True, [],
    np.float64(0.5), np.int32(5),
], ids=repr)
def test_python_data_dtype_matches_torch_tensor(data):
    assert_same_tensor(mg.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("make", [
    lambda L: L.zeros(2, 3), lambda L: L.zeros((2, 3)), lambda L: L.ones(4), lambda L: L.ones((2,)),
    lambda L: L.full((2,), 3), lambda L: L.full((2,), 3.0), lambda L: L.full((2,), True),
    lambda L: L.arange(5), lambda L: L.arange(0.0, 5), lambda L: L.arange(1, 2.5, 0.5),
    lambda L: L.arange(0, 1, 0.1), lambda L: L.arange(1, 1.3, 0.1), lambda L: L.arange(10, 0, -3),
    lambda L: L.zeros(0), lambda L: L.ones(2, 0),
], ids=["zeros(2,3)", "zeros((2,3))", "ones(4)", "ones((2,))", "full int", "full float", "full bool",
        "arange(5)", "arange(0.0,5)", "arange(1,2.5,0.5)", "arange(0,1,0.1)", "arange(1,1.3,0.1)",
        "arange(10,0,-3)", "zeros(0)", "ones(2,0)"])
def test_creation_helper_dtype_shape_and_values_match_torch(make):
    assert_same_tensor(make(mg), make(torch), rtol=1e-6)


@pytest.mark.parametrize("name", ["zeros", "ones", "randn", "rand"])
def test_creation_helper_default_dtype_is_float32(name):
    assert dtype_name(getattr(mg, name)(2, 3)) == "float32"
    assert getattr(mg, name)(2, 3).shape == (2, 3)


@pytest.mark.parametrize("name", ["zeros", "ones", "randn", "rand"])
def test_creation_helper_honours_dtype_float64(name):
    assert dtype_name(getattr(mg, name)(2, dtype="float64")) == "float64"


def test_full_with_float64_dtype_is_exact():
    assert mg.full((1,), 0.1, dtype="float64").item() == 0.1


def test_arange_with_float64_dtype_is_exact():
    assert mg.arange(0, 1, 0.1, dtype="float64").tolist() == torch.arange(0, 1, 0.1, dtype=torch.float64).tolist()


def test_rand_lies_in_unit_interval_and_randn_is_standard():
    mg.manual_seed(0)
    u, z = mg.rand(10000).numpy(), mg.randn(10000).numpy()
    assert 0.0 <= u.min() and u.max() < 1.0
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05


def test_creation_helpers_accept_requires_grad():
    for t in (mg.zeros(2, requires_grad=True), mg.ones(2, requires_grad=True), mg.randn(2, requires_grad=True)):
        assert t.requires_grad and t.is_leaf


def test_int_tensor_cannot_require_grad():
    with pytest.raises((TypeError, RuntimeError)):
        mg.tensor([1, 2], requires_grad=True)
