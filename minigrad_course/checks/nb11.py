"""Checkers for notebook 11: remedies for vanishing and exploding gradients.

    check_leaky_relu_init_std  exercise 1: the initial weights' standard deviation for a leaky ReLU, derived
    check_batch_norm           exercise 2: batch normalization of a matrix, one column (feature) at a time
    check_batch_norm_backward  exercise 3: the backward pass of BatchNorm, (dx, dgamma, dbeta), by hand
    check_clip_by_global_norm  exercise 4: scale all gradients together so that their joint norm is <= max_norm

The references are `minigrad.nn.init.calculate_gain`, minigrad's `BatchNorm1d`, minigrad's
autograd through BatchNorm's formula (itself checked against finite differences) and
`nn.utils.clip_grad_norm_`, run on the checker's own inputs.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable

import numpy as np

from minigrad import nn
from minigrad.tensor import Tensor
from .verdict import (Verdict, allclose, answer, as_array, attempt, autograd_gradients, changed_in_place,
                      compare, failed, hint, method_allowed, one_array, one_number, passed, tuple_of)

__all__ = ["check_leaky_relu_init_std", "check_batch_norm", "check_batch_norm_backward", "check_clip_by_global_norm"]


_close = partial(allclose, atol=1e-8, rtol=1e-6)  # close enough to recognise a slip


# --- exercise 1: the standard deviation for a leaky ReLU, derived ------------------------------------

_DERIVE = ("to derive the rule from the second moment, as the notebook derives He's, and write the formula you "
           "find: nn.init already knows the answer, so using it would check nothing.")
_INIT_SHORTCUTS = ("calculate_gain", "kaiming_normal_", "kaiming_uniform_")


def _leaky_std(fan_in: int, a: float) -> float:
    """std = gain / sqrt(fan_in), gain^2 = 2 / (1 + a^2): E[leaky(z)^2] = (1 + a^2)/2 Var(z) for symmetric z."""
    return nn.init.calculate_gain("leaky_relu", a) / math.sqrt(fan_in)


def _leaky_slips(fan_in: int, a: float) -> list[tuple[float, str]]:
    n = fan_in
    return [
        (2 / ((1 + a * a) * n), "that is the variance; return the standard deviation, its square root."),
        (math.sqrt(2 / ((1 + a) * n)), "the negative half contributes (a z)^2 = a^2 z^2 to the second moment, "
                                        "not a z^2: E[h^2] = (1 + a^2)/2 Var(z)."),
        (math.sqrt(2 / n), "that is He's rule for the plain ReLU. With a leaky ReLU the negative half is not zero: "
                           "it passes a z, and adds a^2 z^2 to the second moment."),
        (math.sqrt(1 / ((1 + a * a) * n)), "each side holds only half of the inputs (z is symmetric): "
                                           "E[h^2] = (1/2) Var(z) + (1/2) a^2 Var(z), so the 2 stays."),
        (math.sqrt((1 + a * a) / (2 * n)), "upside down: the activation keeps (1 + a^2)/2 of the second moment, so the "
                                           "weights' variance must make up for it, 2 / ((1 + a^2) fan_in)."),
        (math.sqrt(2 / (1 + a * a)) / n, "divide the gain by sqrt(fan_in), not by fan_in: Var(z) = fan_in Var(W) E[h^2]."),
        (math.sqrt(2 / (1 + a * a)), "fan_in is missing: z sums fan_in terms, so Var(z) = fan_in Var(W) E[h^2]."),
    ]


def check_leaky_relu_init_std(leaky_relu_init_std: Callable) -> Verdict:
    """Exercise 1: `fn(fan_in, negative_slope)` is the std that keeps E[h^2] from layer to layer through a leaky ReLU.

    std = sqrt(2 / ((1 + a^2) fan_in)): He's rule for a = 0, 1/sqrt(fan_in) for a = 1 (no nonlinearity).
    """
    name = "leaky_relu_init_std"
    if not method_allowed(leaky_relu_init_std, name, _INIT_SHORTCUTS, _DERIVE):
        return Verdict(False)
    cases = [(100, 0.1), (64, 0.5), (32, 0.0), (16, 1.0), (200, 0.01), (10, 0.3)]
    for fan_in, a in cases:
        what = f"{name}({fan_in}, {a})"
        mine = answer(one_number, what, leaky_relu_init_std, fan_in, a, name=name)
        if mine is None:
            return Verdict(False)
        ref = _leaky_std(fan_in, a)
        if compare(what, mine, ref, atol=1e-12, rtol=1e-9):
            continue
        for wrong, message in _leaky_slips(fan_in, a):
            if np.isclose(mine, wrong, rtol=1e-9, atol=0) and not np.isclose(wrong, ref, rtol=1e-9, atol=0):
                hint(message)
                break
        return Verdict(False)
    return passed("leaky_relu_init_std is right: std = sqrt(2 / ((1 + a^2) fan_in)), He's rule at a = 0 and "
                  "1/sqrt(fan_in) at a = 1, where the unit is linear.")


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


# --- exercise 3: the backward pass of batch normalization -------------------------------------------

_BN_BY_HAND = ("for BatchNorm's backward pass by hand, in NumPy: dbeta, dgamma and the three paths from x to the "
               "loss (the checker uses autograd to check you, so it must not check autograd against itself).")
_BN_SHORTCUTS = ("backward", "Tensor", "tensor", "requires_grad", "BatchNorm1d", "autograd_gradients", "gradcheck")


def _bn_stats(x: np.ndarray, eps: float, ddof: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(x_hat, sigma): x_hat = (x - mean) / sigma, sigma = sqrt(var + eps), per column."""
    sigma = np.sqrt(x.var(axis=0, ddof=ddof) + eps)
    return (x - x.mean(axis=0)) / sigma, sigma


def _bn_forward_tensor(eps: float):
    def forward(x, gamma, beta):
        mean = x.mean(axis=0, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=0, keepdims=True)
        return gamma * centered / (var + eps).sqrt() + beta
    return forward


def _bn_reference(g: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float) -> list[np.ndarray]:
    """[dx, dgamma, dbeta] by minigrad's autograd through y = gamma * (x - mean) / sqrt(var + eps) + beta."""
    _, (dx, dgamma, dbeta) = autograd_gradients(_bn_forward_tensor(eps), [x, gamma, np.zeros_like(gamma)], upstream=g)
    return [dx, dgamma, dbeta]


def _bn_numeric_dx(g: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float, h: float = 1e-6) -> np.ndarray:
    """dL/dx for L = sum(g * y), by central differences, one entry at a time."""
    def loss(x):
        x_hat, _ = _bn_stats(x, eps)
        return float((g * (gamma * x_hat)).sum())
    out = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[index] += h
        down[index] -= h
        out[index] = (loss(up) - loss(down)) / (2 * h)
    return out


def _dx_compact(g, x_hat, sigma, gamma, mean=lambda a: a.mean(axis=0), mean_term=True, var_term=True, n_var=None):
    """dx = gamma/sigma * (g - mean(g) - x_hat * mean(g x_hat)), with pieces swappable to replay a slip."""
    out = g.copy()
    if mean_term:
        out = out - mean(g)
    if var_term:
        out = out - x_hat * (mean(g * x_hat) if n_var is None else (g * x_hat).sum(axis=0) / n_var)
    return gamma / sigma * out


def _dx_slips(g: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float) -> list[tuple[np.ndarray, str]]:
    x_hat, sigma = _bn_stats(x, eps)
    n = len(x)
    u_hat, u_sigma = _bn_stats(x, eps, ddof=1)
    z_hat, z_sigma = _bn_stats(x, 0.0)
    rows = lambda a: a.mean(axis=1, keepdims=True)  # noqa: E731
    sums = lambda a: a.sum(axis=0)  # noqa: E731
    return [
        (gamma * g / sigma, "the terms through the mean and the variance are missing: x reaches the loss by three "
                            "paths, directly through x_hat, through mean and through var; add all three."),
        (_dx_compact(g, x_hat, sigma, gamma, var_term=False), "the path through the variance is missing: var depends on "
                                                             "x too, which gives the term - x_hat * mean(g * x_hat)."),
        (_dx_compact(g, x_hat, sigma, gamma, mean_term=False), "the path through the mean is missing: mean depends on "
                                                              "every x, which gives the term - mean(g)."),
        (n * _dx_compact(g, x_hat, sigma, gamma), "you are N times too large: the 1/N of the mean and of the variance "
                                                  "is missing (dx = (1/N) gamma/sigma (N g - sum g - x_hat sum(g x_hat)))."),
        (_dx_compact(g, x_hat, sigma, gamma, mean=sums), "sum(g) and sum(g * x_hat) need the factor 1/N: the mean and the "
                                                         "variance are averages over the N examples."),
        (_dx_compact(g, x_hat, sigma, gamma, mean=rows), "you took the means over each row (axis 1); BatchNorm's "
                                                         "statistics, and so the sums in its gradient, run over the "
                                                         "batch: axis 0."),
        (_dx_compact(g, u_hat, u_sigma, gamma), "that is with the unbiased variance (ddof=1); BatchNorm normalises with "
                                                "the biased one, mean((x - mean)^2), in training mode."),
        (_dx_compact(g, u_hat, u_sigma, gamma, n_var=n - 1), "that is the gradient for the unbiased variance (ddof=1); "
                                                             "BatchNorm normalises with the biased one, mean((x - mean)^2)."),
        (_dx_compact(g, x_hat, sigma, np.ones_like(gamma)), "gamma is missing: y = gamma * x_hat + beta, so the gradient "
                                                            "reaching x_hat is gamma * g."),
        (_dx_compact(g, z_hat, z_sigma, gamma), "eps is missing: sigma = sqrt(var + eps), in the backward pass as in the "
                                                "forward."),
        (gamma / sigma * (g - g.mean(axis=0) + x_hat * (g * x_hat).mean(axis=0)),
         "the sign of the variance term: d sigma/d x pulls the other way, dx = gamma/sigma (g - mean(g) - x_hat mean(g x_hat))."),
    ]


def _param_slips(kind: str, g: np.ndarray, x: np.ndarray, eps: float) -> list[tuple[np.ndarray, str]]:
    x_hat, _ = _bn_stats(x, eps)
    factor = g * x_hat if kind == "dgamma" else g
    what = "g * x_hat" if kind == "dgamma" else "g"
    slips = [(factor.mean(axis=0), f"sum {what} over the batch, do not average it: every example adds its share."),
             (factor.sum(axis=1), "sum over the batch (axis 0), one number per feature, not over the features."),
             (factor, f"{kind} has one number per feature, shape (D,): sum {what} over the batch (axis 0).")]
    if kind == "dgamma":
        slips.append(((g * x).sum(axis=0), "gamma multiplies the normalised x_hat, not x: dgamma = sum(g * x_hat)."))
        slips.append(((g * _bn_stats(x, eps, ddof=1)[0]).sum(axis=0), "x_hat uses the biased variance (ddof=0)."))
    return slips


def _bn_cases(rng: np.random.Generator) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray, float]]:
    """(label, g, x, gamma, eps): features of very different scales, a square batch, a column of tiny variance."""
    cases = []
    for label, (n, d), eps, scale in [("a batch of 8 with 4 features", (8, 4), 1e-5, [0.2, 1.0, 3.0, 10.0]),
                                      ("a square batch, 5 x 5", (5, 5), 1e-5, 1.0),
                                      ("a batch of 6 with one nearly constant feature, eps = 0.1", (6, 3), 0.1,
                                       [1.0, 0.05, 2.0]),
                                      ("a batch of 3 with 2 features", (3, 2), 1e-5, 1.0)]:
        x = rng.normal(size=(n, d)) * scale + rng.normal(scale=3.0, size=d)
        cases.append((label, rng.normal(size=(n, d)), x, rng.normal(1.0, 0.5, size=d), eps))
    return cases


def check_batch_norm_backward(batch_norm_backward: Callable) -> Verdict:
    """Exercise 3: `fn(g, x, gamma, eps=1e-5)` returns (dx, dgamma, dbeta) for y = gamma * x_hat + beta, g = dL/dy.

    x_hat = (x - mean) / sqrt(var + eps) per column over the batch (biased variance), as
    BatchNorm1d in training mode. Checked against minigrad's autograd through that formula,
    and dx once more against central differences.
    """
    name = "batch_norm_backward"
    if not method_allowed(batch_norm_backward, name, _BN_SHORTCUTS, _BN_BY_HAND):
        return Verdict(False)
    rng = np.random.default_rng(111)
    cases = _bn_cases(rng)
    for label, g, x, gamma, eps in cases:
        what = f"{name} on {label}"
        inputs = [g.copy(), x.copy(), gamma.copy()]
        ok, got = attempt(batch_norm_backward, *inputs, eps, name=name, where=what)
        if not ok:
            return Verdict(False)
        if changed_in_place([g, x, gamma], inputs):
            return failed(f"{what}: your function changed g, x or gamma in place; compute new arrays instead")
        triple = tuple_of(what, got, ("dx", "dgamma", "dbeta"), "arrays")
        if triple is None:
            return Verdict(False)
        references = _bn_reference(g, x, gamma, eps)
        for kind, mine, ref in zip(("dx", "dgamma", "dbeta"), triple, references):
            label_k = f"{what}: {kind}"
            mine = one_array(label_k, mine)
            if mine is None:
                return Verdict(False)
            if compare(label_k, mine, ref, atol=1e-9, rtol=1e-7):
                continue
            slips = _dx_slips(g, x, gamma, eps) if kind == "dx" else _param_slips(kind, g, x, eps)
            for wrong, message in slips:
                if allclose(mine, wrong, atol=1e-9, rtol=1e-6):
                    hint(message)
                    break
            return Verdict(False)
    label, g, x, gamma, eps = cases[-1]
    numeric = _bn_numeric_dx(g, x, gamma, eps)
    dx = as_array(batch_norm_backward(g.copy(), x.copy(), gamma.copy(), eps)[0])
    if not compare(f"{name} on {label}: dx against central differences", dx, numeric, atol=1e-6, rtol=1e-5):
        return Verdict(False)
    return passed(f"batch_norm_backward is right on {len(cases)} batches: dx, dgamma and dbeta equal minigrad's "
                  "autograd through BatchNorm's formula, and dx equals central differences on the smallest batch.")


# --- exercise 4: clipping by the global norm ---------------------------------------------------


def _reference_clip(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    params = []
    for g in grads:
        p = Tensor(np.zeros_like(g), requires_grad=True)
        p.grad = g.copy()
        params.append(p)
    total = nn.utils.clip_grad_norm_(params, max_norm)
    return [np.asarray(p.grad) for p in params], total


def check_clip_by_global_norm(fn: Callable) -> Verdict:
    """Exercise 4: `fn(grads, max_norm)` returns (clipped, total_norm).

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
