"""Checkers for notebook 12: overfitting and regularization.

    check_l2_penalty       exercise 1: the L2 penalty (lambda/2) sum ||W||^2 and its gradient lambda W
    check_dropout_mask     exercise 2: an inverted-dropout mask, 0 with probability p, else 1/(1-p)
    check_early_stopping   exercise 3: the early-stopping rule, (best epoch, stop epoch) from validation losses

The reference penalty gradients come from minigrad's Tensor autograd, not from
the formula the learner is asked to write; the dropout mask is judged by its
statistics (shape, values, fraction of zeros, use of the given generator).
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from minigrad.tensor import Tensor
from .verdict import (Verdict, answer, as_array, attempt, changed_in_place, compare, failed, hint, one_array,
                      one_number, passed, tuple_of)

__all__ = ["check_l2_penalty", "check_dropout_mask", "check_early_stopping"]


# --- exercise 1: the L2 penalty and its gradient -------------------------------------------

_L2_CASES = [  # (shapes of the weight arrays, lambda)
    ([(3, 2), (4, 3), (1, 4)], 0.1),
    ([(5,)], 0.5),
    ([(2, 2), (2,)], 0.0),
    ([(3, 3), (3,), (2, 3)], 1e-2),
]


def _reference_l2(weights: list[np.ndarray], lam: float) -> tuple[float, list[np.ndarray]]:
    """(lam/2) sum_k sum(W_k^2) and its gradient with respect to each W_k, by Tensor autograd."""
    tensors = [Tensor(w, requires_grad=True) for w in weights]
    penalty = sum(((t * t).sum() for t in tensors), Tensor(np.zeros((), dtype=np.float64))) * (lam / 2)
    penalty.backward()
    return penalty.item(), [t.grad for t in tensors]


def check_l2_penalty(fn: Callable) -> Verdict:
    """Exercise 1: `fn(weights, lam)` returns (penalty, grads) for the list of arrays `weights`:

        penalty = (lam / 2) * sum over k of sum(weights[k] ** 2)     (a number)
        grads   = [dpenalty/dweights[k] for each k]                   (a list, shapes of the weights)
    """
    rng = np.random.default_rng(12)
    for k, (shapes, lam) in enumerate(_L2_CASES, start=1):
        weights = [rng.normal(size=s).round(3) for s in shapes]
        keep = [w.copy() for w in weights]
        where = f"test {k} ({len(shapes)} array{'s' if len(shapes) > 1 else ''} of shapes " \
                f"{', '.join(str(s) for s in shapes)}, lam={lam})"
        pair = answer(partial(tuple_of, names=("penalty", "grads")), where, fn, weights, lam, name="l2_penalty")
        if pair is None:
            return Verdict(False)
        penalty, grads = pair
        if changed_in_place(keep, weights):
            return failed(f"{where}: your function changed the weights in place. Compute the penalty and "
                          "return new gradient arrays; only the optimizer should change the weights.")
        ref_penalty, ref_grads = _reference_l2(weights, lam)
        value = one_number(f"{where}: the penalty", penalty)
        if value is None:
            return Verdict(False)
        if not compare(f"{where}: penalty", value, ref_penalty, atol=1e-9, rtol=1e-7):
            _hint_penalty(value, ref_penalty, weights, lam)
            return Verdict(False)
        if not isinstance(grads, (tuple, list)) or len(grads) != len(weights):
            what = f"{len(grads)} arrays" if isinstance(grads, (tuple, list)) else f"a {type(grads).__name__}"
            return failed(f"{where}: grads should be a list of {len(weights)} arrays, one per weight array, "
                          f"got {what}")
        for i, (g, r, w) in enumerate(zip(grads, ref_grads, weights)):
            if g is None:
                return failed(f"{where}: grads[{i}] is None (did you forget to compute it?)")
            if not compare(f"{where}: grads[{i}]", g, r, atol=1e-9, rtol=1e-7):
                mine = as_array(g)
                if mine.shape == w.shape and lam and np.allclose(mine, 2 * r):
                    hint("your gradient is 2 lam W: the 1/2 in (lam/2) ||W||^2 is there to cancel the 2 "
                         "of d(w^2)/dw = 2w, so the gradient is lam * W.")
                elif mine.shape == w.shape and lam and np.allclose(mine, lam * w * w):
                    hint("lam * W^2 is the penalty's summand, not its derivative: d/dw (lam/2) w^2 = lam w.")
                elif mine.shape == w.shape and lam and np.allclose(mine, w):
                    hint("you left out lam: the gradient of (lam/2) ||W||^2 is lam * W.")
                return Verdict(False)
    return passed("the penalty (lam/2) sum ||W||^2 and its gradient lam * W are right on 4 tests "
                  "(several arrays, one array, lam = 0).")


def _hint_penalty(value: float, ref: float, weights: list[np.ndarray], lam: float) -> None:
    if ref == 0.0:
        hint("with lam = 0 there is no penalty: it must be 0.")
        return
    if np.isclose(value, 2 * ref):
        hint("your penalty is twice the right one: it is (lam / 2) times the sum of squares.")
    elif np.isclose(value, lam / 2 * sum(float(np.sqrt((w * w).sum())) for w in weights)):
        hint("you used the norm ||W||; the penalty uses its square, ||W||^2 = sum of the squared entries.")
    elif np.isclose(value, lam / 2 * float((weights[0] ** 2).sum())):
        hint("you only counted the first array: add up the sums of squares of all the arrays in the list.")
    elif np.isclose(value, lam / 2 * sum(float(w.sum()) for w in weights) ** 2) or \
            np.isclose(value, lam / 2 * sum(float(w.sum()) ** 2 for w in weights)):
        hint("square each entry first, then add: sum(W ** 2), not sum(W) ** 2.")
    elif np.isclose(value, ref / lam * 2) or np.isclose(value, ref / lam):
        hint("multiply the sum of squares by lam / 2.")


# --- exercise 2: an inverted-dropout mask ----------------------------------------------------


def check_dropout_mask(fn: Callable) -> Verdict:
    """Exercise 2: `fn(shape, p, rng)` returns a float array of `shape` whose entries are 0 with
    probability p and 1/(1-p) otherwise, drawn with the NumPy generator `rng` (0 <= p < 1).

    Checked: shapes, the two values, the fraction of zeros on 100,000 entries (within 0.01 of p),
    p = 0, and that the randomness comes from `rng` (same seed, same mask; another seed, another mask).
    """
    for shape, p in [((4, 5), 0.5), ((1000,), 0.2), ((3, 2, 7), 0.75)]:
        where = f"dropout_mask({shape}, p={p}, rng)"
        mask = answer(one_array, where, fn, shape, p, np.random.default_rng(1), name="dropout_mask")
        if mask is None:
            return Verdict(False)
        if mask.shape != shape:
            return failed(f"{where}: the mask has shape {mask.shape}, expected {shape}, the shape of the "
                          "activations it multiplies")
        scale = 1.0 / (1.0 - p)
        values = np.unique(mask)
        allowed = np.isclose(mask, 0.0) | np.isclose(mask, scale)
        if not allowed.all():
            odd = float(mask[~allowed].flat[0])
            message = f"{where}: an entry is {odd:.4g}, but each entry must be 0 (dropped) or 1/(1-p) = {scale:.4g} (kept)"
            failed(message)
            if np.isclose(odd, 1.0):
                hint("the kept entries must be scaled up by 1/(1-p), so that the mask's average is 1 and "
                     "the next layer sees the same expected input in training and in evaluation.")
            elif np.isclose(odd, 1.0 / p) if p else False:
                hint("scale by 1/(1-p), the probability of *keeping* an entry, not by 1/p.")
            elif np.isclose(odd, 1.0 - p):
                hint("multiply by 1/(1-p), not by (1-p): the kept entries get bigger, to make up for the dropped ones.")
            elif len(values) > 2:
                hint("the mask holds only two values: compare uniform random numbers with p to decide which "
                     "entries to drop (True/False), then turn that into 0 or 1/(1-p).")
            return Verdict(False)
    p, shape = 0.2, (200, 500)
    where = f"dropout_mask({shape}, p={p}, rng)"
    mask = answer(one_array, where, fn, shape, p, np.random.default_rng(2), name="dropout_mask")
    if mask is None:
        return Verdict(False)
    dropped = float(np.isclose(mask, 0.0).mean())
    if abs(dropped - p) > 0.01:
        failed(f"{where}: {dropped:.1%} of the entries are 0, expected about p = {p:.0%}")
        if abs(dropped - (1 - p)) < 0.01:
            hint("you dropped with probability 1 - p: p is the probability of *dropping* an entry "
                 "(it is kept when a uniform number is >= p).")
        return Verdict(False)
    ok, got = attempt(fn, (3, 4), 0.0, np.random.default_rng(3), name="dropout_mask")
    if not ok:
        return Verdict(False)
    if not compare("dropout_mask((3, 4), p=0.0, rng): with p = 0 nothing is dropped, every entry is 1;",
                   got, np.ones((3, 4))):
        return Verdict(False)
    first = attempt(fn, (50, 40), 0.5, np.random.default_rng(4), name="dropout_mask")
    again = attempt(fn, (50, 40), 0.5, np.random.default_rng(4), name="dropout_mask")
    other = attempt(fn, (50, 40), 0.5, np.random.default_rng(5), name="dropout_mask")
    if not (first[0] and again[0] and other[0]):
        return Verdict(False)
    first, again, other = (as_array(r[1]) for r in (first, again, other))
    if not np.array_equal(first, again):
        failed("two calls with generators made from the same seed gave different masks")
        hint("draw the random numbers from the `rng` argument (rng.random(shape)), not from np.random or "
             "random: then a seed makes the run repeatable.")
        return Verdict(False)
    if np.array_equal(first, other):
        failed("generators made from different seeds gave the same mask: the mask is not random")
        hint("which entries are dropped must be drawn anew each time: use rng.random(shape) < p.")
        return Verdict(False)
    return passed(f"the mask has the right shape and the two values 0 and 1/(1-p); with p = {p} it dropped "
                  f"{dropped:.1%} of 100,000 entries; its randomness comes from rng.")


# --- exercise 3: the early-stopping rule --------------------------------------------------------

_ES_CASES = [  # (validation losses, patience): chosen to catch the usual slips
    ([1.0, 0.8, 0.7, 0.72, 0.75, 0.71, 0.9, 0.95], 2),   # stops at 4, before the later 0.71 is seen
    ([1.0, 0.6, 0.65, 0.7, 0.5, 0.4], 2),                 # the global minimum comes after the stop
    ([1.0, 0.5, 0.5, 0.5, 0.4, 0.45], 2),                 # a tie is not an improvement
    ([5.0, 4.0, 3.0, 2.0, 1.0], 3),                       # always improving: runs to the end
    ([1.0, 2.0, 0.5], 1),                                 # patience 1
    ([0.9, 0.7, 0.6, 0.61, 0.62, 0.63, 0.64], 10),        # patience longer than the run
]


def _reference_early_stopping(losses: list[float], patience: int, strict: bool = True,
                              extra: int = 0) -> tuple[int, int]:
    """(best_epoch, stop_epoch). strict=False (ties improve) and extra=+-1 (stop late/early) give the usual slips."""
    best, best_epoch = float("inf"), 0
    for epoch, loss in enumerate(losses):
        if loss < best or (not strict and loss <= best):
            best, best_epoch = loss, epoch
        elif epoch - best_epoch >= patience + extra:
            return best_epoch, epoch
    return best_epoch, len(losses) - 1


def _noisy_curve(seed: int, n: int = 60) -> list[float]:
    """A validation loss that falls, then rises, with noise: like a real run."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return [round(float(v), 4) for v in 0.3 + 1.5 * np.exp(-t / 6) + 0.01 * t + rng.normal(0, 0.03, n)]


def check_early_stopping(fn: Callable) -> Verdict:
    """Exercise 3: `fn(val_losses, patience)` returns (best_epoch, stop_epoch).

    Epochs count from 0: val_losses[e] is measured after epoch e. An epoch improves when its loss is
    strictly below every earlier one. Training stops at the first epoch that comes `patience` epochs
    after the last improvement (or at the last epoch if that never happens); best_epoch is the last
    improvement seen by then, the checkpoint to restore.
    """
    cases = _ES_CASES + [(_noisy_curve(1), 5), (_noisy_curve(2), 3)]
    for k, (losses, patience) in enumerate(cases, start=1):
        shown = losses if len(losses) <= 10 else f"a noisy curve of {len(losses)} epochs"
        where = f"test {k} (val_losses={shown}, patience={patience})"
        got = answer(partial(tuple_of, names=("best_epoch", "stop_epoch")), where, fn, list(losses), patience,
                     name="early_stopping")
        if got is None:
            return Verdict(False)
        try:
            mine = (int(got[0]), int(got[1]))
        except (TypeError, ValueError):
            return failed(f"{where}: best_epoch and stop_epoch should be whole numbers, got {got!r}")
        best, stop = _reference_early_stopping(losses, patience)
        if mine == (best, stop):
            continue
        failed(f"{where}: you returned (best_epoch, stop_epoch) = {mine}, expected ({best}, {stop})")
        _hint_early_stopping(mine, best, stop, losses, patience)
        return Verdict(False)
    return passed(f"the rule is right on {len(cases)} runs: it keeps the best epoch seen so far, counts "
                  "epochs without a strict improvement, and stops after `patience` of them.")


def _hint_early_stopping(mine: tuple[int, int], best: int, stop: int, losses: list[float], patience: int) -> None:
    b, s = mine
    if (s, b) == (best, stop):
        hint("the order is (best_epoch, stop_epoch).")
    elif mine == _reference_early_stopping(losses, patience, strict=False):
        hint("a loss equal to the best so far is not an improvement: use a strict `<`.")
    elif mine == _reference_early_stopping(losses, patience, extra=1):
        hint("one epoch late: stop at the first epoch e with e - best_epoch == patience.")
    elif mine == _reference_early_stopping(losses, patience, extra=-1):
        hint("one epoch early: `patience` epochs without improvement means e - best_epoch == patience.")
    elif b == int(np.argmin(losses)) and b > stop:
        hint(f"epoch {b} has the lowest loss of the whole list, but training stopped at epoch {stop} "
             "and never saw it: only look at the losses up to the stopping epoch.")
    elif s == len(losses) - 1 and stop < s:
        hint("training should stop as soon as `patience` epochs have passed without a strict improvement.")
    elif b == best:
        hint("best_epoch is right; the stop epoch is the first epoch e with e - best_epoch == patience, "
             f"or the last epoch ({len(losses) - 1}) if that never comes.")
    else:
        hint("best_epoch is the epoch of the lowest loss seen up to the stopping epoch "
             "(the first one, if it occurs twice).")
