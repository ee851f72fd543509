"""Checkers for notebook 10: vanishing and exploding gradients.

    check_gradient_norms      exercise 1: ||dL/dW_l|| of every Linear layer of a model, input layer first
    check_gradient_bound      exercise 2: the bound prod_k (max f') ||W_k||_2 on how much a gradient can grow
    check_saturated_fraction  exercise 3: the fraction of units whose slope f'(z) is below a threshold

Reference answers come from `minigrad_course.diagnostics` and NumPy, never from the
learner's code; each checker runs the learner's function on inputs of its own.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable

import numpy as np

from minigrad import nn

from .. import diagnostics
from minigrad.backend import manual_seed
from .verdict import Verdict, allclose, answer, attempt, compare, failed, hint, one_array, one_number, passed, random_state_kept

__all__ = ["check_gradient_norms", "check_gradient_bound", "check_saturated_fraction"]


_close = partial(allclose, atol=1e-12, rtol=1e-4)  # close enough to recognise a slip


def _vector(what: str, got: Any) -> np.ndarray | None:
    """The learner's answer as a 1-D float64 array, or None after saying why it is not one."""
    values = one_array(what, list(got) if isinstance(got, (list, tuple)) else got)
    return values.reshape(-1) if values is not None and values.ndim == 0 else values


# --- exercise 1: gradient norms per layer -------------------------------------------------------


def _models() -> list[tuple[str, nn.Module]]:
    manual_seed(10)
    return [
        ("a 5-layer sigmoid deep_mlp", diagnostics.deep_mlp(depth=5, width=8, activation="sigmoid", seed=1)),
        ("a 4-layer tanh deep_mlp with residual blocks",
         diagnostics.deep_mlp(depth=4, width=6, activation="tanh", residual=True, seed=2)),
        ("nn.MLP([64, 16, 12, 10])", nn.MLP([64, 16, 12, 10], activation="relu")),
    ]


def check_gradient_norms(fn: Callable) -> Verdict:
    """Exercise 1: `fn(model)` returns ||dL/dW_l|| for each Linear layer of `model`, input layer first.

    Each test model gets one backward pass of the cross-entropy on 16 random inputs
    first. The learner's function must only read the gradients, not change them.
    """
    with random_state_kept():  # the test models are seeded: leave the notebook's random numbers alone
        return _check_gradient_norms(fn)


def _check_gradient_norms(fn: Callable) -> Verdict:
    rng = np.random.default_rng(10)
    X = rng.normal(size=(16, 64)).astype(np.float32)
    y = rng.integers(0, 10, size=16)
    for what, model in _models():
        diagnostics.one_backward(model, X, y)
        layers = diagnostics.linear_layers(model)
        saved = [np.array(layer.weight.grad, copy=True) for layer in layers]
        ref = diagnostics.layer_gradient_norms(model)
        ok, got = attempt(fn, model, name="gradient_norms")
        if not ok:
            return Verdict(False)
        if any(not np.array_equal(layer.weight.grad, g) for layer, g in zip(layers, saved)):
            return failed(f"on {what}, gradient_norms changed a weight's .grad: only read the gradients")
        mine = _vector(f"gradient_norms on {what}", got)
        if mine is None:
            return Verdict(False)
        if compare(f"on {what}, the gradient norms", mine, ref, atol=1e-12, rtol=1e-4):
            continue
        _hint_norms(mine, ref, layers)
        return Verdict(False)
    return passed("gradient_norms is right on 3 models (a sigmoid stack, residual blocks, nn.MLP): "
                  "one Frobenius norm of dL/dW per Linear layer, input layer first.")


def _hint_norms(mine: np.ndarray, ref: np.ndarray, layers: list) -> None:
    n = len(ref)
    weights = np.array([np.linalg.norm(np.asarray(l.weight.data, dtype=np.float64)) for l in layers])
    biases = np.array([np.linalg.norm(np.asarray(l.bias.grad, dtype=np.float64)) for l in layers])
    maxabs = np.array([np.abs(np.asarray(l.weight.grad, dtype=np.float64)).max() for l in layers])
    if mine.shape == (2 * n,):
        hint(f"you have {2 * n} numbers for {n} Linear layers: take only each layer's weight "
             "(layer.weight.grad), not its bias.")
    elif mine.shape != ref.shape:
        hint(f"there are {n} Linear layers here, you returned {mine.size} numbers. Find every Linear "
             "inside the model, nested blocks included: [m for m in model.modules() if isinstance(m, nn.Linear)].")
    elif _close(mine, ref[::-1]):
        hint("your norms are in reverse order: the input layer (the one with 64 inputs) comes first.")
    elif _close(mine, ref ** 2):
        hint("these are the squared norms: take the square root of the sum of squares.")
    elif _close(mine, weights):
        hint("these are the norms of the weights themselves: use the gradient, layer.weight.grad.")
    elif _close(mine, np.sqrt(ref ** 2 + biases ** 2)):
        hint("you included the bias gradient: measure the weight gradient alone.")
    elif _close(mine, maxabs):
        hint("this is the largest |entry|; the norm is sqrt(sum of squares) of all entries: np.linalg.norm(g).")


# --- exercise 2: the bound on the backward pass -------------------------------------------------


def _reference_bound(weights: list[np.ndarray], max_slope: float, norm: Any = 2, skip: int = 1) -> np.ndarray:
    """B_l = prod_{k = l + skip}^{L} max_slope * ||W_k|| (1-based l), B_L = 1 for skip = 1."""
    factors = [max_slope * np.linalg.norm(W, norm) for W in weights]
    L = len(weights)
    return np.array([float(np.prod(factors[l - 1 + skip:])) for l in range(1, L + 1)])


def check_gradient_bound(fn: Callable) -> Verdict:
    """Exercise 2: `fn(weights, max_slope)` returns B_1..B_n with B_l = prod_{k=l+1}^{n} max_slope * ||W_k||_2.

    `weights` is the list [W_1, ..., W_n] of NumPy arrays of shape (out, in); ||W||_2
    is the spectral norm (the largest singular value); B_n = 1 (an empty product).
    """
    rng = np.random.default_rng(20)
    shapes = [(8, 5), (8, 8), (6, 8), (6, 6), (3, 6)]
    cases = [(0.25, 1.0), (1.0, 0.5), (0.25, 3.0)]
    for max_slope, scale in cases:
        weights = [rng.normal(scale=scale / np.sqrt(s[1]), size=s) for s in shapes]
        copies = [W.copy() for W in weights]
        what = f"gradient_bound(5 weights, max_slope={max_slope})"
        mine = answer(_vector, what, fn, copies, max_slope, name="gradient_bound")
        if mine is None:
            return Verdict(False)
        ref = _reference_bound(weights, max_slope)
        if compare(what, mine, ref, atol=1e-12, rtol=1e-6):
            continue
        if mine.shape == (len(weights) - 1,):
            hint("return one bound per layer, n numbers for n weights: the last one, for the output layer, is 1 (an empty product).")
        elif _close(mine, ref[::-1]):
            hint("your bounds are in reverse order: B_1 (input layer, the smallest) first, B_n = 1 last.")
        elif _close(mine, _reference_bound(weights, max_slope, norm="fro")):
            hint("you used the Frobenius norm; the bound needs the spectral norm ||W||_2 = the largest "
                 "singular value: np.linalg.norm(W, 2).")
        elif _close(mine, _reference_bound(weights, max_slope, skip=0)):
            hint("each B_l should multiply the factors of the layers *above* l only (k = l+1 .. n): "
                 "delta_l gets W_{l+1}^T, not W_l^T.")
        elif _close(mine, _reference_bound(weights, 1.0)):
            hint("the factor max_slope is missing: each layer multiplies by f'(z) <= max_slope too.")
        return Verdict(False)
    return passed("gradient_bound is right: B_l = prod over the layers above l of max_slope * ||W_k||_2, "
                  "and B_n = 1.")


# --- exercise 3: saturation --------------------------------------------------------------------


def _slope(h: np.ndarray, activation: str) -> np.ndarray:
    return h * (1 - h) if activation == "sigmoid" else 1 - h * h


def check_saturated_fraction(fn: Callable) -> Verdict:
    """Exercise 3: `fn(h, activation, threshold=0.01)` is the fraction of entries of h whose slope is < threshold.

    h holds outputs of the activation ("sigmoid" or "tanh"), any shape; the slope
    comes from the output: h(1 - h) for the sigmoid, 1 - h^2 for tanh.
    """
    rng = np.random.default_rng(30)
    z = rng.normal(scale=4.0, size=(40, 25))
    cases = [("sigmoid", 1 / (1 + np.exp(-z)), None), ("tanh", np.tanh(z), None),
             ("sigmoid", 1 / (1 + np.exp(-z[:7])), 0.1), ("tanh", np.tanh(z[:, :3]), 0.5)]
    for activation, h, threshold in cases:
        args = (h.copy(), activation) if threshold is None else (h.copy(), activation, threshold)
        t = 0.01 if threshold is None else threshold
        what = f"saturated_fraction(h of shape {h.shape}, {activation!r}" + ("" if threshold is None else f", {t}") + ")"
        mine = answer(one_number, what, fn, *args, name="saturated_fraction")
        ref = float((_slope(h, activation) < t).mean())
        if mine is None:
            return Verdict(False)
        if compare(what, mine, ref, atol=1e-9, rtol=0):
            continue
        other = "tanh" if activation == "sigmoid" else "sigmoid"
        if np.isclose(mine, (_slope(h, activation) < t).sum()):
            hint("that is a count; divide by the number of entries (h.size), or take the mean of the mask.")
        elif np.isclose(mine, 1 - ref):
            hint("you counted the units that are *not* saturated: saturated means slope < threshold.")
        elif np.isclose(mine, (_slope(h, other) < t).mean()):
            hint(f"that is the {other}'s slope. For {activation}, f'(z) = "
                 + ("h (1 - h)." if activation == "sigmoid" else "1 - h^2."))
        elif np.isclose(mine, (_slope(1 / (1 + np.exp(-h)) if activation == "sigmoid" else np.tanh(h), activation) < t).mean()):
            hint("h is already the activation's output f(z): compute the slope from h directly, do not apply f again.")
        elif threshold is not None and np.isclose(mine, (_slope(h, activation) < 0.01).mean()):
            hint("use the `threshold` argument instead of a fixed 0.01.")
        return Verdict(False)
    return passed("saturated_fraction is right for sigmoid and tanh, on arrays of any shape and any threshold.")
