"""Checkers for notebook 11: remedies for vanishing and exploding gradients.

    check_init_std             exercise 1: the Xavier (tanh, sigmoid) or He (ReLU) standard deviation
    check_batch_norm           exercise 2: batch normalization of a matrix, one column (feature) at a time
    check_clip_by_global_norm  exercise 3: scale all gradients together so that their joint norm is <= max_norm

The references are the formulas of `minigrad.nn.init`, minigrad's `BatchNorm1d` and
`nn.utils.clip_grad_norm_`, run on the checker's own inputs.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable

import numpy as np

from minigrad import nn
from minigrad.tensor import Tensor
from .verdict import (Verdict, allclose, answer, as_array, attempt, changed_in_place, compare, failed, hint,
                      one_array, one_number, passed, tuple_of)

__all__ = ["check_init_std", "check_batch_norm", "check_clip_by_global_norm"]


_close = partial(allclose, atol=1e-8, rtol=1e-6)  # close enough to recognise a slip


# --- exercise 1: Xavier and He ------------------------------------------------------------------


def _reference_std(fan_in: int, fan_out: int, activation: str) -> float:
    if activation == "relu":
        return math.sqrt(2.0 / fan_in)
    return math.sqrt(2.0 / (fan_in + fan_out))


def check_init_std(fn: Callable) -> Verdict:
    """Exercise 1: `fn(fan_in, fan_out, activation)` is the standard deviation of the initial weights.

    "tanh" and "sigmoid": Xavier/Glorot, sqrt(2 / (fan_in + fan_out));
    "relu": He/Kaiming, sqrt(2 / fan_in).
    """
    cases = [(64, 32, "tanh"), (16, 200, "relu"), (100, 10, "sigmoid"), (32, 32, "relu"), (32, 10, "tanh"),
             (200, 50, "relu")]
    for fan_in, fan_out, activation in cases:
        what = f"init_std({fan_in}, {fan_out}, {activation!r})"
        mine = answer(one_number, what, fn, fan_in, fan_out, activation, name="init_std")
        if mine is None:
            return Verdict(False)
        ref = _reference_std(fan_in, fan_out, activation)
        if compare(what, mine, ref, atol=1e-12, rtol=1e-6):
            continue
        if np.isclose(mine, ref ** 2):
            hint("that is the variance; the function returns the standard deviation, its square root.")
        elif activation == "relu" and np.isclose(mine, math.sqrt(2.0 / fan_out)):
            hint("He's rule keeps the forward signal: the variance of a unit's input sums over its fan_in inputs.")
        elif activation == "relu" and np.isclose(mine, math.sqrt(1.0 / fan_in)):
            hint("ReLU zeroes half of its inputs, which halves the second moment: He doubles the variance, 2 / fan_in.")
        elif activation == "relu" and np.isclose(mine, math.sqrt(2.0 / (fan_in + fan_out))):
            hint("for ReLU use He's rule, sqrt(2 / fan_in); Xavier's average of fan_in and fan_out is for tanh and sigmoid.")
        elif activation != "relu" and np.isclose(mine, math.sqrt(1.0 / (fan_in + fan_out))):
            hint("Xavier's variance is 2 / (fan_in + fan_out), the harmonic mean of 1/fan_in and 1/fan_out: "
                 "the 2 is missing.")
        elif activation != "relu" and np.isclose(mine, math.sqrt(1.0 / fan_in)):
            hint("1/fan_in keeps only the forward pass; Xavier's compromise between forward and backward is "
                 "2 / (fan_in + fan_out).")
        elif activation != "relu" and np.isclose(mine, math.sqrt(2.0 / fan_in)):
            hint(f"that is He's rule; for {activation} use Xavier's, sqrt(2 / (fan_in + fan_out)).")
        return Verdict(False)
    return passed("init_std is right: Xavier sqrt(2/(fan_in + fan_out)) for tanh and sigmoid, "
                  "He sqrt(2/fan_in) for ReLU.")


# --- exercise 2: batch normalization -------------------------------------------------------------


def _reference_batch_norm(z: np.ndarray, eps: float) -> np.ndarray:
    layer = nn.BatchNorm1d(z.shape[1], eps=eps, affine=False, dtype="float64")
    return layer(Tensor(z)).numpy()


def check_batch_norm(fn: Callable) -> Verdict:
    """Exercise 2: `fn(z, eps=1e-5)` normalizes each column of z (N, features) over the batch (the rows).

    z_hat = (z - mean) / sqrt(var + eps) with the column's mean and biased variance,
    as `BatchNorm1d` does in training mode (without its learned scale and shift).
    One test has a column that is constant over the batch.
    """
    rng = np.random.default_rng(11)
    shift = rng.normal(scale=5.0, size=4)
    cases = [(rng.normal(scale=[0.1, 1.0, 3.0, 20.0], size=(8, 4)) + shift, 1e-5),
             (np.c_[rng.normal(size=(6, 2)), np.full((6, 1), 7.0)], 1e-5),
             (rng.normal(scale=0.05, size=(5, 3)), 0.1)]
    for k, (z, eps) in enumerate(cases, start=1):
        what = f"batch_norm on test {k} (z of shape {z.shape}, eps={eps})"
        keep = z.copy()
        with np.errstate(all="ignore"):
            ok, got = attempt(fn, z, eps, name="batch_norm")
        if not ok:
            return Verdict(False)
        if not np.array_equal(z, keep):
            return failed(f"{what}: batch_norm changed z in place; return a new array")
        mine = one_array(what, got)
        if mine is None:
            return Verdict(False)
        ref = _reference_batch_norm(z, eps)
        if compare(what, mine, ref, atol=1e-8, rtol=1e-6):
            continue
        mean, var = z.mean(axis=0), z.var(axis=0)
        if mine.shape == ref.shape and not np.all(np.isfinite(mine)):
            hint("some values are nan or inf: a column constant over the batch has variance 0. That is what "
                 "eps is for: divide by sqrt(var + eps).")
        elif mine.shape == ref.shape and _close(mine, (z - z.mean(axis=1, keepdims=True))
                                                / np.sqrt(z.var(axis=1, keepdims=True) + eps)):
            hint("you normalized each row (each sample over its features): that is LayerNorm. Batch "
                 "normalization takes the statistics of each column over the batch: axis=0.")
        elif mine.shape == ref.shape and _close(mine, (z - mean) / np.sqrt(z.var(axis=0, ddof=1) + eps)):
            hint("use the biased variance, mean((z - mean)^2), which np.var gives by default (ddof=0).")
        elif mine.shape == ref.shape and _close(mine, (z - mean) / np.sqrt(var)):
            hint("eps is missing: divide by sqrt(var + eps). It matters for columns of small variance, and it "
                 "keeps a column that is constant over the batch (variance 0) finite.")
        elif mine.shape == ref.shape and _close(mine, (z - mean) / (var + eps)):
            hint("divide by the standard deviation, sqrt(var + eps), not by the variance.")
        elif mine.shape == ref.shape and _close(mine, (z - mean) / (np.sqrt(var) + eps)):
            hint("put eps under the square root: sqrt(var + eps), as BatchNorm1d does.")
        elif mine.shape == ref.shape and _close(mine, (z - mean) / np.sqrt(var + 1e-5)):
            hint("use the `eps` argument instead of a fixed 1e-5.")
        return Verdict(False)
    return passed("batch_norm is right: each column gets mean 0 and variance 1 over the batch, "
                  "and eps keeps a constant column finite.")


# --- exercise 3: clipping by the global norm ---------------------------------------------------


def _reference_clip(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    params = []
    for g in grads:
        p = Tensor(np.zeros_like(g), requires_grad=True)
        p.grad = g.copy()
        params.append(p)
    total = nn.utils.clip_grad_norm_(params, max_norm)
    return [np.asarray(p.grad) for p in params], total


def check_clip_by_global_norm(fn: Callable) -> Verdict:
    """Exercise 3: `fn(grads, max_norm)` returns (clipped, total_norm).

    total_norm = sqrt(sum of the squares of every entry of every array in `grads`),
    measured before clipping; if it exceeds max_norm, every array is multiplied by
    max_norm / total_norm (the same factor for all), else they are returned unchanged.
    `clipped` is a list of new arrays; `grads` must not be modified.
    """
    rng = np.random.default_rng(12)
    shapes = [(4, 3), (4,), (2, 4), (2,)]
    cases = [([rng.normal(size=s) * 10 for s in shapes], 1.0, "gradients far above max_norm"),
             ([rng.normal(size=s) * 0.01 for s in shapes], 1.0, "gradients below max_norm"),
             ([np.array([3.0, 0.0]), np.array([[0.0], [4.0]])], 2.5, "two arrays of norms 3 and 4"),
             ([rng.normal(size=(3, 3)) * [[100.0], [0.1], [1.0]]], 5.0, "a single array")]
    for grads, max_norm, label in cases:
        what = f"clip_by_global_norm on {label} (max_norm={max_norm})"
        originals = [g.copy() for g in grads]
        pair = answer(partial(tuple_of, names=("clipped", "total_norm")), what, fn, grads, max_norm,
                      name="clip_by_global_norm")
        if pair is None:
            return Verdict(False)
        if changed_in_place(originals, grads):
            return failed(f"{what}: the input arrays were changed in place. Return new arrays: in a real "
                          "graph one gradient array can be shared by several tensors.")
        clipped, total = pair
        if not isinstance(clipped, (list, tuple)) or len(clipped) != len(grads):
            return failed(f"{what}: `clipped` should be a list of {len(grads)} arrays, one per gradient")
        ref_clipped, ref_total = _reference_clip(originals, max_norm)
        mine_total = one_number(f"{what}: total_norm", total)
        if mine_total is None:
            return Verdict(False)
        if not compare(f"{what}: total_norm", mine_total, ref_total, atol=1e-9, rtol=1e-6):
            after = math.sqrt(sum(float((r ** 2).sum()) for r in ref_clipped))
            if np.isclose(mine_total, after) and not np.isclose(after, ref_total):
                hint("return the norm measured *before* clipping: it is what you would log to see explosions.")
            elif np.isclose(mine_total, ref_total ** 2):
                hint("that is the sum of squares; the norm is its square root.")
            elif np.isclose(mine_total, sum(np.linalg.norm(g) for g in originals)):
                hint("the global norm is not the sum of the norms: it is sqrt(sum of the squared norms).")
            return Verdict(False)
        for i, (mine, ref) in enumerate(zip(clipped, ref_clipped)):
            if compare(f"{what}: clipped[{i}]", mine, ref, atol=1e-9, rtol=1e-5):
                continue
            mine = as_array(mine)
            per_tensor = [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-12)) for g in originals]
            if mine.shape == ref.shape and all(_close(as_array(c), p) for c, p in zip(clipped, per_tensor)):
                hint("you clipped each array by its own norm; the global norm clips all of them with one "
                     "factor, max_norm / total_norm, so the direction of the whole update is kept.")
            elif mine.shape == ref.shape and _close(mine, originals[i] * max_norm / ref_total):
                hint("when total_norm is already below max_norm, leave the gradients as they are "
                     "(clipping only ever shrinks).")
            return Verdict(False)
    return passed("clip_by_global_norm is right: one factor min(1, max_norm / total_norm) for every array, "
                  "the total measured before clipping, inputs untouched.")
