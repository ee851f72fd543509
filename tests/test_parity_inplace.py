"""In-place updates as in torch: the same object and its data change, views see it, the graph stays right.

torch's rules: in place on a leaf that requires grad is an error outside `no_grad`; in place on a
non-leaf is recorded in the graph; changing in place a tensor that a recorded op saved for its
backward makes that backward fail ("modified by an inplace operation"); the result keeps the
tensor's dtype, so an int tensor cannot take a float result.
"""
import operator

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from parity import assert_close, assert_same_tensor, dtype_name, to_numpy

torch = pytest.importorskip("torch")

INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv}


def both(values, dtype="float64"):
    array = np.array(values, dtype=dtype)
    return mg.tensor(array.copy()), torch.tensor(array.copy())


@pytest.mark.parametrize("op", INPLACE)
def test_inplace_operator_updates_the_same_object(op):
    x, tx = both([1.0, 2.0, 3.0])
    alias = x
    x = INPLACE[op](x, 2.0)
    INPLACE[op](tx, 2.0)
    assert x is alias
    assert_same_tensor(alias, tx)


@pytest.mark.parametrize("op", INPLACE)
def test_inplace_operator_with_a_tensor_broadcasts_into_self(op):
    x, tx = both([[1.0, 2.0], [3.0, 4.0]])
    alias = x
    other = np.array([2.0, 4.0])
    x = INPLACE[op](x, mg.tensor(other))
    INPLACE[op](tx, torch.tensor(other))
    assert x is alias
    assert_same_tensor(alias, tx)


@pytest.mark.parametrize("op", INPLACE)
def test_inplace_operator_keeps_float32_dtype_with_a_float64_operand(op):
    x, tx = both([1.0, 2.0], dtype="float32")
    other = np.array([0.5, 0.25])
    x = INPLACE[op](x, mg.tensor(other))
    INPLACE[op](tx, torch.tensor(other))
    assert_same_tensor(x, tx)


def test_inplace_into_a_smaller_shape_raises_like_torch():
    with pytest.raises(RuntimeError):
        t = torch.ones(3)
        t += torch.ones(2, 3)
    x = mg.ones(3)
    with pytest.raises((RuntimeError, ValueError)):
        x += mg.ones(2, 3)


@pytest.mark.parametrize("op", ["+=", "*=", "/="])
def test_int_tensor_inplace_with_float_raises_like_torch(op):
    with pytest.raises(RuntimeError):
        INPLACE[op](torch.tensor([1, 2]), 2.5)
    x = mg.tensor([1, 2])
    with pytest.raises((RuntimeError, TypeError), match="(?i)float|cast"):
        INPLACE[op](x, 2.5)


def test_int_tensor_inplace_with_int_stays_int():
    x = mg.tensor([1, 2])
    x += 3
    x *= 2
    assert dtype_name(x) == "int64" and x.tolist() == [8, 10]


def test_zero_returns_self_and_zeroes_the_data():
    x = mg.tensor(np.array([1.0, 2.0]))
    assert x.zero_() is x
    assert x.tolist() == [0.0, 0.0]


def test_fill_returns_self_and_fills_the_data():
    x = mg.tensor(np.array([1.0, 2.0]))
    assert x.fill_(7.5) is x
    assert x.tolist() == [7.5, 7.5]


def test_view_of_a_row_sees_an_inplace_update_of_its_base():
    x, tx = both([[1.0, 2.0], [3.0, 4.0]])
    v, tv = x[0], tx[0]
    x += 1
    tx += 1
    assert_same_tensor(v, tv)


def test_view_of_a_slice_sees_zero_of_its_base():
    x, tx = both([1.0, 2.0, 3.0, 4.0])
    v, tv = x[1:3], tx[1:3]
    x.zero_()
    tx.zero_()
    assert_same_tensor(v, tv)


def test_inplace_update_of_a_view_changes_its_base():
    x, tx = both([[1.0, 2.0], [3.0, 4.0]])
    v, tv = x[1], tx[1]
    v *= 10
    tv *= 10
    assert_same_tensor(x, tx)


@pytest.mark.parametrize("name,index,value", [
    ("mask", lambda t: t > 2, 0.0),
    ("slice", lambda t: slice(1, 3), np.array([10.0, 20.0])),
    ("list", lambda t: [0, 2], 5.0),
    ("int", lambda t: 1, -1.0),
    ("row_of_2d", lambda t: (slice(None), 0), 9.0),
], ids=["x[x > 2] = 0", "x[1:3] = t", "x[[0, 2]] = 5", "x[1] = -1", "x[:, 0] = 9"])
def test_item_assignment_matches_torch(name, index, value):
    data = np.array([1.0, 2.0, 3.0, 4.0])
    if name == "row_of_2d":
        data = data.reshape(2, 2)
    x, tx = both(data)
    alias = x
    x[index(x)] = mg.tensor(value) if isinstance(value, np.ndarray) else value
    tx[index(tx)] = torch.tensor(value) if isinstance(value, np.ndarray) else value
    assert x is alias
    assert_same_tensor(x, tx)


def test_item_assignment_of_float_into_int_tensor_keeps_int_like_torch():
    x, tx = both([1, 2, 3], dtype="int64")
    x[0] = 7.9
    tx[0] = 7.9
    assert_same_tensor(x, tx)


def test_sgd_step_under_no_grad_changes_the_model():
    mg.manual_seed(0)
    model = nn.Linear(3, 2)
    before = [p.numpy().copy() for p in model.parameters()]
    x = mg.tensor(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32))
    model(x).sum().backward()
    lr = 0.1
    grads = [to_numpy(p.grad).copy() for p in model.parameters()]
    with mg.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    for p, b, g in zip(model.parameters(), before, grads):
        np.testing.assert_allclose(p.numpy(), b - lr * g, rtol=1e-6)
    assert model.weight is model.parameters()[0] and model.weight.requires_grad and model.weight.is_leaf


def test_zero_grad_style_update_under_no_grad_keeps_leaf_and_records_nothing():
    w = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with mg.no_grad():
        w *= 0.5
    assert w.is_leaf and w.requires_grad
    assert w.tolist() == [0.5, 1.0]
    (w * w).sum().backward()
    np.testing.assert_allclose(to_numpy(w.grad), [1.0, 2.0])


@pytest.mark.parametrize("action", [
    lambda w: operator.iadd(w, 1.0), lambda w: operator.isub(w, 1.0), lambda w: operator.imul(w, 2.0),
    lambda w: operator.itruediv(w, 2.0),
    lambda w: w.zero_(), lambda w: w.fill_(1.0), lambda w: w.__setitem__(0, 5.0),
], ids=["+=", "-=", "*=", "/=", "zero_", "fill_", "setitem"])
def test_inplace_on_a_leaf_that_requires_grad_raises_and_says_why(action):
    with pytest.raises(RuntimeError, match="leaf"):
        action(torch.tensor([1.0, 2.0], requires_grad=True))
    w = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="(?s)leaf.*no_grad"):
        action(w)
    assert w.tolist() == [1.0, 2.0]


def test_inplace_on_a_non_leaf_is_part_of_the_graph():
    x, tx = both([1.0, 2.0])
    x.requires_grad_(True)
    tx.requires_grad_(True)
    y, ty = x * 2, tx * 2
    y += 1
    ty += 1
    y.sum().backward()
    ty.sum().backward()
    assert_same_tensor(y, ty.detach())
    assert_close(x.grad, tx.grad, 0, 0, "x.grad")


def test_inplace_multiply_on_a_non_leaf_scales_the_gradient():
    x = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2
    y *= 3
    y.sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [6.0, 6.0])


def test_item_assignment_on_a_non_leaf_blocks_the_gradient_there():
    x, tx = both([1.0, 2.0, 3.0])
    x.requires_grad_(True)
    tx.requires_grad_(True)
    y, ty = x * 2, tx * 2
    y[1] = 0.0
    ty[1] = 0.0
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert_close(x.grad, tx.grad, 0, 0, "x.grad")


def test_item_assignment_of_a_tensor_into_a_non_leaf_sends_it_the_gradient():
    x, tx = both([1.0, 2.0, 3.0])
    v, tv = both([5.0])
    for t in (x, tx, v, tv):
        t.requires_grad_(True)
    y, ty = x * 1, tx * 1
    y[0:1] = v * 3
    ty[0:1] = tv * 3
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert_close(x.grad, tx.grad, 0, 0, "x.grad")
    assert_close(v.grad, tv.grad, 0, 0, "v.grad")


def test_modifying_a_tensor_saved_for_backward_then_backward_raises():
    x = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2
    z = y * y  # the product needs y for its backward
    y += 1
    with pytest.raises(RuntimeError, match="(?i)in-?place"):
        z.sum().backward()


def test_changing_an_ops_own_output_in_place_keeps_the_old_value_for_its_backward():
    """A documented difference: PyTorch refuses this backward (sigmoid saved its output);
    minigrad's in-place op records a new node and the old output stays in the graph, so the
    gradient is computed, and is the right one: d(2 sigmoid(x))/dx = 2 s (1 - s)."""
    x = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    s = x.sigmoid()
    s *= 2
    s.sum().backward()
    sig = 1 / (1 + np.exp(-np.array([1.0, 2.0])))
    np.testing.assert_allclose(x.grad, 2 * sig * (1 - sig), rtol=1e-12)


def test_using_a_tensor_changed_in_place_in_the_graph_is_refused_even_by_an_add():
    """A documented difference: PyTorch lets an op that saved nothing (+) go on; minigrad's graph
    links tensors, not versions of them, so after y += 1 the edge from z would lead to the new y.
    It refuses instead of giving a wrong gradient, and says what to do."""
    x = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2
    z = y + 1
    y += 1
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation.*out-of-place"):
        z.sum().backward()


def test_inplace_under_no_grad_does_not_track_a_non_leaf():
    x = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2
    with mg.no_grad():
        y += 100
    assert y.tolist() == [102.0, 104.0]
    y.sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [2.0, 2.0])


def test_setitem_with_mixed_indices_follows_torch_axis_order():
    x, tx = both(np.zeros((2, 3, 4)))
    value = np.arange(6.0).reshape(3, 2)
    x[0, :, [0, 1]] = mg.tensor(value)
    tx[0, :, [0, 1]] = torch.tensor(value)
    assert_same_tensor(x, tx)
