"""Checkers for notebook 15: beyond backprop (feedback alignment).

Conventions of the notebook: a batch of N examples, one per row; the hidden
layer has H units, z = x W1^T + b1 of shape (N, H) and h = relu(z); the output
layer has C units with weight W2 of shape (C, H); e = dL/d(logits), of shape
(N, C). Backprop sends e down through W2 (e @ W2 = e (W2^T)^T); feedback
alignment sends it through a fixed random matrix B of the shape of W2^T,
(H, C): e @ B.T.

    check_fa_hidden_delta   exercise 1: fa_hidden_delta(e, B, z), the error signal of the hidden layer under FA
    check_angle_degrees     exercise 2: angle_degrees(u, v), the angle between two arrays seen as vectors
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from .verdict import Verdict, allclose, attempt, failed, hint, one_array, passed

__all__ = ["check_fa_hidden_delta", "check_angle_degrees"]

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
