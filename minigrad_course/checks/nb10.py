"""Checkers for notebook 10: vanishing and exploding gradients.

    check_deep_backward   exercise 1: the backward pass of a deep sigmoid stack by hand, in batch (row) form
    check_gradient_bound  exercise 2: the bound prod_k (max f') ||W_k||_2 on how much a gradient can grow

The references come from minigrad's autograd (exercise 1, itself checked against
finite differences) and NumPy (exercise 2), never from the learner's code; each
checker runs the learner's function on inputs of its own and replays the usual
slips to name the one the learner made.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable

import numpy as np

from minigrad import functional as F
from minigrad.tensor import Tensor
from .verdict import (Verdict, allclose, answer, attempt, autograd_gradients, compare, failed, hint, method_allowed,
                      one_array, passed, tuple_of)

__all__ = ["check_deep_backward", "check_gradient_bound"]


_close = partial(allclose, atol=1e-12, rtol=1e-4)  # close enough to recognise a slip


def _vector(what: str, got: Any) -> np.ndarray | None:
    """The learner's answer as a 1-D float64 array, or None after saying why it is not one."""
    values = one_array(what, list(got) if isinstance(got, (list, tuple)) else got)
    return values.reshape(-1) if values is not None and values.ndim == 0 else values


# --- exercise 1: the backward pass of the whole stack ----------------------------------------------

_BY_HAND = ("for the backward pass by hand, in NumPy: the recursion delta_l = (delta_(l+1) @ W_(l+1)) * sigma'(Z_l) "
            "and the products with the layers' inputs (the checker uses autograd to check you, so it must not "
            "check autograd against itself).")
_SHORTCUTS = ("backward", "Tensor", "tensor", "requires_grad", "one_backward", "layer_gradient_norms",
              "autograd_gradients", "gradcheck", "record_activations")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _forward(weights: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray) -> list[np.ndarray]:
    """[Z_1, ..., Z_L]: Z_l = H_{l-1} W_l^T + b_l, H_0 = X, H_l = sigmoid(Z_l); Z_L (the logits) has no sigmoid."""
    zs, h = [], X
    for k, (W, b) in enumerate(zip(weights, biases)):
        z = h @ W.T + b
        zs.append(z)
        if k < len(weights) - 1:
            h = _sigmoid(z)
    return zs


def _autograd_reference(weights, biases, X, G) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """dL/dW_l and dL/db_l for L = sum(G * Z_L), by minigrad's autograd (so dL/dZ_L = G exactly)."""
    n = len(weights)

    def network(*params):
        h = Tensor(X)
        for k in range(n):
            z = F.linear(h, params[2 * k], params[2 * k + 1])
            h = z.sigmoid() if k < n - 1 else z
        return h

    _, grads = autograd_gradients(network, [p for pair in zip(weights, biases) for p in pair], upstream=G)
    return grads[0::2], grads[1::2]


def _by_recursion(weights, X, zs, G, slope=None, layer_input=None, scale=1.0, transpose_dW=False):
    """The backward pass with one piece swappable, to replay a slip (the defaults give the right answer)."""
    slope = slope or (lambda z: _sigmoid(z) * (1 - _sigmoid(z)))
    inputs = [X] + [_sigmoid(z) for z in zs[:-1]] if layer_input is None else layer_input
    n = len(weights)
    deltas = [None] * n
    deltas[-1] = G
    for l in range(n - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ weights[l + 1]) * slope(zs[l])
    dW = [scale * (inputs[l].T @ deltas[l] if transpose_dW else deltas[l].T @ inputs[l]) for l in range(n)]
    db = [scale * d.sum(axis=0) for d in deltas]
    return dW, db


def _weight_slips(weights, X, zs, G) -> list[tuple[list[np.ndarray], str]]:
    """(the weight gradients a slip gives, the hint that names it)."""
    rec = partial(_by_recursion, weights, X, zs, G)
    return [
        (rec(slope=lambda z: np.ones_like(z))[0],
         "the factor sigma'(Z_l) is missing: each hidden layer multiplies the gradient by its slope on the way down."),
        (rec(slope=lambda z: z * (1 - z))[0],
         "z (1 - z) is the sigmoid's slope written with its *output* h = sigma(z); the arrays you get are the "
         "pre-activations Z_l, so use sigma(Z_l) (1 - sigma(Z_l))."),
        (rec(slope=lambda z: _sigmoid(z))[0], "you multiplied by sigma(Z_l) itself; the slope is sigma(Z_l) (1 - sigma(Z_l))."),
        (rec(transpose_dW=True)[0], "your weight gradients are transposed: dL/dW_l has W_l's shape (out, in), "
                                    "delta_l.T @ H_{l-1}."),
        (rec(scale=1 / len(X))[0], "you divided by the batch size N; delta_out already is the gradient of the loss, "
                                   "so the matrix product's sum over the examples is all there is to do."),
        (rec(layer_input=[X] + list(zs[:-1]))[0], "the input of layer l is H_{l-1} = sigma(Z_{l-1}) (and X for the "
                                                  "first layer), not the pre-activation Z_{l-1}."),
        (rec(layer_input=[_sigmoid(X)] + [_sigmoid(z) for z in zs[:-1]])[0],
         "the first layer's input is X itself: no sigmoid was applied to the data."),
    ]


def _cases(rng: np.random.Generator) -> list[tuple[str, list[tuple[int, int]], int]]:
    """(label, weight shapes (out, in), batch size): a square stack first, so a transposed W shows in the numbers."""
    return [("3 layers, 5 -> 5 -> 5 -> 3", [(5, 5), (5, 5), (3, 5)], 6),
            ("4 layers, 4 -> 6 -> 5 -> 3 -> 2", [(6, 4), (5, 6), (3, 5), (2, 3)], 7),
            ("2 layers, 3 -> 4 -> 2, one example", [(4, 3), (2, 4)], 1)]


def _finite_difference(weights, biases, X, G, layer: int, index: tuple[int, int], h: float = 1e-6) -> float:
    """dL/dW_layer[index] for L = sum(G * Z_L), by a central difference."""
    values = []
    for sign in (1, -1):
        shifted = [W.copy() for W in weights]
        shifted[layer][index] += sign * h
        values.append(float((G * _forward(shifted, biases, X)[-1]).sum()))
    return (values[0] - values[1]) / (2 * h)


def check_deep_backward(deep_backward: Callable) -> Verdict:
    """Exercise 1: `deep_backward(weights, X, zs, delta_out)` returns (dW, db): the lists of dL/dW_l and dL/db_l.

    The network: H_0 = X (N, n_0), Z_l = H_{l-1} W_l^T + b_l, H_l = sigmoid(Z_l) for l < L, and
    Z_L the output. `weights` = [W_1, ..., W_L] (each (out, in)), `zs` = [Z_1, ..., Z_L] from the
    forward pass, `delta_out` = dL/dZ_L (N, n_L). Checked against minigrad's autograd for
    L = sum(delta_out * Z_L), and one entry per layer against a central difference.
    """
    name = "deep_backward"
    if not method_allowed(deep_backward, name, _SHORTCUTS, _BY_HAND):
        return Verdict(False)
    rng = np.random.default_rng(10)
    fd_checked = 0
    for label, shapes, n in _cases(rng):
        weights = [rng.normal(scale=1.5 / np.sqrt(s[1]), size=s) for s in shapes]
        biases = [rng.normal(scale=0.5, size=s[0]) for s in shapes]
        X = rng.normal(size=(n, shapes[0][1]))
        zs = _forward(weights, biases, X)
        G = rng.normal(size=zs[-1].shape)
        what = f"deep_backward on {label}"
        copies = [a.copy() for a in weights], X.copy(), [z.copy() for z in zs], G.copy()
        ok, got = attempt(deep_backward, *copies, name=name, where=what)
        if not ok:
            if isinstance(got, ValueError):
                hint("check the shapes. In row form Z_{l+1} = H_l W_{l+1}^T + b, so dL/dH_l = delta_{l+1} @ W_{l+1} "
                     "(no transpose) has the shape of H_l, (N, n_l); delta_l = that times sigma'(Z_l), the slope of "
                     "layer l itself; dL/dW_l has W_l's shape (out, in).")
            return Verdict(False)
        if any(not np.array_equal(a, b) for a, b in zip(copies[0] + [copies[1]] + copies[2] + [copies[3]],
                                                        weights + [X] + zs + [G])):
            return failed(f"{what}: your function changed one of its inputs in place; compute new arrays instead")
        pair = tuple_of(what, got, ("dW", "db"), "lists")
        if pair is None:
            return Verdict(False)
        dW_ref, db_ref = _autograd_reference(weights, biases, X, G)
        if not _same_gradients(what, pair, dW_ref, db_ref, (weights, X, zs, G)):
            return Verdict(False)
        dW = [np.asarray(a, dtype=np.float64) for a in pair[0]]
        for layer in range(len(weights)):
            index = tuple(int(i) for i in rng.integers(0, weights[layer].shape))
            numeric = _finite_difference(weights, biases, X, G, layer, index)
            if not compare(f"{what}: dL/dW_{layer + 1}{list(index)} against a central difference", dW[layer][index],
                           numeric, atol=1e-6, rtol=1e-5):
                return Verdict(False)
            fd_checked += 1
    return passed(f"deep_backward is right on 3 networks (a batch of 6, of 7, and a single example): every dL/dW_l "
                  f"and dL/db_l equals minigrad's autograd, and {fd_checked} entries equal a central difference.")


def _same_gradients(what: str, pair, dW_ref, db_ref, inputs) -> bool:
    """Compare the learner's (dW, db) with the reference, naming the first gradient that differs and the slip."""
    n = len(dW_ref)
    for kind, got, ref in (("dW", pair[0], dW_ref), ("db", pair[1], db_ref)):
        if not isinstance(got, (list, tuple)) or len(got) != n:
            have = f"{len(got)} arrays" if isinstance(got, (list, tuple)) else f"a {type(got).__name__}"
            failed(f"{what}: {kind} should be a list of {n} arrays, one per layer (input layer first), got {have}")
            return False
        for l in range(n):
            label = f"{what}: dL/d{'W' if kind == 'dW' else 'b'}_{l + 1} (layer {l + 1} of {n})"
            mine = one_array(label, got[l])
            if mine is None:
                return False
            if compare(label, mine, ref[l], atol=1e-10, rtol=1e-7):
                continue
            if kind == "dW":
                _hint_weight_slip(got, ref, inputs, l)
            else:
                _hint_bias_slip(mine, ref[l], len(inputs[1]))
            return False
    return True


def _hint_weight_slip(got, ref, inputs, l: int) -> None:
    mine = [np.asarray(a, dtype=np.float64) for a in got]
    if len(ref) > 1 and all(_close(a, b) for a, b in zip(mine[::-1], ref)):
        hint("your gradients are in reverse order: the input layer's dL/dW_1 comes first.")
        return
    for wrong, message in _weight_slips(*inputs):
        if _close(mine[l], wrong[l]):
            hint(message)
            return
    if l == len(ref) - 1:
        hint("the output layer needs no recursion: dL/dW_L = delta_out.T @ H_{L-1}, with delta_out as given.")


def _hint_bias_slip(mine: np.ndarray, ref: np.ndarray, n_examples: int) -> None:
    if mine.ndim == 2:
        hint("dL/db_l is one number per unit, shape (out,): sum delta_l over the examples (axis 0).")
    elif mine.shape == (n_examples,) and mine.shape != ref.shape:
        hint("you summed over the units (axis 1); dL/db_l sums delta_l over the examples, axis 0.")
    elif _close(mine, ref / n_examples):
        hint("sum delta_l over the examples (axis 0), do not average it: delta_out already is the loss's gradient.")
    else:
        hint("dL/db_l = delta_l summed over the examples: delta_l.sum(axis=0), with the same delta_l as for dL/dW_l.")


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
