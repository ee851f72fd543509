"""Checkers for notebook 04: from a neuron to a two-layer network.

The network of the notebook has 2 inputs, a hidden layer of tanh units and one
output. Its 9 parameters live in a dict with the keys of `PARAM_NAMES`:

    z_j = w_j1 x_1 + w_j2 x_2 + b_j,   h_j = tanh(z_j)        (j = 1, 2)
    s   = v_1 h_1 + v_2 h_2 + c

Every reference answer below is computed with `minigrad.Value` and `backward()`,
independently of the learner's hand-derived formulas. Exercise 1 asks for the
deltas from the formulas, so a function that calls `Value` or `backward()` is
turned down, and the deltas must be exact (a finite difference is not).
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from minigrad.value import Value
from .verdict import (EXACT_ATOL, EXACT_RTOL, Verdict, allclose, answer, failed, hint_first_slip,
                      hint_if_approximate, method_allowed, number_dict, numbers, passed)

__all__ = ["check_hidden_deltas", "check_squared_error_gradients", "check_train_per_example"]

PARAM_NAMES = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")

# Test inputs shared by the checkers: a few parameter sets and examples.
_PARAMS = [
    dict(w11=0.6, w12=-0.4, w21=-0.3, w22=0.8, b1=0.1, b2=0.2, v1=0.9, v2=-0.7, c=0.05),
    dict(w11=-1.2, w12=0.7, w21=0.5, w22=1.5, b1=-0.3, b2=0.4, v1=-1.1, v2=0.6, c=-0.2),
    dict(w11=2.0, w12=-1.5, w21=1.0, w22=-0.5, b1=0.0, b2=-1.0, v1=1.3, v2=2.1, c=0.3),
]
_EXAMPLES = [((0.5, -1.0), 1.0), ((1.5, 0.25), 0.0), ((-0.8, 2.0), 1.0)]
_XOR_X = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
_XOR_Y = [0.0, 1.0, 1.0, 0.0]


def _fmt(x) -> str:
    return "(" + ", ".join(f"{v:g}" for v in x) + ")"


_nine_numbers = partial(number_dict, keys=PARAM_NAMES)  # the learner's dict of 9 parameters or gradients


def _as_vector(params: dict) -> np.ndarray:
    """The 9 parameters (or gradients) as an array, in the order of PARAM_NAMES."""
    return np.array([params[k] for k in PARAM_NAMES], dtype=np.float64)


def _say_which_differ(where: str, mine: dict, ref: dict, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Print one line per gradient that differs from the reference; True if any does."""
    wrong = [n for n in ref if not allclose(mine[n], ref[n], atol=atol, rtol=rtol)]
    for n in wrong:
        failed(f"{where}: {n} is {mine[n]:.6g}, expected {ref[n]:.6g} (off by {mine[n] - ref[n]:.3g})")
    return bool(wrong)


# --- exercise 1: the hidden deltas of a network of any width ---------------------

_FORMULAS = ("for the deltas from the formulas: the forward pass in floats, then each delta_j by the chain "
             "rule, without Value (the checker uses autograd to check you).")


def _reference_hidden_deltas(W, b, v, c, x, y) -> tuple[list[float], float, list[float]]:
    """(delta_j for each hidden unit, delta_out, h_j) by autograd, for tanh hidden units, sigmoid output, BCE."""
    zs = [Value(sum(wji * xi for wji, xi in zip(row, x)) + bj) for row, bj in zip(W, b)]
    hs = [z.tanh() for z in zs]
    s = c + sum((vj * h for vj, h in zip(v, hs)), Value(0.0))
    p = s.sigmoid()
    loss = -(y * p.log() + (1 - y) * (1 - p).log())
    loss.backward()
    return [z.grad for z in zs], s.grad, [h.data for h in hs]


_DELTA_CASES = [
    ([[0.6, -0.4], [-0.3, 0.8]], [0.1, 0.2], [0.9, -0.7], 0.05, [0.5, -1.0], 1.0),
    ([[1.0, 0.5], [-0.5, 1.5], [0.25, -2.0]], [0.0, -0.5, 0.3], [1.2, -0.4, 0.8], -0.1, [0.3, 0.7], 0.0),
    ([[0.2, -0.1, 0.4], [1.1, 0.3, -0.6], [-0.9, 0.5, 0.05], [0.7, 0.7, -0.2]],
     [0.1, -0.2, 0.0, 0.3], [0.5, -1.5, 0.9, 0.4], 0.2, [1.0, -0.5, 2.0], 1.0),
]


def check_hidden_deltas(fn: Callable) -> Verdict:
    """Exercise 1: `fn(W, b, v, c, x, y)` returns [delta_1, ..., delta_n], delta_j = dL/dz_j.

    Tested on networks with 2, 3 and 4 hidden units (2 or 3 inputs), tanh
    hidden units, a sigmoid output and binary cross-entropy; exact to 13 digits.
    """
    if not method_allowed(fn, "hidden_deltas", ("Value", "backward", "gradcheck", "loss_of"), _FORMULAS):
        return Verdict(False)
    for k, (W, b, v, c, x, y) in enumerate(_DELTA_CASES, start=1):
        where = f"test {k} ({len(W)} hidden units, x={_fmt(x)}, y={y:g})"
        names = [f"delta_{j + 1}" for j in range(len(W))]
        mine = answer(partial(numbers, names=names), f"hidden_deltas on {where}", fn,
                      [list(row) for row in W], list(b), list(v), c, list(x), y, name="hidden_deltas")
        if mine is None:
            return Verdict(False)
        ref, d_out, hs = _reference_hidden_deltas(W, b, v, c, x, y)
        if _say_which_differ(where, dict(zip(names, mine)), dict(zip(names, ref)), EXACT_RTOL, EXACT_ATOL):
            if not hint_if_approximate(mine, ref, _FORMULAS):
                hint_first_slip(mine, _delta_slips(ref, d_out, v, hs), rtol=1e-6, atol=1e-9)
            return Verdict(False)
    return passed("hidden_deltas is right for 2, 3 and 4 hidden units: delta_j = (p - y) * v_j * (1 - h_j^2).")


def _delta_slips(ref, d_out, v, hs) -> list[tuple[list[float], str]]:
    """The usual slips, each a whole list of deltas, with the factor of the chain rule that is off."""
    return [
        ([-r for r in ref], "every delta has the wrong sign. The output delta is dL/ds = p - y (not y - p)."),
        ([d_out * vj for vj in v], "you have dL/dh_j = (p - y) v_j. One more factor of the chain rule: "
                                   "dh_j/dz_j = 1 - h_j^2."),
        ([d_out * vj * (1 - h) for vj, h in zip(v, hs)], "the tanh derivative is 1 - h_j^2 (squared), not 1 - h_j."),
        ([d_out * vj * h * (1 - h) for vj, h in zip(v, hs)], "h(1 - h) is the derivative of the sigmoid; the "
                                                              "hidden units are tanh: 1 - h_j^2."),
    ]


# --- exercise 2: all 9 gradients with a linear output and squared error ----------


def _reference_squared_error(P: dict, x, y) -> dict[str, float]:
    V = {k: Value(P[k]) for k in PARAM_NAMES}
    h1 = (V["w11"] * x[0] + V["w12"] * x[1] + V["b1"]).tanh()
    h2 = (V["w21"] * x[0] + V["w22"] * x[1] + V["b2"]).tanh()
    y_hat = V["v1"] * h1 + V["v2"] * h2 + V["c"]
    loss = (y_hat - y) ** 2
    loss.backward()
    return {k: V[k].grad for k in PARAM_NAMES}


def check_squared_error_gradients(fn: Callable) -> Verdict:
    """Exercise 2: `fn(params, x, y)` returns a dict of the 9 gradients of L = (y_hat - y)^2, y_hat = v1 h1 + v2 h2 + c."""
    for k, (P, (x, y)) in enumerate(zip(_PARAMS, _EXAMPLES), start=1):
        where = f"test {k} (x={_fmt(x)}, y={y:g})"
        mine = answer(_nine_numbers, f"squared_error_gradients on {where}", fn, dict(P), tuple(x), y,
                      name="squared_error_gradients")
        if mine is None:
            return Verdict(False)
        ref = _reference_squared_error(P, x, y)
        if _say_which_differ(where, {f"dL/d{n}": mine[n] for n in PARAM_NAMES}, {f"dL/d{n}": ref[n] for n in PARAM_NAMES}):
            _hint_squared_error(mine, ref)
            return Verdict(False)
    return passed("all 9 gradients are right on 3 examples (checked against autograd).")


def _hint_squared_error(mine: dict, ref: dict) -> None:
    """Name the usual slip: a missing factor 2, a flipped sign, or the layer where it goes wrong."""
    output_ok = all(allclose(mine[n], ref[n], atol=1e-9, rtol=1e-6) for n in ("v1", "v2", "c"))
    fallback = ("the output layer (v1, v2, c) is right; the hidden layer is not. With a linear output, "
                "delta_j = dL/dy_hat * v_j * (1 - h_j^2)." if output_ok else
                "start at the output. Without a sigmoid, dL/dy_hat = 2 (y_hat - y) is the output delta, "
                "and dL/dv_j = delta_out * h_j.")
    ref_vector = _as_vector(ref)
    hint_first_slip(_as_vector(mine), [
        (ref_vector / 2, "all your gradients are half the right ones. L = (y_hat - y)^2 gives dL/dy_hat = 2 (y_hat - y)."),
        (-ref_vector, "all your gradients have the wrong sign: dL/dy_hat = 2 (y_hat - y), not 2 (y - y_hat)."),
    ], fallback, atol=1e-12, rtol=1e-6)


# --- exercise 3: one gradient-descent update per example --------------------------


def _example_loss(V: dict, x, y) -> Value:
    """Binary cross-entropy of the 2-2-1 network (tanh hidden, sigmoid output) on one example."""
    h1 = (V["w11"] * x[0] + V["w12"] * x[1] + V["b1"]).tanh()
    h2 = (V["w21"] * x[0] + V["w22"] * x[1] + V["b2"]).tanh()
    p = (V["v1"] * h1 + V["v2"] * h2 + V["c"]).sigmoid()
    return -(y * p.log() + (1 - y) * (1 - p).log())


def _train(P: dict, X, Y, lr: float, epochs: int, mode: str = "per_example") -> dict[str, float]:
    """The reference, and the usual mistakes: 'per_example', 'full_batch', 'ascent', 'accumulate'."""
    P = {k: float(P[k]) for k in PARAM_NAMES}
    kept = {k: Value(P[k]) for k in PARAM_NAMES}  # for 'accumulate': grads never reset
    for _ in range(epochs):
        if mode == "full_batch":
            V = {k: Value(P[k]) for k in PARAM_NAMES}
            loss = sum((_example_loss(V, x, y) for x, y in zip(X, Y)), Value(0.0)) / len(X)
            loss.backward()
            P = {k: P[k] - lr * V[k].grad for k in PARAM_NAMES}
            continue
        for x, y in zip(X, Y):
            if mode == "accumulate":
                _example_loss(kept, x, y).backward()
                for v in kept.values():
                    v.data -= lr * v.grad
                continue
            V = {k: Value(P[k]) for k in PARAM_NAMES}
            _example_loss(V, x, y).backward()
            sign = 1.0 if mode == "ascent" else -1.0
            P = {k: P[k] + sign * lr * V[k].grad for k in PARAM_NAMES}
    if mode == "accumulate":
        P = {k: v.data for k, v in kept.items()}
    return P


_TRAINING_SLIPS = [
    ("full_batch", "you made one update per epoch, with the mean gradient over the 4 examples "
                   "(full-batch gradient descent). This exercise asks for one update per example."),
    ("ascent", "you moved the parameters *up* the gradient: the update is param - lr * grad, with a minus."),
    ("accumulate", "the gradients add up from one update to the next: reset every .grad to 0 "
                   "(or make fresh Values) before each backward()."),
]


def check_train_per_example(fn: Callable) -> Verdict:
    """Exercise 3: `fn(params, X, Y, lr, epochs)` returns the parameters after per-example gradient descent.

    Checked after 1 epoch (4 updates) and after 25 epochs on XOR, from the first
    parameter set of the notebook, with lr = 0.5.
    """
    P0, lr = _PARAMS[0], 0.5
    for epochs in (1, 25):
        where = f"after {epochs} epoch{'s' if epochs > 1 else ''} on XOR (lr={lr})"
        mine = answer(_nine_numbers, f"train_per_example {where}", fn, dict(P0), [tuple(x) for x in _XOR_X],
                      list(_XOR_Y), lr, epochs, name="train_per_example")
        if mine is None:
            return Verdict(False)
        mine, ref = _as_vector(mine), _as_vector(_train(P0, _XOR_X, _XOR_Y, lr, epochs))
        if not allclose(mine, ref, atol=1e-9, rtol=1e-6):
            return _training_went_wrong(where, mine, ref, P0, lr, epochs)
    return passed("per-example gradient descent is right: 4 updates per epoch, each with one example's gradient.")


def _training_went_wrong(where: str, mine: np.ndarray, ref: np.ndarray, P0: dict, lr: float, epochs: int) -> Verdict:
    """Say what went wrong in training: no change, a known slip, or the first parameter that differs."""
    if allclose(mine, _as_vector(P0), atol=1e-12, rtol=1e-12):
        return failed(f"{where}: the parameters did not change. Did you return the updated values?")
    for mode, message in _TRAINING_SLIPS:
        if allclose(mine, _as_vector(_train(P0, _XOR_X, _XOR_Y, lr, epochs, mode)), atol=1e-9, rtol=1e-6):
            return failed(f"{where}: {message}")
    differ = ~np.isclose(mine, ref, atol=1e-9, rtol=1e-6)
    first = int(np.argmax(differ))
    return failed(f"{where}: {PARAM_NAMES[first]} is {mine[first]:.6g}, expected {ref[first]:.6g} "
                  f"(off by {mine[first] - ref[first]:.3g}; {int(differ.sum())} of 9 parameters differ). "
                  "Go through the examples in the given order, one update after each.")
