"""Notebook 15, exercise 3: feedback alignment's whole backward pass with two hidden layers. The checker names
the wrong update and the usual slip, and rejects autograd as the method."""
import numpy as np

import minigrad as mg
from checks_references import fa_two_hidden_backward, run
from minigrad_course.checks import check_fa_two_hidden


def backward_with(delta2=None, delta1=None, dW2=None, db1=None):
    """The reference with one piece replaced; each override takes (x, z1, z2, e, B2, B3, delta2)."""
    def backward(x, z1, z2, e, B2, B3):
        h1, h2 = np.maximum(z1, 0), np.maximum(z2, 0)
        d2 = delta2(x, z1, z2, e, B2, B3) if delta2 else (e @ B3.T) * (z2 > 0)
        d1 = delta1(x, z1, z2, e, B2, B3, d2) if delta1 else (d2 @ B2.T) * (z1 > 0)
        w2 = dW2(h1, d2) if dW2 else d2.T @ h1
        b1 = db1(d1) if db1 else d1.sum(axis=0)
        return d1.T @ x, b1, w2, d2.sum(axis=0), e.T @ h2, e.sum(axis=0)
    return backward


def test_reference_passes(capsys):
    ok, out = run(check_fa_two_hidden, fa_two_hidden_backward, capsys=capsys)
    assert ok and "backprop's exact gradients" in out


def test_missing_relu_derivative_of_layer_2(capsys):
    ok, out = run(check_fa_two_hidden, backward_with(delta2=lambda x, z1, z2, e, B2, B3: e @ B3.T), capsys=capsys)
    assert not ok
    assert "test 1 (N=3, D=3, H1=3, H2=3, C=3): dW2 at index" in out and "derivative of layer 2 is missing" in out


def test_delta1_from_the_ungated_signal(capsys):
    def ungated(x, z1, z2, e, B2, B3, d2):
        return ((e @ B3.T) @ B2.T) * (z1 > 0)
    ok, out = run(check_fa_two_hidden, backward_with(delta1=ungated), capsys=capsys)
    assert not ok and "dW1 at index" in out and "delta1 must start from delta2" in out


def test_feedback_untransposed_or_swapped(capsys):
    ok, out = run(check_fa_two_hidden, backward_with(delta2=lambda x, z1, z2, e, B2, B3: (e @ B3) * (z2 > 0)),
                  capsys=capsys)
    assert not ok and "B3 is used untransposed" in out
    ok, out = run(check_fa_two_hidden, backward_with(delta2=lambda x, z1, z2, e, B2, B3: (e @ B2.T) * (z2 > 0),
                                                     delta1=lambda x, z1, z2, e, B2, B3, d2: (d2 @ B3.T) * (z1 > 0)),
                  capsys=capsys)
    assert not ok and "B2 and B3 are swapped" in out


def test_transposed_weight_update(capsys):
    ok, out = run(check_fa_two_hidden, backward_with(dW2=lambda h1, d2: h1.T @ d2), capsys=capsys)
    assert not ok and "dW2 is transposed" in out


def test_bias_not_summed(capsys):
    ok, out = run(check_fa_two_hidden, backward_with(db1=lambda d1: d1), capsys=capsys)
    assert not ok and "db1 has shape (3, 3), expected (3,)" in out and "sum the layer's delta over the batch" in out


def test_autograd_is_not_the_method(capsys):
    def by_autograd(x, z1, z2, e, B2, B3):
        t = mg.Tensor(z1, requires_grad=True)
        t.relu().sum().backward()
        return fa_two_hidden_backward(x, z1, z2, e, B2, B3)
    ok, out = run(check_fa_two_hidden, by_autograd, capsys=capsys)
    assert not ok and "uses `Tensor` and `backward`" in out


def test_shapes_that_do_not_fit_give_a_hint(capsys):
    def untransposed(x, z1, z2, e, B2, B3):
        d2 = (e @ B3) * (z2 > 0)
        return fa_two_hidden_backward(x, z1, z2, e, B2, B3)[:2] + (d2.T @ np.maximum(z1, 0),) * 4
    ok, out = run(check_fa_two_hidden, untransposed, capsys=capsys)
    assert not ok


def test_updates_with_the_sign_of_the_step(capsys):
    def descent_steps(x, z1, z2, e, B2, B3):
        return tuple(-u for u in fa_two_hidden_backward(x, z1, z2, e, B2, B3))
    ok, out = run(check_fa_two_hidden, descent_steps, capsys=capsys)
    assert not ok and "the sign is flipped" in out
