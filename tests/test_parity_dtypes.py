"""Type promotion as in torch (`torch.result_type`): the dtype and the values of every result.

torch's rules: Python scalars are "weak" (they only lift the category: bool < int < float),
a 0-d tensor is weaker than a dimensioned tensor of the same category, int / int is the
default float (float32), and float functions of int tensors give float32. NumPy arrays
behave as tensors of their dtype, NumPy scalars as Python scalars of their kind.
"""
import operator

import numpy as np
import pytest

import minigrad as mg
from parity import assert_same_tensor, dtype_name, to_numpy

torch = pytest.importorskip("torch")

DTYPES = ["bool", "int32", "int64", "float32", "float64"]
LEFT_VALUES = {"b": [True, False, True], "i": [-2, 0, 5], "f": [0.5, -1.25, 2.0]}
RIGHT_VALUES = {"b": [True, True, True], "i": [1, 2, 3], "f": [1.5, 0.25, -2.0]}
OPS = {"+": operator.add, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
       ">=": operator.ge, "==": operator.eq}


class Operand:
    """One operand, built for minigrad and for torch from the same description."""

    def __init__(self, label, mine, theirs):
        self.label, self.mine, self.theirs = label, mine, theirs

    def __repr__(self):
        return self.label


def tensor_operand(dtype, zero_d, right):
    values = (RIGHT_VALUES if right else LEFT_VALUES)[np.dtype(dtype).kind]
    array = np.array(values[1] if zero_d else values, dtype=dtype)
    label = f"{dtype}{'[]' if zero_d else '[3]'}"
    return Operand(label, lambda: mg.tensor(array.copy()), lambda: torch.tensor(array.copy()))


def numpy_operand(dtype, right):
    array = np.array((RIGHT_VALUES if right else LEFT_VALUES)[np.dtype(dtype).kind], dtype=dtype)
    return Operand(f"ndarray({dtype})", lambda: array.copy(), lambda: torch.from_numpy(array.copy()))


SCALARS = [
    Operand("int(3)", lambda: 3, lambda: 3),
    Operand("float(2.5)", lambda: 2.5, lambda: 2.5),
    Operand("bool(True)", lambda: True, lambda: True),
    Operand("np.float64(0.5)", lambda: np.float64(0.5), lambda: 0.5),
    Operand("np.int64(2)", lambda: np.int64(2), lambda: 2),
]


def pairs():
    """(left, right) operand pairs: tensor-tensor, tensor-0d, tensor-scalar, scalar-tensor, tensor-array."""
    out = []
    for a in DTYPES:
        for b in DTYPES:
            out.append((tensor_operand(a, False, False), tensor_operand(b, False, True)))
            out.append((tensor_operand(a, False, False), tensor_operand(b, True, True)))
        for scalar in SCALARS:
            out.append((tensor_operand(a, False, False), scalar))
            out.append((tensor_operand(a, True, False), scalar))
            out.append((scalar, tensor_operand(a, False, True)))
        for b in ["int64", "float32", "float64"]:
            out.append((tensor_operand(a, False, False), numpy_operand(b, True)))
        out.append((numpy_operand(a, False), tensor_operand("float32", False, True)))
    return out


def run(fn, *args):
    try:
        return fn(*args), None
    except Exception as exc:  # torch refuses some combinations (bool ** bool): minigrad must too
        return None, exc


CASES = [(left, op, right) for left, right in pairs() for op in OPS]


@pytest.mark.parametrize("left,op,right", CASES, ids=[f"{a}{op}{b}" for a, op, b in CASES])
def test_binary_result_dtype_and_values_match_torch(left, op, right):
    expected, torch_error = run(OPS[op], left.theirs(), right.theirs())
    if torch_error is not None:
        with pytest.raises(Exception):
            OPS[op](left.mine(), right.mine())
        return
    result = OPS[op](left.mine(), right.mine())
    assert isinstance(result, mg.Tensor), f"{left} {op} {right} gave {type(result).__name__}, not a Tensor"
    assert_same_tensor(result, expected, rtol=1e-6, atol=1e-7, what=f"{left} {op} {right}")


# --- the examples learners meet first -----------------------------------------------------------


def test_arange_times_python_float_is_float32_not_zeros():
    result = mg.arange(5) * 0.1
    assert dtype_name(result) == "float32"
    np.testing.assert_allclose(result.numpy(), (torch.arange(5) * 0.1).numpy())


def test_int_tensor_divided_by_python_float_divides_by_that_float():
    result = mg.Tensor([1, 2, 3]) / 2.5
    assert dtype_name(result) == "float32"
    np.testing.assert_allclose(result.numpy(), [0.4, 0.8, 1.2], rtol=1e-6)


def test_int_tensor_compared_with_python_float_compares_in_float():
    assert (mg.Tensor([0, 1]) >= 0.5).tolist() == [False, True]
    assert (mg.Tensor([0, 1]) < 0.5).tolist() == [True, False]
    assert (mg.Tensor([0, 1]) == 0.5).tolist() == [False, False]


def test_int_divided_by_int_is_float32_not_float64():
    assert dtype_name(mg.Tensor([1, 2]) / mg.Tensor([2, 4])) == "float32"
    assert dtype_name(mg.Tensor([1, 2]) / 2) == "float32"


def test_bool_tensor_plus_int_tensor_is_int64():
    assert dtype_name(mg.Tensor([True, False]) + mg.Tensor([1, 2])) == "int64"


def test_bool_tensor_plus_python_int_is_int64():
    assert dtype_name(mg.Tensor([True, False]) + 1) == "int64"


def test_float32_tensor_with_float64_tensor_is_float64():
    a = mg.tensor(np.ones(2, dtype=np.float32))
    b = mg.tensor(np.ones(2, dtype=np.float64))
    assert dtype_name(a * b) == "float64"


def test_float32_tensor_with_0d_float64_tensor_stays_float32():
    a = mg.tensor(np.ones(2, dtype=np.float32))
    assert dtype_name(a * mg.tensor(np.float64(2.0))) == "float32"


def test_int64_tensor_with_0d_float64_tensor_is_float64():
    assert dtype_name(mg.Tensor([1, 2]) * mg.tensor(np.array(2.0))) == "float64"


def test_float32_tensor_with_python_float_stays_float32():
    assert dtype_name(mg.tensor(np.ones(2, dtype=np.float32)) * 1e-3) == "float32"


def test_float32_tensor_with_float64_numpy_array_is_float64():
    assert dtype_name(mg.tensor(np.ones(2, dtype=np.float32)) + np.ones(2)) == "float64"


def test_int_tensor_with_numpy_float64_scalar_is_float32():
    result = mg.Tensor([1, 2]) * np.float64(0.5)
    assert dtype_name(result) == "float32"
    assert result.tolist() == [0.5, 1.0]


def test_int_tensor_with_numpy_int64_scalar_stays_int():
    a = mg.tensor(np.array([1, 2], dtype=np.int32))
    assert dtype_name(a * np.int64(2)) == "int32"


def test_accuracy_idiom_eq_float_mean():
    pred, y = mg.Tensor([0, 1, 2, 1]), mg.Tensor([0, 1, 1, 1])
    accuracy = (pred == y).float().mean()
    assert dtype_name(accuracy) == "float32"
    assert accuracy.item() == pytest.approx(0.75)


# --- unary functions and reductions ------------------------------------------------------------

FLOAT_FUNCTIONS = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid"]


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64"])
@pytest.mark.parametrize("name", FLOAT_FUNCTIONS)
def test_float_function_of_int_tensor_is_float32(name, dtype):
    array = np.array([1, 2, 4] if dtype != "bool" else [True, False, True], dtype=dtype)
    mine = getattr(mg.tensor(array), name)()
    theirs = getattr(torch.tensor(array), name)()
    assert_same_tensor(mine, theirs, rtol=1e-6, atol=1e-7, what=f"{name}({dtype})")


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("name", ["abs", "relu", "neg"])
def test_integer_preserving_function_keeps_int_dtype(name, dtype):
    array = np.array([-2, 0, 3], dtype=dtype)
    fn = (lambda t: -t) if name == "neg" else (lambda t: getattr(t, name)())
    assert_same_tensor(fn(mg.tensor(array)), fn(torch.tensor(array)), what=f"{name}({dtype})")


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32", "float64"])
def test_sum_dtype_matches_torch(dtype):
    array = np.array([[1, 0, 1], [1, 1, 0]], dtype=dtype)
    assert_same_tensor(mg.tensor(array).sum(), torch.tensor(array).sum(), what=f"sum of {dtype}")
    assert_same_tensor(mg.tensor(array).sum(1), torch.tensor(array).sum(1), what=f"sum(1) of {dtype}")


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64"])
def test_cumsum_of_int_or_bool_is_int64(dtype):
    array = np.array([1, 0, 1], dtype=dtype)
    assert_same_tensor(mg.tensor(array).cumsum(dim=0), torch.tensor(array).cumsum(dim=0))


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_max_of_int_tensor_keeps_its_dtype(dtype):
    array = np.array([3, 7, 1], dtype=dtype)
    assert_same_tensor(mg.tensor(array).max(), torch.tensor(array).max())


@pytest.mark.parametrize("values", [[1, 2, 3], [True, False, True]], ids=["int", "bool"])
def test_mean_of_int_or_bool_tensor_raises_and_suggests_float(values):
    with pytest.raises(RuntimeError):
        torch.tensor(values).mean()
    with pytest.raises(RuntimeError, match=r"\.float\(\)"):
        mg.Tensor(values).mean()


def test_mean_of_float32_tensor_stays_float32():
    assert dtype_name(mg.tensor(np.ones(3, dtype=np.float32)).mean()) == "float32"


def test_comparison_results_are_bool_tensors():
    x = mg.tensor(np.array([1.0, 2.0]))
    for result in (x < 1.5, x <= 1.5, x > 1.5, x >= 1.5, x == 1.0, x != 1.0):
        assert dtype_name(result) == "bool"
        assert not result.requires_grad


def test_int_tensor_times_int_tensor_of_other_width_is_the_wider():
    a = mg.tensor(np.array([1, 2], dtype=np.int32))
    b = mg.tensor(np.array([1, 2], dtype=np.int64))
    assert dtype_name(a * b) == "int64"
    assert to_numpy(a * b).tolist() == [1, 4]
