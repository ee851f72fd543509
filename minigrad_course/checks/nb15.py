"""Checkers for notebook 15: beyond backprop (feedback alignment).

Conventions of the notebook: a batch of N examples, one per row; the hidden
layer has H units, z = x W1^T + b1 of shape (N, H) and h = relu(z); the output
layer has C units with weight W2 of shape (C, H); e = dL/d(logits), of shape
(N, C). Backprop sends e down through W2 (e @ W2 = e (W2^T)^T); feedback
alignment sends it through a fixed random matrix B of the shape of W2^T,
(H, C): e @ B.T.

    check_fa_hidden_delta   exercise 1: fa_hidden_delta(e, B, z), the error signal of the hidden layer under FA
    check_angle_degrees     exercise 2: angle_degrees(u, v), the angle between two arrays seen as vectors
    check_fa_two_hidden     exercise 3: fa_two_hidden_backward(x, z1, z2, e, B2, B3), the whole FA backward pass
                            of a network with two hidden layers, one feedback matrix per layer
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable

import numpy as np

from minigrad.autograd import Function
from minigrad.tensor import Tensor
from .verdict import (Verdict, allclose, answer, arrays, attempt, autograd_gradients, changed_in_place, compare_exactly,
                      failed, first_slip, hint, method_allowed, one_array, passed)

__all__ = ["check_fa_hidden_delta", "check_angle_degrees", "check_fa_two_hidden"]

_close = partial(allclose, atol=1e-7, rtol=1e-5)  # close enough to recognise a slip


def _crashed(stopped_by: BaseException | None) -> bool:
    """Did the learner's function crash (rather than being a stub, or not a function)?"""
    return stopped_by is not None and not isinstance(stopped_by, NotImplementedError)


# --- exercise 1: the hidden layer's error signal under feedback alignment -------------------------------

_DELTA_CASES = [(5, 3, 4), (1, 2, 6), (4, 3, 3)]  # (N, C, H); C = H in the last, where B's shape cannot tell


def check_fa_hidden_delta(fn: Callable) -> Verdict:
    """Exercise 1: `fn(e, B, z)` with e (N, C), B (H, C), z (N, H) returns the hidden layer's error
    signal under feedback alignment, (e @ B.T) * relu'(z), an array of shape (N, H).

    Tested on (N, C, H) = (5, 3, 4), (1, 2, 6), (4, 3, 3); the last, square one catches B used
    without its transpose, which the shapes alone cannot.
    """
    rng = np.random.default_rng(15)
    for case, (n, c, h) in enumerate(_DELTA_CASES, start=1):
        e, B = rng.normal(size=(n, c)).round(3), rng.normal(size=(h, c)).round(3)
        while True:  # pre-activations of both signs, so the ReLU's derivative matters
            z = rng.normal(size=(n, h)).round(3)
            if (z > 0).any() and (z < 0).any() and (z != 0).all():
                break
        where = f"test {case} (N={n}, C={c} outputs, H={h} hidden units)"
        ok, got = attempt(fn, e.copy(), B.copy(), z.copy(), name="fa_hidden_delta", where=where)
        if not ok:
            if _crashed(got):
                hint(f"B has the shape of W2^T, (H, C) = {B.shape}, and e has shape (N, C) = {e.shape}: "
                     "the product that gives one number per hidden unit, (N, H), is e @ B.T.")
            return Verdict(False)
        mine = one_array(f"fa_hidden_delta on {where}", got)
        if mine is None:
            return Verdict(False)
        ref = (e @ B.T) * (z > 0) + 0.0  # + 0.0: no negative zeros in the messages
        if mine.shape != ref.shape:
            failed(f"{where}: your result has shape {mine.shape}, expected (N, H) = {ref.shape}")
            hint("one error value per example and hidden unit: e @ B.T has shape (N, H).")
            return Verdict(False)
        if _compare_orhint(where, mine, ref, e, B, z):
            continue
        return Verdict(False)
    return passed("fa_hidden_delta is right on 3 tests: the output error goes down through the fixed matrix B "
                  "(e @ B.T) and is gated by the ReLU's derivative, exactly where backprop would use W2.")


def _compare_orhint(where: str, mine: np.ndarray, ref: np.ndarray, e: np.ndarray, B: np.ndarray,
                    z: np.ndarray) -> bool:
    """Say whether `mine` is right; if not, name the slip it matches (if any)."""
    if _close(mine, ref):
        return True
    diff = np.argwhere(~np.isclose(mine, ref, atol=1e-7, rtol=1e-5))[0]
    i, j = int(diff[0]), int(diff[1])
    failed(f"{where}: at example {i}, hidden unit {j}, you have {mine[i, j]:.6g}, expected {ref[i, j]:.6g}")
    raw = e @ B.T
    if _close(mine, raw):
        hint("the ReLU's derivative is missing: multiply by (z > 0), 1 where the unit was active and 0 elsewhere.")
    elif _close(mine, raw * np.maximum(z, 0)):
        hint("you multiplied by relu(z); the chain rule needs its derivative, relu'(z) = (z > 0).")
    elif B.shape[0] == B.shape[1] and _close(mine, (e @ B) * (z > 0)):
        hint("B is used untransposed. B has the shape of W2^T, (H, C); the error of the hidden layer is e @ B.T.")
    elif _close(mine, -ref):
        hint("the sign is flipped: the signal is (e @ B.T) * (z > 0), with e = dL/d(logits) as given.")
    else:
        hint("delta = (e @ B.T) * (z > 0): first send e through B, then gate it with the ReLU's derivative.")
    return False


# --- exercise 2: the angle between two updates ------------------------------------------------------------


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    u, v = np.ravel(u), np.ravel(v)
    cos = float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def _angle_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(90)
    a = rng.normal(size=7)
    b = rng.normal(size=7)
    ortho = b - (b @ a) / (a @ a) * a                       # b with its component along a removed
    m1, m2 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    parallel = np.array([0.9, -0.7, -1.3, -0.6, 0.0, -2.3, -0.2])  # its cosine with 3x itself rounds above 1
    return [
        ("two vectors at 60 degrees", np.array([1.0, 0.0]), np.array([0.5, np.sqrt(3) / 2])),
        ("two random vectors of length 7", a, b),
        ("orthogonal vectors", a, ortho),
        ("opposite vectors", a, -2.5 * a),
        ("two matrices of shape (4, 3), compared as vectors of 12 numbers", m1, m2),
        ("a vector and 3 times itself", parallel, 3 * parallel),
    ]


def check_angle_degrees(fn: Callable) -> Verdict:
    """Exercise 2: `fn(u, v)` returns the angle between arrays u and v (of the same shape, taken as flat
    vectors) in degrees: arccos(u.v / (|u| |v|)), a number between 0 and 180.

    Tested on: 60 degrees in the plane, random vectors, orthogonal (90), opposite (180), two matrices
    (to be flattened), and parallel vectors (0), where rounding can push the cosine a hair above 1.
    """
    for case, (what, u, v) in enumerate(_angle_cases(), start=1):
        where = f"test {case} ({what})"
        ok, got = attempt(fn, u.copy(), v.copy(), name="angle_degrees", where=where)
        if not ok:
            if _crashed(got) and u.ndim == 2:
                hint("flatten both arrays first (np.ravel), then take the dot product of the two vectors.")
            return Verdict(False)
        value = one_array(f"angle_degrees on {where}", got)
        if value is None:
            return Verdict(False)
        if value.size != 1:
            failed(f"{where}: angle_degrees returned an array of shape {value.shape}, expected one number")
            if u.ndim == 2:
                hint("for matrices, u @ v is a matrix product; flatten both first (np.ravel(u) @ np.ravel(v)).")
            return Verdict(False)
        mine, ref = float(value.reshape(())), _angle(u, v)
        if np.isnan(mine):
            failed(f"{where}: angle_degrees returned nan, expected {ref:.4f}")
            hint("for parallel vectors, rounding can make the cosine 1.0000000000000002, and arccos of a number "
                 "above 1 is nan: clip it first, np.clip(cos, -1.0, 1.0).")
            return Verdict(False)
        if abs(mine - ref) <= 1e-6:
            continue
        failed(f"{where}: you have {mine:.6g}, expected {ref:.6g} degrees")
        cos = np.clip(np.ravel(u) @ np.ravel(v) / (np.linalg.norm(u) * np.linalg.norm(v)), -1, 1)
        if abs(mine - np.radians(ref)) <= 1e-6:
            hint("that is the angle in radians; convert with np.degrees (180 degrees = pi radians).")
        elif abs(mine - cos) <= 1e-6:
            hint("that is the cosine of the angle; the angle is np.degrees(np.arccos(cosine)).")
        elif abs(mine - np.degrees(np.arccos(np.clip(np.ravel(u) @ np.ravel(v), -1, 1)))) <= 1e-6:
            hint("divide the dot product by the two lengths, |u| |v| (np.linalg.norm), before the arccos.")
        else:
            hint("angle = degrees(arccos(u.v / (|u| |v|))) with u and v flattened.")
        return Verdict(False)
    return passed("angle_degrees is right on 6 tests, from 0 to 180 degrees, matrices flattened, and safe for "
                  "parallel vectors whose cosine rounds to just above 1.")


# --- exercise 3: feedback alignment with two hidden layers, the whole backward pass ------------------------

_TWO_NAMES = ("dW1", "db1", "dW2", "db2", "dW3", "db3")
_TWO_OF = {"dW1": "W1", "db1": "b1", "dW2": "W2", "db2": "b2", "dW3": "W3", "db3": "b3"}
_TWO_CASES = [(3, 3, 3, 3, 3), (5, 4, 6, 3, 2), (1, 5, 4, 6, 3)]  # (N, D, H1, H2, C); all equal in the first
_TWO_ASKS = ("for the six updates computed by hand in NumPy, from x, z1, z2, e and the feedback matrices, "
             "not by autograd.")
_TWO_FORBIDDEN = ("backward", "Tensor", "tensor", "FeedbackLinear", "feedback_linear", "torch")


class _Feedback(Function):
    """h W^T + b forward; backward: W and b their true gradients, h the error through the fixed matrix B."""

    @staticmethod
    def forward(ctx: Any, h: Tensor, W: Tensor, b: Tensor, B: np.ndarray) -> Tensor:
        ctx.save_for_backward(h)
        ctx.B = B
        return h @ W.T + b

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        (h,) = ctx.saved_tensors
        return g @ ctx.B.T, g.T @ h, g.sum(axis=0), None


def _two_layer_case(rng: np.random.Generator, N: int, D: int, H1: int, H2: int, C: int) -> dict[str, np.ndarray]:
    """A forward pass of x -> relu(z1) -> relu(z2) -> logits, its output error e, and random feedback B2, B3."""
    a = {"x": rng.normal(size=(N, D)), "W1": rng.normal(size=(H1, D)) * 0.7, "b1": rng.normal(size=H1) * 0.3,
         "W2": rng.normal(size=(H2, H1)) * 0.7, "b2": rng.normal(size=H2) * 0.3,
         "W3": rng.normal(size=(C, H2)) * 0.7, "b3": rng.normal(size=C) * 0.3,
         "B2": rng.normal(size=(H1, H2)), "B3": rng.normal(size=(H2, C)), "e": rng.normal(size=(N, C))}
    a["z1"] = a["x"] @ a["W1"].T + a["b1"]
    a["z2"] = np.maximum(a["z1"], 0) @ a["W2"].T + a["b2"]
    return a


def _two_layer_reference(a: dict[str, np.ndarray], B2: np.ndarray, B3: np.ndarray) -> list[np.ndarray]:
    """The six updates by minigrad's autograd, the two upper layers as feedback-alignment operations."""
    x = Tensor(a["x"])

    def network(W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor, W3: Tensor, b3: Tensor) -> Tensor:
        h1 = (x @ W1.T + b1).relu()
        h2 = _Feedback.apply(h1, W2, b2, B2).relu()
        return _Feedback.apply(h2, W3, b3, B3)
    _, grads = autograd_gradients(network, [a[k] for k in _TWO_OF.values()], upstream=a["e"])
    return grads


def _two_layer_slips(a: dict[str, np.ndarray]) -> dict[str, list[tuple[np.ndarray, str]]]:
    """For each update, the wrong answers of the usual slips, with what to say."""
    x, z1, z2, e, B2, B3 = (a[k] for k in ("x", "z1", "z2", "e", "B2", "B3"))
    h1, h2, N = np.maximum(z1, 0), np.maximum(z2, 0), len(x)
    d2 = (e @ B3.T) * (z2 > 0)

    def lower(delta2: np.ndarray, through: np.ndarray = B2.T, gate: bool = True) -> list[tuple[str, np.ndarray]]:
        d1 = (delta2 @ through) * ((z1 > 0) if gate else 1)
        return [("dW1", d1.T @ x), ("db1", d1.sum(axis=0))]

    found: dict[str, list[tuple[np.ndarray, str]]] = {name: [] for name in _TWO_NAMES}

    def add(pairs: list[tuple[str, np.ndarray]], message: str) -> None:
        for name, wrong in pairs:
            found[name].append((wrong, message))
    no_gate2 = e @ B3.T
    add([("dW2", no_gate2.T @ h1), ("db2", no_gate2.sum(axis=0))],
        "the ReLU's derivative of layer 2 is missing: delta2 = (e @ B3.T) * (z2 > 0)")
    add(lower(d2, gate=False), "the ReLU's derivative of layer 1 is missing: delta1 = (delta2 @ B2.T) * (z1 > 0)")
    add(lower(no_gate2), "delta1 must start from delta2, the signal already gated by relu'(z2): "
                         "delta1 = (delta2 @ B2.T) * (z1 > 0)")
    add([("dW2", d2.T @ z1)], "layer 2's input is h1 = relu(z1), not z1: dW2 = delta2^T h1")
    add([("dW3", e.T @ z2)], "layer 3's input is h2 = relu(z2), not z2: dW3 = e^T h2")
    for name, delta, inputs in (("dW1", None, x), ("dW2", d2, h1), ("dW3", e, h2)):
        if delta is not None:
            add([(name, inputs.T @ delta)], f"{name} is transposed: it has the shape of {_TWO_OF[name]}, "
                                            "delta^T (the layer's input)")
            add([(name, delta.T @ inputs / N)], "you divided by N: e already holds the 1/N of the mean loss, "
                                                "so each update is a plain sum over the batch")
    for name, delta in (("db2", d2), ("db3", e)):
        add([(name, delta.mean(axis=0))], "a bias update is the sum of the layer's delta over the batch, not "
                                          "the mean: e already holds the 1/N")
    if B3.shape[0] == B3.shape[1]:
        wrong2 = (e @ B3) * (z2 > 0)
        add([("dW2", wrong2.T @ h1), ("db2", wrong2.sum(axis=0))],
            "B3 is used untransposed: it has the shape of W3^T, so the error of layer 2 is e @ B3.T")
        add(lower(d2, through=B2), "B2 is used untransposed: it has the shape of W2^T, so delta1 = (delta2 @ B2.T) "
                                   "* (z1 > 0)")
    right = lower(d2) + [("dW2", d2.T @ h1), ("db2", d2.sum(axis=0)), ("dW3", e.T @ h2), ("db3", e.sum(axis=0))]
    add([(name, -update) for name, update in right],
        "the sign is flipped: return the updates as autograd leaves them in .grad (dW3 = e^T h2, ...); "
        "the optimizer subtracts them")
    if B2.shape == B3.shape:
        swapped2 = (e @ B2.T) * (z2 > 0)
        add([("dW2", swapped2.T @ h1), ("db2", swapped2.sum(axis=0))] + lower(swapped2, through=B3.T),
            "B2 and B3 are swapped: B3 takes the output error down to layer 2, B2 takes delta2 down to layer 1")
    return found


def _two_layer_compare(where: str, got: list[np.ndarray], expected: list[np.ndarray],
                       slips: dict[str, list[tuple[np.ndarray, str]]] | None, a: dict[str, np.ndarray]) -> bool:
    """Each update against the reference: shapes first, then numbers (exact to a formula's rounding), slips named.
    The order goes down the network, dW3 first, as the errors do."""
    order = [4, 5, 2, 3, 0, 1]
    for i in order:
        name, mine, ref = _TWO_NAMES[i], got[i], expected[i]
        if mine.shape != ref.shape:
            failed(f"{where}: {name} has shape {mine.shape}, expected {ref.shape}, the shape of {_TWO_OF[name]}")
            if name.startswith("db") and mine.ndim == 2:
                hint("sum the layer's delta over the batch (axis 0): the bias is shared by all N examples.")
            elif name.startswith("dW") and mine.shape == ref.shape[::-1]:
                hint(f"{name} = delta^T (the layer's input), shape (outputs, inputs), like {_TWO_OF[name]}.")
            return False
        if not compare_exactly(f"{where}: {name}", mine, ref, _TWO_ASKS):
            message = first_slip(mine, slips[name]) if slips else None
            if message:
                hint(message)
            return False
    return True


def check_fa_two_hidden(fn: Callable) -> Verdict:
    """Exercise 3: feedback alignment in a network x -> relu(z1) -> relu(z2) -> logits, the whole backward pass.

    `fn(x, z1, z2, e, B2, B3)` gets the input x (N, D), the pre-activations z1 (N, H1) and z2 (N, H2), the
    output error e = dL/d(logits) (N, C) and the feedback matrices B2 (H1, H2) and B3 (H2, C), of the shapes of
    W2^T and W3^T. It returns (dW1, db1, dW2, db2, dW3, db3):

        dW3 = e^T h2,       db3 = sum_n e,       delta2 = (e B3^T) * relu'(z2)
        dW2 = delta2^T h1,  db2 = sum_n delta2,  delta1 = (delta2 B2^T) * relu'(z1)
        dW1 = delta1^T x,   db1 = sum_n delta1,  with h = relu(z).

    Checked against minigrad's autograd with the two upper layers as feedback operations, on three shapes (one
    square, where transposes and swaps keep the shapes); then with B2 = W2^T and B3 = W3^T the same function
    must give backprop's gradients of the ordinary network. No forward weight is needed: that is the point.
    """
    if not method_allowed(fn, "fa_two_hidden_backward", _TWO_FORBIDDEN, _TWO_ASKS):
        return Verdict(False)
    rng = np.random.default_rng(2016)
    for case, shape in enumerate(_TWO_CASES, start=1):
        a = _two_layer_case(rng, *shape)
        where = "test {} (N={}, D={}, H1={}, H2={}, C={})".format(case, *shape)
        inputs = [a[k] for k in ("x", "z1", "z2", "e", "B2", "B3")]
        originals = [v.copy() for v in inputs]
        ok, got = attempt(fn, *inputs, name="fa_two_hidden_backward", where=where)
        if not ok:
            if _crashed(got):
                hint(f"B3 has the shape of W3^T, (H2, C) = {a['B3'].shape}, and B2 that of W2^T, (H1, H2) = "
                     f"{a['B2'].shape}: e @ B3.T has shape (N, H2) and delta2 @ B2.T shape (N, H1).")
            return Verdict(False)
        got = arrays(where, got, _TWO_NAMES)
        if got is None:
            return Verdict(False)
        if changed_in_place(originals, inputs):
            return failed(f"{where}: your function changed one of its inputs in place; compute new arrays")
        if not _two_layer_compare(where, got, _two_layer_reference(a, a["B2"], a["B3"]), _two_layer_slips(a), a):
            return Verdict(False)
    a = _two_layer_case(rng, 4, 3, 5, 4, 3)
    where = "with B2 = W2^T and B3 = W3^T (N=4, D=3, H1=5, H2=4, C=3)"
    got = answer(partial(arrays, names=_TWO_NAMES), where, fn, a["x"], a["z1"], a["z2"], a["e"], a["W2"].T.copy(),
                 a["W3"].T.copy(), name="fa_two_hidden_backward")
    if got is None:
        return Verdict(False)
    x = Tensor(a["x"])
    _, backprop = autograd_gradients(lambda W1, b1, W2, b2, W3, b3: (((x @ W1.T + b1).relu() @ W2.T + b2).relu()
                                                                     @ W3.T + b3),
                                     [a[k] for k in _TWO_OF.values()], upstream=a["e"])
    if not _two_layer_compare(where, got, backprop, None, a):
        hint("with the transposed forward weights as feedback, feedback alignment is backprop: the same formulas, "
             "B in place of W^T.")
        return Verdict(False)
    return passed("fa_two_hidden_backward is right on 3 tests against autograd with feedback operations, and with "
                  "B2 = W2^T, B3 = W3^T it gives backprop's exact gradients: the backward pass never reads a "
                  "forward weight, only the feedback matrices.")
