"""The checkers of notebooks 10 and 11 reject wrong answers saying what and where, with the usual slip named."""
import math

import numpy as np
import pytest

import minigrad as mg
from checks_references import batch_norm, clip_by_global_norm, gradient_bound, gradient_norms, init_std, saturated_fraction
from minigrad import nn
from minigrad_course.checks import (check_batch_norm, check_clip_by_global_norm, check_gradient_bound,
                                    check_gradient_norms, check_init_std, check_saturated_fraction)


def rejected(check, fn, capsys, *expected):
    """The checker says no, and its message contains each expected phrase."""
    ok = check(fn)
    out = capsys.readouterr().out
    assert not ok, out
    assert "❌" in out, out
    for phrase in expected:
        assert phrase in out, f"{phrase!r} not in:\n{out}"
    return out


# --- notebook 10, exercise 1 ---------------------------------------------------------------------


def test_gradient_norms_accepts_arrays_and_tensors(capsys):
    assert check_gradient_norms(lambda model: np.array(gradient_norms(model)))
    assert check_gradient_norms(lambda model: mg.Tensor(np.array(gradient_norms(model))))


@pytest.mark.parametrize("wrong, phrase", [
    (lambda model: gradient_norms(model)[::-1], "reverse order"),
    (lambda model: [n ** 2 for n in gradient_norms(model)], "squared norms"),
    (lambda model: [float(np.linalg.norm(m.weight.data)) for m in model.modules() if isinstance(m, nn.Linear)],
     "norms of the weights themselves"),
    (lambda model: [float(np.linalg.norm(p.grad)) for p in model.parameters()], "not its bias"),
    (lambda model: [float(np.linalg.norm(m.weight.grad)) for m in model if isinstance(m, nn.Linear)],
     "nested blocks included"),
    (lambda model: [float(np.abs(m.weight.grad).max()) for m in model.modules() if isinstance(m, nn.Linear)],
     "largest |entry|"),
])
def test_gradient_norms_rejects_with_a_hint(wrong, phrase, capsys):
    out = rejected(check_gradient_norms, wrong, capsys, "Hint", phrase)
    assert "on a 5-layer sigmoid deep_mlp" in out or "residual" in out, "says on which model"


def test_gradient_norms_must_not_touch_the_gradients(capsys):
    def zeroes(model):
        norms = gradient_norms(model)
        model.zero_grad()
        return norms
    rejected(check_gradient_norms, zeroes, capsys, "changed a weight's .grad")


def test_gradient_norms_says_where_a_value_differs(capsys):
    def off(model):
        norms = gradient_norms(model)
        norms[2] *= 1.5
        return norms
    rejected(check_gradient_norms, off, capsys, "at index (2,)", "you have")


def test_gradient_norms_none(capsys):
    rejected(check_gradient_norms, lambda model: None, capsys, "returned None")


# --- notebook 10, exercise 2 ---------------------------------------------------------------------


@pytest.mark.parametrize("wrong, phrase", [
    (lambda W, s: gradient_bound(W, s)[::-1], "reverse order"),
    (lambda W, s: gradient_bound(W, s)[:-1], "n numbers"),
    (lambda W, s: [float(np.prod([s * np.linalg.norm(w) for w in W][l + 1:])) for l in range(len(W))],
     "Frobenius"),
    (lambda W, s: [float(np.prod([s * np.linalg.norm(w, 2) for w in W][l:])) for l in range(len(W))],
     "above"),
    (lambda W, s: gradient_bound(W, 1.0), "max_slope is missing"),
])
def test_gradient_bound_rejects_with_a_hint(wrong, phrase, capsys):
    rejected(check_gradient_bound, wrong, capsys, "Hint", phrase, "gradient_bound(5 weights, max_slope=0.25)")


# --- notebook 10, exercise 3 ---------------------------------------------------------------------


def test_saturated_fraction_accepts_numpy_scalars(capsys):
    assert check_saturated_fraction(lambda h, a, threshold=0.01: np.mean(
        (h * (1 - h) if a == "sigmoid" else 1 - h * h) < threshold))


@pytest.mark.parametrize("wrong, phrase", [
    (lambda h, a, threshold=0.01: float(np.sum((h * (1 - h) if a == "sigmoid" else 1 - h ** 2) < threshold)),
     "that is a count"),
    (lambda h, a, threshold=0.01: 1 - saturated_fraction(h, a, threshold), "*not* saturated"),
    (lambda h, a, threshold=0.01: saturated_fraction(h, "sigmoid", threshold), "that is the sigmoid's slope"),
    (lambda h, a, threshold=0.01: saturated_fraction(1 / (1 + np.exp(-h)) if a == "sigmoid" else np.tanh(h), a,
                                                     threshold), "do not apply f again"),
    (lambda h, a, threshold=0.01: saturated_fraction(h, a), "`threshold` argument"),
])
def test_saturated_fraction_rejects_with_a_hint(wrong, phrase, capsys):
    rejected(check_saturated_fraction, wrong, capsys, "Hint", phrase)


def test_saturated_fraction_wants_one_number(capsys):
    rejected(check_saturated_fraction, lambda h, a, threshold=0.01: h, capsys, "expected one number")


# --- notebook 11, exercise 1 ---------------------------------------------------------------------


@pytest.mark.parametrize("wrong, phrase", [
    (lambda i, o, a: init_std(i, o, a) ** 2, "that is the variance"),
    (lambda i, o, a: math.sqrt(2 / o) if a == "relu" else init_std(i, o, a), "fan_in inputs"),
    (lambda i, o, a: math.sqrt(1 / i) if a == "relu" else init_std(i, o, a), "halves the second moment"),
    (lambda i, o, a: math.sqrt(2 / (i + o)), "Xavier's average"),
    (lambda i, o, a: init_std(i, o, a) if a == "relu" else math.sqrt(1 / (i + o)), "2 / (fan_in + fan_out)"),
    (lambda i, o, a: init_std(i, o, a) if a == "relu" else math.sqrt(1 / i), "only the forward pass"),
    (lambda i, o, a: math.sqrt(2 / i), "that is He's rule"),
])
def test_init_std_rejects_with_a_hint(wrong, phrase, capsys):
    rejected(check_init_std, wrong, capsys, "Hint", phrase, "init_std(")


def test_init_std_wants_a_number(capsys):
    rejected(check_init_std, lambda i, o, a: [1.0, 2.0], capsys, "expected one number")


# --- notebook 11, exercise 2 ---------------------------------------------------------------------


@pytest.mark.parametrize("wrong, phrase", [
    (lambda z, eps=1e-5: (z - z.mean(axis=1, keepdims=True)) / np.sqrt(z.var(axis=1, keepdims=True) + eps),
     "that is LayerNorm"),
    (lambda z, eps=1e-5: (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0, ddof=1) + eps), "biased variance"),
    (lambda z, eps=1e-5: (z - z.mean(axis=0)) / (z.var(axis=0) + eps), "not by the variance"),
    (lambda z, eps=1e-5: (z - z.mean(axis=0)) / (z.std(axis=0) + eps), "under the square root"),
    (lambda z, eps=1e-5: (z - z.mean(axis=0)) / z.std(axis=0), "eps is missing"),
    (lambda z, eps=1e-5: batch_norm(z), "`eps` argument"),
])
def test_batch_norm_rejects_with_a_hint(wrong, phrase, capsys):
    rejected(check_batch_norm, wrong, capsys, "Hint", phrase, "batch_norm on test")


def test_batch_norm_must_not_modify_z(capsys):
    def in_place(z, eps=1e-5):
        z -= z.mean(axis=0)
        return z / np.sqrt(z.var(axis=0) + eps)
    rejected(check_batch_norm, in_place, capsys, "changed z in place")


# --- notebook 11, exercise 3 ---------------------------------------------------------------------


@pytest.mark.parametrize("wrong, phrase", [
    (lambda grads, m: ([g * min(1.0, m / np.linalg.norm(g)) for g in grads],
                       clip_by_global_norm(grads, m)[1]), "by its own norm"),
    (lambda grads, m: ([g * m / clip_by_global_norm(grads, m)[1] for g in grads],
                       clip_by_global_norm(grads, m)[1]), "clipping only ever shrinks"),
    (lambda grads, m: (clip_by_global_norm(grads, m)[0], min(m, clip_by_global_norm(grads, m)[1])),
     "*before* clipping"),
    (lambda grads, m: (clip_by_global_norm(grads, m)[0], clip_by_global_norm(grads, m)[1] ** 2),
     "sum of squares"),
    (lambda grads, m: (clip_by_global_norm(grads, m)[0], sum(np.linalg.norm(g) for g in grads)),
     "not the sum of the norms"),
])
def test_clip_rejects_with_a_hint(wrong, phrase, capsys):
    rejected(check_clip_by_global_norm, wrong, capsys, "Hint", phrase, "clip_by_global_norm on")


def test_clip_must_not_modify_the_gradients(capsys):
    def in_place(grads, max_norm):
        clipped, total = clip_by_global_norm(grads, max_norm)
        for g, c in zip(grads, clipped):
            g[...] = c
        return grads, total
    rejected(check_clip_by_global_norm, in_place, capsys, "changed in place")


def test_clip_wants_a_pair(capsys):
    rejected(check_clip_by_global_norm, lambda grads, m: clip_by_global_norm(grads, m)[0], capsys,
             "expected 2 values (clipped, total_norm), got 4 values")
