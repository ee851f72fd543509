"""minigrad.gradcheck: the full Jacobian on small inputs (as torch.autograd.gradcheck), one random
projection of the output on large ones, and errors that say what disagreed and which check ran."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import Value
from minigrad.gradcheck import FULL_JACOBIAN_MAX_OUTPUTS
from helpers import leaf, torch

pytestmark = pytest.mark.usefixtures("cpu_namespace")


class LeakySquare(mg.Function):
    """x ** 2 whose backward adds 1e-4 * sum(g) to every input element.

    d out_j / d x_k is 2 x_k where j = k and 0 elsewhere; this backward returns
    1e-4 for every off-diagonal entry. One random projection of the output sees
    only (J^T w)_k = 2 x_k w_k + 1e-4 sum(w), within rtol of the true value.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g + 1e-4 * g.sum()


class HalfSquare(mg.Function):
    """x ** 2 whose backward forgets the factor 2: wrong on every diagonal entry."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return x * g


class NoBackward(mg.Function):
    """x ** 2 whose backward returns no gradient at all."""

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, g):
        return None


leaky_square, half_square, no_backward = LeakySquare.apply, HalfSquare.apply, NoBackward.apply


def _away_from_zero(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(1.0, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


# --- the bug that one projection misses ----------------------------------------------------


def test_projection_alone_misses_the_leaky_backward():
    """Why the full Jacobian is needed: the projection check passes the leaky backward."""
    assert mg.gradcheck(leaky_square, [leaf(_away_from_zero((2, 3)))], mode="projection")


@pytest.mark.parametrize("mode", ["auto", "full"])
def test_full_jacobian_catches_the_leaky_backward(mode):
    x = leaf(_away_from_zero((2, 3)))
    with pytest.raises(mg.GradcheckError) as caught:
        mg.gradcheck(leaky_square, [x], mode=mode)
    message = str(caught.value)
    # column (0, 0) of the Jacobian: the diagonal entry (0, 0) is within rtol, (0, 1) is not
    assert message.startswith("gradcheck failed for input 0 (shape (2, 3)) at element (0, 0): "
                              "analytic gradient 0.0001, numeric ")
    assert "of output element (0, 1)" in message
    assert "full Jacobian" in message
    assert "30 of 36 Jacobian entries disagree" in message     # every off-diagonal entry


def test_default_is_auto_and_small_inputs_get_the_full_jacobian():
    with pytest.raises(mg.GradcheckError, match="full Jacobian"):
        mg.gradcheck(leaky_square, [leaf(_away_from_zero(4))])


def test_leaky_backward_with_several_inputs_names_the_faulty_one():
    x, y = leaf(_away_from_zero((3,), seed=1)), leaf(_away_from_zero((3,), seed=2))
    with pytest.raises(mg.GradcheckError, match=r"^gradcheck failed for input 1 \(shape \(3,\)\) at element \(0,\)"):
        mg.gradcheck(lambda a, b: a * 3 + leaky_square(b), [x, y])


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
def test_torch_gradcheck_gives_the_same_verdicts():
    """torch.autograd.gradcheck (full Jacobian, same eps, atol and rtol) rejects the same ops."""
    class LeakySquare(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g + 1e-4 * g.sum()

    a = _away_from_zero((2, 3))
    cases = [(leaky_square, LeakySquare.apply), (lambda x: x * x, lambda x: x * x)]
    for ours, theirs in cases:
        verdict = torch.autograd.gradcheck(theirs, (torch.tensor(a, requires_grad=True),), eps=1e-6, atol=1e-5,
                                           rtol=1e-3, raise_exception=False)
        try:
            mine = mg.gradcheck(ours, [leaf(a)])
        except mg.GradcheckError:
            mine = False
        assert mine == verdict


# --- which check runs -------------------------------------------------------------------------


def test_auto_uses_the_projection_above_the_threshold():
    small = leaf(_away_from_zero(FULL_JACOBIAN_MAX_OUTPUTS))
    with pytest.raises(mg.GradcheckError, match="full Jacobian"):
        mg.gradcheck(half_square, [small])
    large = leaf(_away_from_zero(FULL_JACOBIAN_MAX_OUTPUTS + 1))
    with pytest.raises(mg.GradcheckError, match="random projection") as caught:
        mg.gradcheck(half_square, [large])
    assert "mode='full'" in str(caught.value)                # says how to ask for the full check


def test_projection_can_be_asked_for_and_still_catches_plain_bugs():
    with pytest.raises(mg.GradcheckError, match=r"at element \(0,\): analytic gradient .* random projection"):
        mg.gradcheck(half_square, [leaf([1.0, 2.0])], mode="projection")


def test_full_can_be_asked_for_above_the_threshold():
    x = leaf(_away_from_zero(FULL_JACOBIAN_MAX_OUTPUTS + 1))
    with pytest.raises(mg.GradcheckError, match="full Jacobian"):
        mg.gradcheck(half_square, [x], mode="full")


def test_unknown_mode():
    with pytest.raises(ValueError, match=r"mode must be 'auto', 'full' or 'projection', got 'exact'"):
        mg.gradcheck(lambda x: x * x, [leaf([1.0])], mode="exact")


# --- correct gradients pass, missing ones do not ------------------------------------------------


@pytest.mark.parametrize("mode", ["full", "projection"])
def test_correct_ops_pass(mode, rng):
    cases = [
        (lambda a, b: a @ b, [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]),
        (lambda a, b: (a + b).tanh(), [rng.normal(size=(2, 3)), rng.normal(size=(3,))]),  # broadcasting
        (lambda a: F.softmax(a, dim=-1), [rng.normal(size=(3, 4))]),
        (lambda a: (a * a).sum(), [rng.normal(size=(5,))]),
        (lambda a: a[1:, ::2] * 2, [rng.normal(size=(3, 4))]),
    ]
    for fn, arrays in cases:
        assert mg.gradcheck(fn, [leaf(a) for a in arrays], mode=mode)


def test_inputs_without_grad_are_passed_through(rng):
    logits = leaf(rng.normal(size=(4, 3)))
    targets = mg.Tensor(np.array([0, 2, 1, 2]))
    weights = leaf(rng.normal(size=(4, 3)), requires_grad=False)
    assert mg.gradcheck(lambda z, t, w: F.cross_entropy(z * w, t), [logits, targets, weights])


def test_unused_input_and_constant_output_have_zero_jacobian(rng):
    x, y = leaf(rng.normal(size=3)), leaf(rng.normal(size=2))
    assert mg.gradcheck(lambda a, b: a * 2, [x, y])
    assert mg.gradcheck(lambda a: mg.Tensor(np.ones(3)), [x])


def test_missing_gradient_is_reported():
    with pytest.raises(mg.GradcheckError, match=r"analytic gradient 0, numeric 2"):
        mg.gradcheck(no_backward, [leaf([1.0, 2.0])])


def test_float32_inputs_are_checked_in_float64_and_left_alone():
    x = mg.Tensor(np.array([0.3, -1.2, 2.0], dtype=np.float32), requires_grad=True)
    assert mg.gradcheck(lambda a: a.tanh() * a, [x])
    assert x.grad is None and x.dtype_name == "float32"


def test_bad_arguments():
    with pytest.raises(ValueError, match="no input requires grad"):
        mg.gradcheck(lambda a: a * 2, [leaf([1.0], requires_grad=False)])
    with pytest.raises(TypeError, match="fn must return a Tensor, got float"):
        mg.gradcheck(lambda a: 1.0, [leaf([1.0])])


# --- the scalar engine keeps working -------------------------------------------------------------


def test_values():
    assert mg.gradcheck(lambda a, b: (a * b + a.tanh()) / b, [Value(0.7), Value(1.9)])


def test_values_report_the_wrong_input():
    def wrong(a, b):
        return Value(a.data * b.data, (a, b), (b.data, 0.0), "*")   # d(ab)/db forgotten

    with pytest.raises(mg.GradcheckError, match=r"input 1 \(a Value\): analytic gradient 0, numeric 0.7"):
        mg.gradcheck(wrong, [Value(0.7), Value(1.9)])
