"""Each `.grad` is its own writable array; leaves accumulate over backward calls, as in torch."""
import numpy as np
import pytest

import minigrad as mg
from parity import assert_close

torch = pytest.importorskip("torch")


def leaf(values, dtype="float64"):
    return mg.tensor(np.array(values, dtype=dtype), requires_grad=True)


def grad_array(t) -> np.ndarray:
    """The array behind t.grad, not a copy (so writes to it can be seen)."""
    g = t.grad
    return np.asarray(g.data if isinstance(g, mg.Tensor) else g)


def test_sum_of_two_leaves_gives_each_its_own_grad():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    g = np.array([0.5, -1.0])
    (a + b).backward(mg.tensor(g))
    assert a.grad is not b.grad
    assert not np.shares_memory(grad_array(a), grad_array(b))


def test_grad_does_not_share_memory_with_the_gradient_passed_to_backward():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    g = mg.tensor(np.array([0.5, -1.0]))
    (a + b).backward(g)
    assert not np.shares_memory(grad_array(a), g.numpy()) and not np.shares_memory(grad_array(a), np.asarray(g.data))
    a.grad[0] = 99.0
    assert g.tolist() == [0.5, -1.0]
    assert grad_array(b)[0] == 0.5


@pytest.mark.parametrize("build", [
    lambda x: x.sum(), lambda x: x.mean(), lambda x: x.reshape(4).sum(), lambda x: x.T.sum(),
    lambda x: x[0].sum(), lambda x: (x + 1).sum(), lambda x: x.max(), lambda x: (x * 1.0).sum(),
], ids=["sum", "mean", "reshape", "T", "getitem", "add", "max", "mul"])
def test_grad_after_backward_is_writable(build):
    x = leaf([[1.0, 2.0], [3.0, 5.0]])
    build(x).backward()
    before = grad_array(x).copy()
    x.grad[0, 0] = 0.0
    expected = before.copy()
    expected[0, 0] = 0.0
    np.testing.assert_array_equal(grad_array(x), expected)


def test_writing_into_one_grad_leaves_the_others_unchanged():
    x, y = leaf([1.0, 2.0, 3.0]), leaf([1.0, 2.0, 3.0])
    (x.sum() + y.sum()).backward()
    x.grad[0] = 0.0
    np.testing.assert_array_equal(grad_array(x), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(grad_array(y), [1.0, 1.0, 1.0])


def test_a_leaf_used_twice_gets_one_grad_of_its_own():
    x = leaf([1.0, 2.0])
    y = leaf([1.0, 1.0])
    (x + x + y).sum().backward()
    np.testing.assert_array_equal(grad_array(x), [2.0, 2.0])
    assert not np.shares_memory(grad_array(x), grad_array(y))


def test_leaf_grad_accumulates_over_two_backward_calls_like_torch():
    x = leaf([1.0, -2.0, 3.0])
    tx = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    for _ in range(2):
        (x * x).sum().backward()
        (tx * tx).sum().backward()
    assert_close(x.grad, tx.grad, 0, 0, "x.grad")


def test_leaf_grad_dtype_is_the_leaf_dtype():
    for dtype in ("float32", "float64"):
        x = leaf([1.0, 2.0], dtype=dtype)
        (x.double() * 2).sum().backward()
        assert np.asarray(x.grad).dtype == np.dtype(dtype)


def test_float32_leaf_times_float64_tensor_gets_a_float32_grad_like_torch():
    w = leaf([1.0, 2.0], dtype="float32")
    tw = torch.tensor([1.0, 2.0], dtype=torch.float32, requires_grad=True)
    x = np.array([0.1, 0.2])
    (w * mg.tensor(x)).sum().backward()
    (tw * torch.tensor(x)).sum().backward()
    assert np.asarray(w.grad).dtype == np.float32 and tw.grad.dtype == torch.float32
    assert_close(w.grad, tw.grad, 1e-7, 0, "w.grad")


def test_intermediate_holds_the_last_call_only_and_leaves_accumulate():
    """Two losses from one intermediate y = 3x: y.grad is the last loss's gradient, x.grad the sum."""
    x = leaf([2.0])
    y = x * 3
    (y * 2).sum().backward()
    (y * 5).sum().backward()
    np.testing.assert_array_equal(grad_array(x), [21.0])
    np.testing.assert_array_equal(grad_array(y), [5.0])


def test_backward_twice_on_one_graph_doubles_leaf_grads_like_torch_with_retain_graph():
    x = leaf([1.0, 2.0])
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    loss, tloss = (x.exp() * x).sum(), (tx.exp() * tx).sum()
    loss.backward()
    loss.backward()
    tloss.backward(retain_graph=True)
    tloss.backward()
    assert_close(x.grad, tx.grad, 1e-12, 0, "x.grad")
