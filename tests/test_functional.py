"""Losses and activations: numerically stable, equal to PyTorch, gradients checked."""
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from helpers import grad_of, grads_match_torch, leaf, torch

pytestmark = pytest.mark.usefixtures("cpu_namespace")

tF = torch.nn.functional if torch is not None else None


@pytest.fixture
def logits(rng):
    return rng.normal(size=(5, 4)) * 2


TARGETS = np.array([0, 3, 1, 1, 2])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy(logits, reduction):
    ours = lambda x: F.cross_entropy(x, TARGETS, reduction=reduction)  # noqa: E731
    assert mg.gradcheck(ours, [leaf(logits)])
    grads_match_torch(ours, lambda x: tF.cross_entropy(x, torch.tensor(TARGETS), reduction=reduction), [logits])


def test_cross_entropy_gradient_is_p_minus_y(logits):
    x = leaf(logits)
    F.cross_entropy(x, TARGETS, reduction="sum").backward()
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(grad_of(x), p - np.eye(4)[TARGETS], atol=1e-12)


def test_cross_entropy_accepts_tensor_targets(logits):
    a = F.cross_entropy(leaf(logits), mg.tensor(TARGETS)).item()
    b = F.cross_entropy(leaf(logits), TARGETS).item()
    assert a == b


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family(logits, name, axis):
    ours = lambda x: getattr(F, name)(x, axis=axis)  # noqa: E731
    assert mg.gradcheck(ours, [leaf(logits)])
    grads_match_torch(ours, lambda x: getattr(tF, name)(x, dim=axis), [logits])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_binary_losses(rng, reduction):
    x, t = rng.normal(size=(6,)), rng.uniform(size=(6,))
    p = rng.uniform(0.05, 0.95, size=(6,))
    cases = [
        (lambda a, b: F.mse_loss(a, b, reduction=reduction), lambda a, b: tF.mse_loss(a, b, reduction=reduction), [x, t]),
        (lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
         lambda a, b: tF.binary_cross_entropy(a, b, reduction=reduction), [p, t]),
        (lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
         lambda a, b: tF.binary_cross_entropy_with_logits(a, b, reduction=reduction), [x, t]),
    ]
    for ours, theirs, arrays in cases:
        assert mg.gradcheck(ours, [leaf(a) for a in arrays])
        grads_match_torch(ours, theirs, arrays)


def test_losses_stay_finite_for_huge_logits():
    big = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (lambda x: F.softmax(x), lambda x: F.log_softmax(x), lambda x: F.cross_entropy(x, np.array([1, 0]))):
            x = leaf(big)
            out = fn(x)
            out.sum().backward()
            assert np.isfinite(out.numpy()).all() and np.isfinite(grad_of(x)).all()
        x = leaf([1e4, -1e4, 0.0])
        loss = F.binary_cross_entropy_with_logits(x, mg.tensor(np.array([0.0, 1.0, 1.0])))
        loss.backward()
        assert np.isfinite(loss.item()) and np.isfinite(grad_of(x)).all()
        assert loss.item() == pytest.approx((1e4 + 1e4 + np.log(2)) / 3)


def test_sigmoid_of_minus_1000_raises_no_overflow_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.sigmoid(mg.tensor([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(out.numpy(), [0.0, 0.5, 1.0])


def test_binary_cross_entropy_clamps_log_at_minus_100():
    loss = F.binary_cross_entropy(leaf([0.0, 1.0]), leaf([1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [100.0, 100.0])


def test_binary_cross_entropy_rejects_logits():
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]: apply sigmoid first"):
        F.binary_cross_entropy(leaf([2.0]), leaf([1.0]))


def test_loss_target_shape_mismatch():
    with pytest.raises(mg.ShapeError, match=r"mse_loss: target shape \(3,\) differs from input shape \(2,\)"):
        F.mse_loss(leaf([1.0, 2.0]), leaf([1.0, 2.0, 3.0]))


def test_unknown_reduction():
    with pytest.raises(ValueError, match="reduction must be"):
        F.mse_loss(leaf([1.0]), leaf([1.0]), reduction="avg")


def test_dropout_train_and_eval():
    mg.manual_seed(0)
    x = mg.ones(1000, requires_grad=True)
    assert F.dropout(x, 0.3, training=False) is x
    y = F.dropout(x, 0.3, training=True)
    values = y.numpy()
    np.testing.assert_allclose(np.unique(values), [0.0, 1 / 0.7], rtol=1e-6)
    assert abs((values == 0).mean() - 0.3) < 0.05
    y.sum().backward()
    np.testing.assert_allclose(grad_of(x), values)


def test_gradcheck_reports_input_element_and_values():
    def wrong_square(x):
        out = x * x
        out._backward = lambda g: (g * x.data, None)  # forgot the factor 2
        return out

    with pytest.raises(mg.GradcheckError, match=r"input 0 \(shape \(2,\)\) at element \(0,\): analytic gradient .*numeric"):
        mg.gradcheck(wrong_square, [leaf([1.0, 2.0])])
