"""Corners where minigrad once differed from PyTorch in silence or crashed inside NumPy: small integer
dtypes against out-of-range or negative operands, empty dim lists, clamp with min > max, float16 means,
binary cross-entropy at saturated probabilities, uint8 indices, x.max(other), x == None.

The expected values are PyTorch's (checked against torch when it is installed)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from helpers import torch


def values(t):
    return np.asarray(t.numpy(), dtype=np.float64)


@pytest.mark.parametrize("divisor, expected", [(mg.tensor(-2), [-0.5, -1.0, -125.0]), (-2, [-0.5, -1.0, -125.0]),
                                               (mg.tensor(300), [1 / 300, 2 / 300, 250 / 300])])
def test_small_int_divided_by_an_int_outside_its_range_is_true_division(divisor, expected):
    out = mg.tensor([1, 2, 250], dtype="uint8") / divisor
    assert out.dtype_name == "float32"
    np.testing.assert_allclose(values(out), expected, rtol=1e-6)


def test_small_int_with_an_out_of_range_python_int_wraps_around_as_torch():
    x = mg.tensor([1, 2], dtype="uint8")
    assert (x + (-1)).tolist() == [0, 1] and (x - 3).tolist() == [254, 255]
    assert (mg.tensor([1, 2], dtype="int8") + 300).tolist() == [45, 46]
    assert (x < -3).tolist() == [True, True]  # -3 becomes 253 in uint8, as in torch
    if torch is not None:
        tx = torch.tensor([1, 2], dtype=torch.uint8)
        assert (tx + (-1)).tolist() == [0, 1] and (tx - 3).tolist() == [254, 255] and (tx < -3).tolist() == [True, True]


@pytest.mark.parametrize("empty", [(), []])
def test_an_empty_dim_list_reduces_every_axis(empty):
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    total = x.sum(dim=empty)
    assert total.shape == () and total.item() == 10.0
    assert x.mean(dim=empty).item() == 2.5
    (total * 3).backward()
    assert x.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_clamp_with_min_above_max_gives_max_everywhere():
    x = mg.tensor([1.0, 5.0, 3.0], requires_grad=True)
    out = x.clamp(4.0, 2.0)
    assert out.tolist() == [2.0, 2.0, 2.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_a_float16_mean_adds_up_in_float32():
    x = mg.tensor([60000.0, 60000.0], dtype="float16")
    assert x.mean().item() == 60000.0 and x.mean().dtype_name == "float16"
    assert mg.tensor([[60000.0, 60000.0]], dtype="float16").mean(dim=1).tolist() == [60000.0]


def test_binary_cross_entropy_gradient_at_saturated_probabilities_is_torchs():
    """PyTorch's backward divides (p - y) by max(p (1 - p), 1e-12): finite where the loss's log is clamped."""
    p = mg.tensor([0.0, 1.0, 0.3], dtype="float64", requires_grad=True)
    y = mg.tensor([1.0, 0.0, 1.0], dtype="float64")
    loss = F.binary_cross_entropy(p, y, reduction="sum")
    assert loss.item() == pytest.approx(200 - np.log(0.3))
    loss.backward()
    np.testing.assert_allclose(p.grad, [-1e12, 1e12, -1 / 0.3], rtol=1e-12)
    x = mg.tensor([-40.0], requires_grad=True)
    F.binary_cross_entropy(x.sigmoid(), mg.tensor([1.0])).backward()
    if torch is not None:
        tx = torch.tensor([-40.0], requires_grad=True)
        torch.nn.functional.binary_cross_entropy(tx.sigmoid(), torch.tensor([1.0])).backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-5)
        tp = torch.tensor([0.0, 1.0, 0.3], dtype=torch.float64, requires_grad=True)
        torch.nn.functional.binary_cross_entropy(tp, torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64),
                                                 reduction="sum").backward()
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-8)  # torch's 1e-12 is a float32 constant


def test_binary_cross_entropy_gradient_reaches_a_target_that_requires_grad():
    p = mg.tensor([0.2, 0.7], dtype="float64", requires_grad=True)
    y = mg.tensor([0.5, 0.1], dtype="float64", requires_grad=True)
    F.binary_cross_entropy(p, y).backward()
    np.testing.assert_allclose(y.grad, (np.log([0.8, 0.3]) - np.log([0.2, 0.7])) / 2, rtol=1e-12)
    assert mg.gradcheck(lambda p, y: F.binary_cross_entropy(p, y), [p, y])


def test_a_uint8_index_is_refused_with_what_to_use_instead():
    x = mg.tensor([10.0, 20.0, 30.0])
    index = mg.tensor([1, 0, 1], dtype="uint8")
    with pytest.raises(IndexError, match="bool"):
        x[index]
    with pytest.raises(IndexError, match="bool"):
        x[index] = 0.0


def test_max_and_min_of_another_tensor_are_elementwise():
    a, b = mg.tensor([1.0, 5.0]), mg.tensor([3.0, 2.0])
    assert a.max(b).tolist() == [3.0, 5.0] and a.min(b).tolist() == [1.0, 2.0]


def test_comparing_with_none_is_false_as_in_python():
    x = mg.tensor([1.0])
    assert (x == None) is False and (x != None) is True  # noqa: E711


def test_an_integer_tensor_to_negative_integer_powers_says_what_to_do():
    with pytest.raises(RuntimeError, match="float"):
        2 ** mg.tensor([-1, 3])
    with pytest.raises(RuntimeError, match="float"):
        mg.tensor([2, 3]) ** mg.tensor([-1, 2])
    assert (2 ** mg.tensor([1, 3])).tolist() == [2, 8]


def test_view_is_reshape():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x.view(-1)
    assert y.shape == (4,) and x.view(4, 1).shape == (4, 1)
    (y * mg.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize("a, b", [([5, -7, 6], 3), ([5.5, -7.0, 0.5], -2.0), ([5, -7, 6], [2, 4, -4])])
def test_remainder_and_floor_division_follow_torch(a, b):
    ours_a, ours_b = mg.tensor(a), (mg.tensor(b) if isinstance(b, list) else b)
    assert (ours_a % ours_b).tolist() == pytest.approx(list(np.remainder(a, b)))
    assert (ours_a // ours_b).tolist() == pytest.approx(list(np.floor_divide(a, b)))
    if torch is not None:
        theirs_a, theirs_b = torch.tensor(a), (torch.tensor(b) if isinstance(b, list) else b)
        assert (ours_a % ours_b).tolist() == pytest.approx((theirs_a % theirs_b).tolist())
        assert (ours_a // ours_b).tolist() == pytest.approx((theirs_a // theirs_b).tolist())
        assert (ours_a % ours_b).dtype_name == str(theirs_a.remainder(theirs_b).dtype).removeprefix("torch.")
    assert (7 % mg.tensor([2, 3])).tolist() == [1, 1] and (7 // mg.tensor([2, 3])).tolist() == [3, 2]


def test_remainder_gradient_and_floor_division_has_none():
    a = mg.tensor([5.0, 7.5, -3.2], dtype="float64", requires_grad=True)
    b = mg.tensor([2.0, -3.0, 1.5], dtype="float64", requires_grad=True)
    assert mg.gradcheck(lambda a, b: a % b, [a, b])
    (a % b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0, 1.0] and b.grad.tolist() == [-2.0, 3.0, 3.0]
    with pytest.raises(RuntimeError, match="no gradient"):
        (a // 2).sum().backward()
