"""The engine's own rules: custom Functions, one gradient rule for both engines, gradients
that are nobody else's arrays, in-place changes the graph can see, and file sizes a learner can read."""
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import Value

from helpers import leaf, torch


class Cube(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


class ScaledAdd(mg.Function):
    """a + k * b for a number k, with b broadcast: backward returns the output's shape for b."""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.k = k
        return a + b * k

    @staticmethod
    def backward(ctx, grad):
        return grad, grad * ctx.k, None


def test_a_custom_function_passes_gradcheck():
    x = leaf(np.random.default_rng(0).normal(size=(3, 4)))
    assert mg.gradcheck(Cube.apply, [x])


def test_a_function_may_return_broadcast_gradients_and_none_for_non_tensors():
    rng = np.random.default_rng(1)
    a, b = leaf(rng.normal(size=(4, 3))), leaf(rng.normal(size=(3,)))
    assert mg.gradcheck(lambda a, b: ScaledAdd.apply(a, b, 2.5), [a, b])
    out = ScaledAdd.apply(a, b, 2.5)
    out.sum().backward()
    assert b.grad.shape == (3,)
    np.testing.assert_allclose(b.grad, np.full(3, 4 * 2.5))


def test_a_function_records_one_node_and_knows_which_inputs_need_a_gradient():
    seen = {}

    class Spy(mg.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["needs"] = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0], requires_grad=False)
    out = Spy.apply(a, b)
    assert seen["needs"] == (True, False)
    assert out._op == "Spy" and out._prev == (a, b)


def test_a_wrong_number_of_gradients_is_explained():
    class Bad(mg.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad

    a, b = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="returned 1 gradients, expected 2"):
        Bad.apply(a, b).sum().backward()


def test_a_buggy_backward_is_caught_by_gradcheck():
    class Wrong(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2 + 0.1

    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(Wrong.apply, [leaf([1.0, 2.0])])


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_a_function_matches_torch_autograd_function():
    class TorchCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    values = np.array([-1.5, 0.0, 2.0])
    ours, theirs = leaf(values), torch.tensor(values, requires_grad=True)
    Cube.apply(ours).sum().backward()
    TorchCube.apply(theirs).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy())


# --- one rule for both engines --------------------------------------------------------------


def test_tensor_leaves_accumulate_and_intermediates_hold_the_last_call():
    x = leaf([1.0, 2.0])
    h = x * 3
    loss = (h * h).sum()
    loss.backward()
    loss.backward()
    np.testing.assert_allclose(x.grad, 2 * 18 * np.array([1.0, 2.0]))  # two calls of d/dx = 18 x
    np.testing.assert_allclose(h.grad, 2 * h.numpy())                    # this call's dL/dh only


def test_value_leaves_accumulate_and_intermediates_hold_the_last_call():
    x = Value(2.0)
    h = x * 3
    loss = h * h
    loss.backward()
    loss.backward()
    assert x.grad == 2 * 18 * 2.0
    assert h.grad == 2 * h.data


def test_an_intermediate_not_reached_again_forgets_its_old_gradient():
    x = leaf([1.0])
    h = x * 2
    (h * 1).sum().backward()
    assert h.grad is not None
    x.sum().backward()  # a graph without h
    assert h.grad is not None  # h was not part of this graph at all: untouched
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad, [2 + 1 + 5])


# --- every .grad is its own writable array -------------------------------------------------


def test_gradients_of_an_add_are_two_arrays():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    g = np.array([1.0, -1.0])
    (a + b).backward(g)
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    assert not np.shares_memory(a.grad, g)


def test_a_broadcast_gradient_is_writable():
    x = leaf([1.0, 2.0, 3.0])
    x.sum().backward()
    x.grad[0] = 0.0
    np.testing.assert_allclose(x.grad, [0.0, 1.0, 1.0])


def test_an_intermediate_and_a_leaf_never_share_a_gradient_array():
    x = leaf([1.0, 2.0])
    y = x + 0.0
    y.backward(np.array([1.0, 1.0]))
    assert not np.shares_memory(x.grad, y.grad)


# --- in place ---------------------------------------------------------------------------------


def test_backward_through_a_tensor_changed_in_place_after_use_is_refused():
    x = leaf([1.0, 2.0])
    w = mg.tensor([3.0, 4.0], dtype="float64")
    y = x * w
    w += 1  # y's backward needs the old w
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_in_place_on_a_graph_tensor_is_recorded():
    x = leaf([1.0, 2.0])
    y = x * 2
    y *= y
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 8 * np.array([1.0, 2.0]))  # y = 4 x^2


# --- readable files -----------------------------------------------------------------------------

ENGINE = Path(mg.__file__).parent
LINE_BUDGET = {"value.py": 220, "autograd.py": 300, "tensor.py": 800,
               "ops/elementwise.py": 300, "ops/reduce.py": 300, "ops/shape.py": 400}


@pytest.mark.parametrize("name", sorted(LINE_BUDGET))
def test_engine_files_stay_readable_in_one_sitting(name):
    lines = len((ENGINE / name).read_text().splitlines())
    assert lines <= LINE_BUDGET[name], (f"minigrad/{name} has {lines} lines, over its budget of {LINE_BUDGET[name]}: "
                                         "split a concept into its own file rather than raise the budget")
