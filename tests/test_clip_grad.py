"""nn.utils.clip_grad_norm_ and clip_grad_value_: the norms' definitions, and against torch.nn.utils
(where installed) every norm type, empty and missing gradients, nan and inf gradients, float32."""
import math
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_
from helpers import torch

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")

NORM_TYPES = [0, 0.5, 1, 2.0, 3, math.inf, -math.inf, -1, -2.5, "inf"]
NAN, INF = float("nan"), float("inf")


def _pair(grads, dtype="float64"):
    """Parameters in minigrad and in torch whose .grad are `grads` (None: no gradient)."""
    ours, theirs = [], []
    for g in grads:
        shape = (2,) if g is None else np.shape(g)
        p = mg.Tensor(np.zeros(shape, dtype=dtype), requires_grad=True)
        q = torch.zeros(shape, dtype=getattr(torch, dtype), requires_grad=True)
        if g is not None:
            p.grad = np.array(g, dtype=dtype)
            q.grad = torch.tensor(np.array(g, dtype=dtype))
        ours.append(p)
        theirs.append(q)
    return ours, theirs


def _assert_same_grads(ours, theirs, rtol=1e-12):
    for p, q in zip(ours, theirs):
        if q.grad is None:
            assert p.grad is None
        else:
            assert p.grad.dtype == q.grad.numpy().dtype
            np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=rtol, atol=0)


def _clip_both(grads, max_norm, dtype="float64", **kwargs):
    ours, theirs = _pair(grads, dtype)
    total = clip_grad_norm_(ours, max_norm, **kwargs)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, **kwargs)
    return total, expected.item(), ours, theirs


GRADS = [
    [[0.0, 3.0, -4.0], [[0.0, 0.0]], [1.0, 2.0]],          # zeros: they matter for norms 0 and < 0
    [np.random.default_rng(1).normal(size=(3, 4)), np.random.default_rng(2).normal(size=5)],
    [[1e-3, -2e-3], None, [5e-4]],                          # a parameter without gradient
]


@needs_torch
@pytest.mark.parametrize("norm_type", NORM_TYPES, ids=str)
@pytest.mark.parametrize("grads", GRADS, ids=["zeros", "random", "small-and-missing"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3, 0.0])
def test_total_norm_and_clipping_match_torch(grads, norm_type, max_norm):
    total, expected, ours, theirs = _clip_both(grads, max_norm, norm_type=norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(expected, rel=1e-12, abs=0)
    _assert_same_grads(ours, theirs)


@pytest.mark.parametrize("norm_type, expected", [
    (2.0, math.sqrt(9 + 16 + 1 + 4)), (1, 3 + 4 + 1 + 2), (3, (27 + 64 + 1 + 8) ** (1 / 3)), (math.inf, 4.0),
    (-math.inf, 0.0), (0.5, (math.sqrt(3) + 2 + 1 + math.sqrt(2)) ** 2), (0, 2.0),
])
def test_total_norm_definition(norm_type, expected):
    """|| (||g_1||, ||g_2||, ...) ||_p; for p > 0 the norm of all entries as one vector."""
    params = [mg.Tensor(np.zeros(s), requires_grad=True) for s in (3, 2, 2)]
    for p, g in zip(params, ([0.0, 3.0, -4.0], [0.0, 0.0], [1.0, 2.0])):
        p.grad = np.array(g)
    total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    assert total == pytest.approx(expected, rel=1e-12)
    coef = min(1.0, 1.0 / (expected + 1e-6))
    np.testing.assert_allclose(params[0].grad, np.array([0.0, 3.0, -4.0]) * coef, rtol=1e-12)


@needs_torch
@pytest.mark.parametrize("norm_type", [0, 1, 2.0, math.inf, -math.inf])
def test_float32_gradients_stay_float32(norm_type):
    grads = [np.random.default_rng(3).normal(size=(4, 3)) * 10, np.random.default_rng(4).normal(size=7)]
    total, expected, ours, theirs = _clip_both(grads, 1.0, dtype="float32", norm_type=norm_type)
    assert total == pytest.approx(expected, rel=1e-6)
    _assert_same_grads(ours, theirs, rtol=1e-6)


@needs_torch
def test_norm_zero_counts_the_tensors_with_a_nonzero_entry_as_torch_does():
    """torch takes the norm of the per-tensor norms: for order 0, the count of non-zero counts."""
    total, expected, _, _ = _clip_both([[0.0, 3.0, -4.0], [0.0, 0.0], [1.0, 2.0]], 10.0, norm_type=0)
    assert total == expected == 2.0


@needs_torch
@pytest.mark.parametrize("parameters", [[], "all-missing"])
def test_no_gradients_total_zero(parameters):
    ours, theirs = _pair([None, None]) if parameters == "all-missing" else ([], [])
    assert clip_grad_norm_(ours, 1.0) == torch.nn.utils.clip_grad_norm_(theirs, 1.0).item() == 0.0
    assert all(p.grad is None for p in ours)


def test_empty_generator_warns_as_torch_does():
    with pytest.warns(UserWarning, match="empty generator"):
        assert clip_grad_norm_((p for p in []), 1.0) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_grad_norm_([], 1.0)                       # an empty list is fine


def test_a_single_tensor_and_an_empty_gradient():
    p = mg.Tensor(np.zeros(2), requires_grad=True)
    p.grad = np.array([3.0, 4.0])
    assert clip_grad_norm_(p, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad, [0.6, 0.8], rtol=1e-5)
    empty = mg.Tensor(np.zeros((0, 3)), requires_grad=True)
    empty.grad = np.zeros((0, 3))
    for norm_type in (0, 1, 2, math.inf):
        assert clip_grad_norm_([empty], 1.0, norm_type=norm_type) == 0.0
    with pytest.raises(ValueError, match=r"norm_type -1.0 .* parameter 0 has an empty gradient"):
        clip_grad_norm_([empty], 1.0, norm_type=-1)


@needs_torch
@pytest.mark.parametrize("bad", [[NAN, 1.0], [INF, 1.0], [-INF, 2.0]], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("norm_type", [2.0, 1, 0, math.inf])
def test_nonfinite_gradients_scaled_as_torch_does(bad, norm_type):
    total, expected, ours, theirs = _clip_both([bad, [0.5, -0.5]], 1.0, norm_type=norm_type)
    np.testing.assert_equal(total, expected)          # nan == nan here
    for p, q in zip(ours, theirs):
        np.testing.assert_equal(p.grad, q.grad.numpy())


@pytest.mark.parametrize("bad", [[NAN, 1.0], [INF, 1.0]], ids=["nan", "inf"])
def test_error_if_nonfinite(bad):
    ours = [mg.Tensor(np.zeros(2), requires_grad=True) for _ in range(2)]
    ours[0].grad, ours[1].grad = np.array(bad), np.array([0.5, -0.5])
    before = [p.grad.copy() for p in ours]
    with pytest.raises(RuntimeError, match=r"total norm \(order 2.0\) of the gradients is (nan|inf): some gradient "
                                           r"is nan or inf.*error_if_nonfinite=False"):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    for p, b in zip(ours, before):                     # nothing was scaled
        np.testing.assert_equal(p.grad, b)


@needs_torch
def test_torch_raises_there_too():
    _, theirs = _pair([[NAN, 1.0]])
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)


def test_old_gradient_arrays_are_not_modified():
    p = mg.Tensor(np.zeros(2), requires_grad=True)
    shared = np.array([3.0, 4.0])
    p.grad = shared
    clip_grad_norm_([p], 1.0)
    clip_grad_value_([p], 0.1)
    np.testing.assert_array_equal(shared, [3.0, 4.0])


def test_bad_arguments():
    p = mg.Tensor(np.zeros(2), requires_grad=True)
    p.grad = np.ones(2)
    with pytest.raises(ValueError, match="norm_type must be a number .* got 'fro'"):
        clip_grad_norm_([p], 1.0, norm_type="fro")
    with pytest.raises(ValueError, match="max_norm must be >= 0, got -1.0"):
        clip_grad_norm_([p], -1.0)


# --- clip_grad_value_ ----------------------------------------------------------------------------


@needs_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("clip_value", [1.0, 0.25, 2, 0.0])
def test_clip_grad_value_matches_torch(dtype, clip_value):
    g = np.random.default_rng(5).normal(size=(4, 5)) * 3
    g[0, :3] = [NAN, INF, -INF]
    ours, theirs = _pair([g, None, [0.1, -7.0]], dtype)
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, q in zip(ours, theirs):
        if q.grad is None:
            assert p.grad is None
        else:
            assert p.grad.dtype == q.grad.numpy().dtype
            np.testing.assert_equal(p.grad, q.grad.numpy())


def test_clip_grad_value_accepts_a_single_tensor():
    p = mg.Tensor(np.zeros(3), requires_grad=True)
    p.grad = np.array([-5.0, 0.5, 5.0])
    clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad, [-1.0, 0.5, 1.0])
