"""Checkers for notebook 07: vectorized backprop.

Conventions of the notebook: a batch of N examples is a matrix X of shape
(N, in), one example per row; G = dL/dY is the gradient arriving from above,
of the shape of Y. Every reference answer below comes from minigrad's Tensor
autograd, never from the formulas the learner is asked to derive.

    check_linear_backward_xw   exercise 1: Y = X V + b with V of shape (in, out)
    check_unbroadcast          exercise 2: sum a gradient back to a broadcast shape (by the learner's
                               own sums: calling minigrad's `unbroadcast` is turned down)
    check_two_layer_backward   exercise 3: every gradient of a two-layer ReLU network
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from minigrad.tensor import Tensor
from .verdict import (Verdict, allclose, answer, arrays, autograd_gradients, compare, failed, hint,
                      method_allowed, one_array, passed)

__all__ = ["check_linear_backward_xw", "check_unbroadcast", "check_two_layer_backward"]

_ATOL, _RTOL = 1e-8, 1e-6


def _random(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.normal(size=shape).round(3)


_close = partial(allclose, atol=_ATOL, rtol=_RTOL)  # close enough to recognise a slip


# --- exercise 1: the other convention, Y = X V + b with V of shape (in, out) ---------------

_LINEAR_CASES = [(5, 3, 4), (1, 2, 3), (3, 3, 3)]  # (N, in, out): all different, one example, all equal


def _reference_linear_xw(X: np.ndarray, V: np.ndarray, b: np.ndarray, G: np.ndarray) -> list[np.ndarray]:
    """(dX, dV, db) for Y = X @ V + b and upstream gradient G, by Tensor autograd."""
    return autograd_gradients(lambda x, v, bb: x @ v + bb, [X, V, b], upstream=G)[1]


def check_linear_backward_xw(fn: Callable) -> Verdict:
    """Exercise 1: `fn(X, V, G)` returns (dX, dV, db) for Y = X @ V + b, V of shape (in, out).

    Tested with (N, in, out) = (5, 3, 4), (1, 2, 3) and (3, 3, 3); the last one,
    where every shape is square, catches a transpose that the shapes cannot.
    """
    rng = np.random.default_rng(7)
    for k, (n, d_in, d_out) in enumerate(_LINEAR_CASES, start=1):
        X, V, b, G = _random(rng, n, d_in), _random(rng, d_in, d_out), _random(rng, d_out), _random(rng, n, d_out)
        where = f"test {k} (N={n}, in={d_in}, out={d_out})"
        mine = answer(partial(arrays, names=("dX", "dV", "db")), where, fn, X.copy(), V.copy(), G.copy(),
                      name="linear_backward_xw")
        if mine is None:
            return Verdict(False)
        ref = _reference_linear_xw(X, V, b, G)
        dX, dV, db = mine
        if not compare(f"{where}: dX", dX, ref[0], _ATOL, _RTOL):
            if dX.shape != ref[0].shape:
                hint(f"dX has the shape of X, (N, in) = {ref[0].shape}. From G (N, out) and V (in, out) "
                     "the only product with that shape is G @ V.T.")
            return Verdict(False)
        if not compare(f"{where}: dV", dV, ref[1], _ATOL, _RTOL):
            if _close(dV, G.T @ X) or _close(dV.T, ref[1]):
                hint("you have G^T X, the formula for weights stored as (out, in) (Y = X W^T). Here V has shape "
                     f"(in, out) = {ref[1].shape}: the product of X (N, in) and G (N, out) with that shape is X^T G.")
            elif dV.shape != ref[1].shape:
                hint(f"dV has the shape of V, (in, out) = {ref[1].shape}. From X (N, in) and G (N, out) "
                     "only one product has that shape.")
            elif n > 1 and _close(dV, ref[1] / n):
                hint("your dV is the right one divided by N. The sum over the batch is already inside the "
                     "matrix product; do not average it again.")
            return Verdict(False)
        if not compare(f"{where}: db", db, ref[2], _ATOL, _RTOL):
            if db.shape == G.shape:
                hint(f"db must have the shape of b, (out,) = {ref[2].shape}: b was broadcast over the N rows, "
                     "so sum G over the batch axis (axis 0).")
            elif n > 1 and _close(db, G.mean(axis=0)):
                hint("you averaged G over the batch; every row used the same b, so the N gradients add up: sum.")
            elif _close(db, G.sum(axis=1)):
                hint("you summed G over axis 1 (the outputs); b is shared by the N examples, so sum over axis 0.")
            return Verdict(False)
    return passed("dX = G V^T, dV = X^T G and db = the column sums of G: right on all 3 tests, "
                  "including the square one where the shapes cannot tell a transpose apart.")


# --- exercise 2: undoing a broadcast ----------------------------------------------------------

_UNBROADCAST_CASES = [
    ((4, 3), (3,)),        # a bias added to every row
    ((4, 3), (4, 1)),      # a column stretched across the columns
    ((4, 3), (1, 3)),      # a row kept as 2-D
    ((2, 3, 4), (3, 1)),   # one axis added in front and one stretched
    ((2, 3, 4), (4,)),     # two axes added in front
    ((5,), ()),            # a single number broadcast to a vector
    ((3, 2), (3, 2)),      # nothing was broadcast
]


_OWN_SUMS = ("for your own sums: over the axes that broadcasting added in front, then with keepdims=True over "
             "the axes where `shape` has a 1 and g does not. minigrad's `unbroadcast` (or autograd's backward) is "
             "what the checker uses as its reference.")


def _reference_unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """The gradient autograd gives an operand of `shape` that was broadcast to g's shape."""
    return autograd_gradients(lambda t: t + Tensor(np.zeros(g.shape)), [np.zeros(shape)], upstream=g)[1][0]


def check_unbroadcast(fn: Callable) -> Verdict:
    """Exercise 2: `fn(g, shape)` sums g over the axes broadcasting added or stretched; returns `shape`."""
    if not method_allowed(fn, "unbroadcast_to", ("unbroadcast", "backward"), _OWN_SUMS):
        return Verdict(False)
    rng = np.random.default_rng(3)
    for g_shape, shape in _UNBROADCAST_CASES:
        g = _random(rng, *g_shape)
        keep = g.copy()
        what = f"unbroadcast_to(g of shape {g_shape}, {shape})"
        mine = answer(one_array, what, fn, g, shape, name="unbroadcast_to")
        if mine is None:
            return Verdict(False)
        if not np.array_equal(g, keep):
            return failed(f"{what} changed g in place. Leave g as it is and return a new array: "
                          "the same gradient may be needed elsewhere in the graph.")
        ref = _reference_unbroadcast(g, shape)
        if not compare(what, mine, ref, _ATOL, _RTOL):
            _hint_unbroadcast(mine, ref, g, shape)
            return Verdict(False)
    return passed("unbroadcast_to is right on 7 shapes: axes added in front are summed away, stretched axes "
                  "of size 1 are summed with keepdims.")


def _hint_unbroadcast(mine: np.ndarray, ref: np.ndarray, g: np.ndarray, shape: tuple) -> None:
    if mine.shape == g.shape and g.shape != tuple(shape):
        hint("you returned an array of g's own shape: sum it down to `shape`.")
    elif mine.shape == ref.shape and _close(mine, ref * (ref.size / g.size)):
        hint("you averaged. Each copy made by broadcasting sent its own gradient back to the one "
             "original number, so the copies add up: sum, do not average.")
    elif mine.size == ref.size and _close(mine.reshape(ref.shape), ref):
        hint(f"the numbers are right but the shape is {mine.shape}; reshape to {tuple(shape)}, keeping its 1s.")
    elif mine.shape == ref.shape:
        hint("sum over the leading axes that broadcasting added, and over every axis where `shape` has "
             "a 1 but g does not.")


# --- exercise 3: every gradient of a two-layer ReLU network, by hand --------------------------

_TWO_LAYER_CASES = [(6, 3, 5, 1), (4, 2, 3, 2), (1, 2, 4, 1)]  # (N, in, hidden, out)
_TWO_LAYER_NAMES = ("dW1", "db1", "dW2", "db2")


def _two_layer_inputs(rng: np.random.Generator, n: int, d_in: int, hidden: int, d_out: int) -> list[np.ndarray]:
    """X, T, W1, b1, W2, b2, with some pre-activations of each sign, so the ReLU matters."""
    while True:
        X, T = _random(rng, n, d_in), _random(rng, n, d_out)
        W1, b1 = _random(rng, hidden, d_in), _random(rng, hidden)
        W2, b2 = _random(rng, d_out, hidden), _random(rng, d_out)
        Z1 = X @ W1.T + b1
        if (Z1 > 0).any() and (Z1 < 0).any():
            return [X, T, W1, b1, W2, b2]


def _reference_two_layer(X, T, W1, b1, W2, b2, mask: bool = True) -> list[np.ndarray]:
    """(dW1, db1, dW2, db2) of mean((relu(X W1^T + b1) W2^T + b2 - T)^2), by Tensor autograd.

    With mask=False, the ReLU's derivative is left out on the way back (a common slip).
    """
    def loss(w1: Tensor, c1: Tensor, w2: Tensor, c2: Tensor) -> Tensor:
        z1 = Tensor(X) @ w1.T + c1
        if mask:
            h = z1.relu()
        else:  # relu forward, identity backward: h = z1 + (relu(z1) - z1) with the bracket held constant
            h = z1 + Tensor(np.maximum(z1.numpy(), 0.0) - z1.numpy())
        return ((h @ w2.T + c2 - Tensor(T)) ** 2).mean()
    return autograd_gradients(loss, [W1, b1, W2, b2])[1]


def check_two_layer_backward(fn: Callable) -> Verdict:
    """Exercise 3: `fn(X, T, W1, b1, W2, b2)` returns (dW1, db1, dW2, db2) of

        L = mean over all N*out entries of (Y - T)^2,  Y = relu(X W1^T + b1) W2^T + b2,

    with weights stored (out, in) as in the notebook. Tested on three networks,
    one with 2 outputs and one with a batch of a single example.
    """
    rng = np.random.default_rng(11)
    for k, (n, d_in, hidden, d_out) in enumerate(_TWO_LAYER_CASES, start=1):
        inputs = _two_layer_inputs(rng, n, d_in, hidden, d_out)
        where = f"test {k} (N={n}, sizes {d_in}-{hidden}-{d_out})"
        mine = answer(partial(arrays, names=_TWO_LAYER_NAMES), where, fn, *(a.copy() for a in inputs),
                      name="two_layer_backward")
        if mine is None:
            return Verdict(False)
        ref = _reference_two_layer(*inputs)
        shapes = [r.shape for r in ref]
        if [m.shape for m in mine] != shapes and sorted(m.shape for m in mine) == sorted(shapes):
            return failed(f"{where}: the shapes are {[m.shape for m in mine]}, expected {shapes}: "
                          "return the gradients in the order (dW1, db1, dW2, db2)")
        wrong = [name for name, m, r in zip(_TWO_LAYER_NAMES, mine, ref)
                 if not compare(f"{where}: {name}", m, r, _ATOL, _RTOL)]
        if not wrong:
            continue
        _hint_two_layer(mine, ref, inputs, wrong)
        return Verdict(False)
    return passed("all four gradients are right on 3 networks: dY = 2(Y - T)/(N out), then "
                  "dW2 = dY^T H, db2 = column sums, dZ1 = (dY W2) * (Z1 > 0), dW1 = dZ1^T X, db1 = column sums.")


def _hint_two_layer(mine, ref, inputs, wrong) -> None:
    """Name the usual slip when one is recognised."""
    if any(m.shape != r.shape for m, r in zip(mine, ref)):
        hint("each gradient has the shape of its parameter: "
             "W1 (hidden, in), b1 (hidden,), W2 (out, hidden), b2 (out,).")
        return
    big = max(range(4), key=lambda i: float(np.abs(ref[i]).max()))
    i_max = np.unravel_index(np.argmax(np.abs(ref[big])), ref[big].shape)
    k = float(mine[big][i_max] / ref[big][i_max]) if ref[big][i_max] != 0 else 0.0
    if k != 0.0 and not np.isclose(k, 1.0) and all(_close(m, k * r) for m, r in zip(mine, ref)):
        n, d_out = inputs[1].shape
        hint(f"all your gradients are {k:.4g} times the right ones. The loss is a mean over all N*out = {n * d_out} "
             "entries, so dL/dY = 2 (Y - T) / (N * out).")
        return
    if "dW2" not in wrong and "db2" not in wrong:
        unmasked = _reference_two_layer(*inputs, mask=False)
        if _close(mine[0], unmasked[0]) and _close(mine[1], unmasked[1]):
            hint("the output layer is right but the ReLU's derivative is missing on the way back: "
                 "dZ1 = dH * (Z1 > 0), with Z1 = X W1^T + b1.")
        else:
            hint("the output layer (dW2, db2) is right; look at the hidden layer: dH = dY W2, "
                 "dZ1 = dH * (Z1 > 0), dW1 = dZ1^T X, db1 = dZ1 summed over the batch.")
        return
    hint("start at the output: dY = 2 (Y - T) / (N * out), dW2 = dY^T H with H = relu(Z1), "
         "db2 = dY summed over axis 0.")
