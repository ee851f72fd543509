"""The checkers of notebooks 14 and 15 reject wrong answers saying what and where (naming the usual
slips), and tell a result that went around autograd from a wrong one."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from checks_references import conv1d, run
from minigrad_course.checks import (check_angle_degrees, check_attention, check_conv1d, check_fa_hidden_delta,
                                    check_rnn_forward)


# --- notebook 14, exercise 1: conv1d ----------------------------------------------


def test_conv1d_flipped_kernel(capsys):
    def flipped(x, w):
        return conv1d(x, w[np.arange(w.shape[0] - 1, -1, -1)])
    ok, out = run(check_conv1d, flipped, capsys=capsys)
    assert not ok
    assert "flipped" in out and "test 1" in out


def test_conv1d_numpy_result(capsys):
    def in_numpy(x, w):
        return np.correlate(x.numpy(), w.numpy(), mode="valid")
    ok, out = run(check_conv1d, in_numpy, capsys=capsys)
    assert not ok
    assert "numbers are right" in out and "minigrad Tensor" in out


def test_conv1d_detached_result(capsys):
    def detached(x, w):
        return mg.Tensor(np.correlate(x.numpy(), w.numpy(), mode="valid"))
    ok, out = run(check_conv1d, detached, capsys=capsys)
    assert not ok
    assert "not connected" in out


def test_conv1d_weight_used_through_numpy(capsys):
    def half_detached(x, w):
        k = w.shape[0]
        m = x.shape[0] - k + 1
        weights = w.numpy()
        return sum(x[j:j + m] * float(weights[j]) for j in range(k))
    ok, out = run(check_conv1d, half_detached, capsys=capsys)
    assert not ok
    assert "no gradient reached w" in out


def test_conv1d_full_padding(capsys):
    def full(x, w):
        k = w.shape[0]
        padded = mg.concatenate([mg.zeros(k - 1, dtype="float64"), x, mg.zeros(k - 1, dtype="float64")])
        return conv1d(padded, w)
    ok, out = run(check_conv1d, full, capsys=capsys)
    assert not ok
    assert "shape (8,)" in out and "'full'" in out


# --- notebook 14, exercise 2: rnn_forward -----------------------------------------


def _rnn_variant(transpose_hh=False, tanh=True, keep_h0=False, last_only=False, with_h0=False):
    def fn(xs, h0, W_xh, W_hh, b):
        h, states = h0, [h0] if with_h0 else []
        for t in range(xs.shape[0]):
            z = xs[t] @ W_xh.T + (h0 if keep_h0 else h) @ (W_hh if transpose_hh else W_hh.T) + b
            h = z.tanh() if tanh else z
            states.append(h)
        return h if last_only else mg.stack(states)
    return fn


@pytest.mark.parametrize("variant, words", [
    (dict(transpose_hh=True), "W_hh is transposed"),
    (dict(tanh=False), "tanh is missing"),
    (dict(keep_h0=True), "every step used h0"),
    (dict(last_only=True), "return all T of them"),
    (dict(with_h0=True), "you included h0"),
])
def test_rnn_slips_are_named(variant, words, capsys):
    ok, out = run(check_rnn_forward, _rnn_variant(**variant), capsys=capsys)
    assert not ok
    assert words in out and "❌" in out


def test_rnn_transposed_input_weight_caught_in_the_square_case(capsys):
    def xh_transposed(xs, h0, W_xh, W_hh, b):
        h, states = h0, []
        for t in range(xs.shape[0]):
            W = W_xh if W_xh.shape[0] == W_xh.shape[1] else W_xh.T  # only "works" when D = H
            h = (xs[t] @ W + h @ W_hh.T + b).tanh()
            states.append(h)
        return mg.stack(states)
    ok, out = run(check_rnn_forward, xh_transposed, capsys=capsys)
    assert not ok
    assert "test 3" in out and "W_xh is transposed" in out


# --- notebook 14, exercise 3: attention -------------------------------------------


def _attention_variant(divisor="sqrt_d", axis=-1, softmax=True, weights_only=False):
    def fn(Q, K, V):
        d = Q.shape[-1]
        scale = {"sqrt_d": math.sqrt(d), "none": 1.0, "d": d, "sqrt_dv": math.sqrt(V.shape[-1])}[divisor]
        scores = Q @ K.T / scale
        weights = F.softmax(scores, axis=axis) if softmax else scores
        return weights if weights_only else weights @ V
    return fn


@pytest.mark.parametrize("variant, words", [
    (dict(divisor="none"), "not scaled"),
    (dict(divisor="d"), "you divided by d"),
    (dict(divisor="sqrt_dv"), "width of Q and K"),
    (dict(axis=0), "over axis 0"),
    (dict(softmax=False), "softmax is missing"),
    (dict(weights_only=True), "multiply them by V"),
])
def test_attention_slips_are_named(variant, words, capsys):
    ok, out = run(check_attention, _attention_variant(**variant), capsys=capsys)
    assert not ok
    assert words in out and "❌" in out


# --- notebook 15, exercise 1: fa_hidden_delta -------------------------------------


@pytest.mark.parametrize("fn, words", [
    (lambda e, B, z: e @ B.T, "derivative is missing"),
    (lambda e, B, z: (e @ B.T) * np.maximum(z, 0), "multiplied by relu(z)"),
    (lambda e, B, z: -(e @ B.T) * (z > 0), "sign is flipped"),
    (lambda e, B, z: (e @ B.T)[:, :1] * (z > 0)[:, :1], "shape"),
])
def test_fa_delta_slips_are_named(fn, words, capsys):
    ok, out = run(check_fa_hidden_delta, fn, capsys=capsys)
    assert not ok
    assert words in out and "❌" in out


def test_fa_delta_untransposed_B_crashes_with_a_hint(capsys):
    ok, out = run(check_fa_hidden_delta, lambda e, B, z: (e @ B) * (z > 0), capsys=capsys)
    assert not ok
    assert "test 1" in out and "e @ B.T" in out


def test_fa_delta_untransposed_B_caught_in_the_square_case(capsys):
    def sneaky(e, B, z):
        M = B if B.shape[0] == B.shape[1] else B.T
        return (e @ M) * (z > 0)
    ok, out = run(check_fa_hidden_delta, sneaky, capsys=capsys)
    assert not ok
    assert "test 3" in out and "untransposed" in out


def test_fa_delta_accepts_tensors():
    def with_tensors(e, B, z):
        return (mg.Tensor(e) @ mg.Tensor(B).T) * mg.Tensor((z > 0).astype(np.float64))
    assert check_fa_hidden_delta(with_tensors)


# --- notebook 15, exercise 2: angle_degrees ---------------------------------------


def _unclipped(u, v):
    u, v = np.ravel(u), np.ravel(v)
    return float(np.degrees(np.arccos(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))))


@pytest.mark.parametrize("fn, words", [
    (lambda u, v: float(np.arccos(np.clip(np.ravel(u) @ np.ravel(v) / (np.linalg.norm(u) * np.linalg.norm(v)), -1, 1))),
     "radians"),
    (lambda u, v: float(np.ravel(u) @ np.ravel(v) / (np.linalg.norm(u) * np.linalg.norm(v))), "cosine"),
    (lambda u, v: float(np.degrees(np.arccos(np.clip(np.ravel(u) @ np.ravel(v), -1, 1)))), "two lengths"),
    (lambda u, v: np.degrees(np.arccos(np.clip(u @ v.T / (np.linalg.norm(u) * np.linalg.norm(v)), -1, 1))),
     "flatten"),
    (_unclipped, "clip"),
])
def test_angle_slips_are_named(fn, words, capsys):
    with np.errstate(invalid="ignore"):
        ok, out = run(check_angle_degrees, fn, capsys=capsys)
    assert not ok
    assert words in out and "❌" in out


def test_angle_matrix_product_crash_gets_the_flatten_hint(capsys):
    def matmul_of_matrices(u, v):
        return float(np.degrees(np.arccos(np.clip(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)), -1, 1))))
    ok, out = run(check_angle_degrees, matmul_of_matrices, capsys=capsys)
    assert not ok
    assert "test 5" in out and "flatten" in out
