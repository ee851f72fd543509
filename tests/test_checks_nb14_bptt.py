"""Notebook 14, exercise 3: one step of backprop through time by hand. The checker names the wrong gradient
and the usual slip, rejects autograd and finite differences as a method, and chains the step over a sequence."""
import numpy as np

import minigrad as mg
from checks_references import rnn_step_backward, run
from minigrad_course.checks import check_rnn_step_backward


def step_with(derivative=lambda h: 1 - h ** 2, dW_xh=None, dW_hh=None, db=None, dh_prev=None):
    """The reference step with one piece replaced: each override takes (dz, dh, x, h_prev, h, W_hh)."""
    def step(dh, x, h_prev, h, W_hh):
        dz = dh * derivative(h)
        parts = {"dW_xh": dz.T @ x, "dW_hh": dz.T @ h_prev, "db": dz.sum(axis=0), "dh_prev": dz @ W_hh}
        for name, override in (("dW_xh", dW_xh), ("dW_hh", dW_hh), ("db", db), ("dh_prev", dh_prev)):
            if override is not None:
                parts[name] = override(dz, dh, x, h_prev, h, W_hh)
        return parts["dW_xh"], parts["dW_hh"], parts["db"], parts["dh_prev"]
    return step


def test_reference_passes_and_names_the_chain(capsys):
    ok, out = run(check_rnn_step_backward, rnn_step_backward, capsys=capsys)
    assert ok and "chained backwards over 6 steps" in out


def test_missing_tanh_derivative(capsys):
    ok, out = run(check_rnn_step_backward, step_with(derivative=lambda h: 1.0), capsys=capsys)
    assert not ok
    assert "test 1 (N=4 examples, D=3 inputs, H=5 hidden units): dW_xh at index" in out
    assert "the tanh's derivative is missing" in out


def test_tanh_applied_twice_or_the_sigmoid_derivative(capsys):
    ok, out = run(check_rnn_step_backward, step_with(derivative=lambda h: 1 - np.tanh(h) ** 2), capsys=capsys)
    assert not ok and "you took tanh of h again" in out
    ok, out = run(check_rnn_step_backward, step_with(derivative=lambda h: h * (1 - h)), capsys=capsys)
    assert not ok and "the sigmoid's derivative" in out


def test_transposed_dW_hh_has_the_right_shape(capsys):
    ok, out = run(check_rnn_step_backward, step_with(dW_hh=lambda dz, dh, x, hp, h, W: hp.T @ dz), capsys=capsys)
    assert not ok
    assert "dW_hh at index" in out and "dW_hh is transposed" in out


def test_transposed_dW_xh_is_named_by_its_shape(capsys):
    ok, out = run(check_rnn_step_backward, step_with(dW_xh=lambda dz, dh, x, hp, h, W: x.T @ dz), capsys=capsys)
    assert not ok
    assert "dW_xh has shape (3, 5), expected (5, 3)" in out and "dz^T x, not x^T dz" in out


def test_dh_prev_through_the_transpose_or_without_the_derivative(capsys):
    ok, out = run(check_rnn_step_backward, step_with(dh_prev=lambda dz, dh, x, hp, h, W: dz @ W.T), capsys=capsys)
    assert not ok and "dh_prev at index" in out and "the transpose of W_hh" in out
    ok, out = run(check_rnn_step_backward, step_with(dh_prev=lambda dz, dh, x, hp, h, W: dh @ W), capsys=capsys)
    assert not ok and "dh_prev at index" in out and "the tanh's derivative is missing" in out


def test_bias_not_summed_or_averaged(capsys):
    ok, out = run(check_rnn_step_backward, step_with(db=lambda dz, *rest: dz), capsys=capsys)
    assert not ok and "db has shape (4, 5), expected (5,)" in out and "summed over the batch" in out
    ok, out = run(check_rnn_step_backward, step_with(db=lambda dz, *rest: dz.mean(axis=0)), capsys=capsys)
    assert not ok and "not the mean" in out


def test_one_over_n(capsys):
    ok, out = run(check_rnn_step_backward, step_with(dW_xh=lambda dz, dh, x, *rest: dz.T @ x / len(x)),
                  capsys=capsys)
    assert not ok and "you divided by N" in out


def test_autograd_is_not_the_method(capsys):
    def by_autograd(dh, x, h_prev, h, W_hh):
        W = mg.Tensor(W_hh, requires_grad=True)
        (mg.Tensor(h_prev) @ W.T).sum().backward()
        return rnn_step_backward(dh, x, h_prev, h, W_hh)
    ok, out = run(check_rnn_step_backward, by_autograd, capsys=capsys)
    assert not ok
    assert "uses `Tensor` and `backward`" in out and "from the chain rule, computed with NumPy" in out


def test_finite_differences_are_not_exact(capsys):
    def approximately(dh, x, h_prev, h, W_hh):
        return tuple(g * (1 + 1e-9) for g in rnn_step_backward(dh, x, h_prev, h, W_hh))
    ok, out = run(check_rnn_step_backward, approximately, capsys=capsys)
    assert not ok and "close, but not exact" in out


def test_changing_dh_in_place(capsys):
    def in_place(dh, x, h_prev, h, W_hh):
        dh *= 1 - h ** 2
        return dh.T @ x, dh.T @ h_prev, dh.sum(axis=0), dh @ W_hh
    ok, out = run(check_rnn_step_backward, in_place, capsys=capsys)
    assert not ok and "changed one of its inputs in place" in out


def test_wrong_count_of_gradients(capsys):
    ok, out = run(check_rnn_step_backward, lambda *args: rnn_step_backward(*args)[:3], capsys=capsys)
    assert not ok and "expected 4 arrays (dW_xh, dW_hh, db, dh_prev), got 3 values" in out


def test_a_step_right_only_for_one_example_fails_the_chain_or_a_test(capsys):
    def first_example_only(dh, x, h_prev, h, W_hh):
        dz = (dh * (1 - h ** 2))[:1]
        return dz.T @ x[:1], dz.T @ h_prev[:1], dz.sum(axis=0), np.repeat(dz @ W_hh, len(dh), axis=0)
    ok, out = run(check_rnn_step_backward, first_example_only, capsys=capsys)
    assert not ok and "test 1" in out
