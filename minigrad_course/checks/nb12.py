"""Checkers for notebook 12: overfitting and regularization.

    check_l2_penalty       exercise 1: the L2 penalty (lambda/2) sum ||W||^2 and its gradient lambda W
    check_dropout          exercise 2: inverted dropout's forward and backward, the two halves of an mg.Function
    check_early_stopping   exercise 3: the early-stopping rule, (best epoch, stop epoch) from validation losses

The reference penalty gradients come from minigrad's Tensor autograd, not from
the formula the learner is asked to write. Dropout's forward is judged by the
factor each entry got (output / input: 0 or 1/(1-p)), the share dropped and the
use of the given generator; its backward against autograd through that same
mask and against finite differences of the learner's own forward.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from minigrad.autograd import Function
from minigrad.tensor import Tensor
from .verdict import (Verdict, answer, as_array, attempt, autograd_gradients, changed_in_place, compare,
                      failed, first_slip, float64_leaves, hint, one_number, passed, returns_verdict, tuple_of)

__all__ = ["check_l2_penalty", "check_dropout", "check_early_stopping"]


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


# --- exercise 2: dropout's forward and backward, as a minigrad Function ----------------------------

_P = 0.3                  # not 0.5: there 1/(1-p) = 1/p = 2, and dividing by p would pass unnoticed
_SHAPE = (6, 7)
_FORWARD, _BACKWARD = "dropout_forward", "dropout_backward"


def _dropout_function(forward: Callable, backward: Callable) -> type:
    """The learner's two halves wired into one operation, as the notebook shows."""
    return type("LearnersDropout", (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})


def _inputs(seed: int, shape: tuple = _SHAPE) -> np.ndarray:
    """Entries of size 0.5 to 1.5 with random signs: none is 0, so output / x shows the factor each entry got."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _values(factors: np.ndarray) -> str:
    """'the values 0, 1.429' (at most four of them)."""
    values = np.unique(factors.round(6))
    shown = ", ".join(f"{v:.4g}" for v in values[:4]) + (", ..." if len(values) > 4 else "")
    return f"the value{'s' if len(values) > 1 else ''} {shown}"


def _forward(op: type, x: np.ndarray, p: float, training: bool, seed: int, where: str
             ) -> tuple[Tensor, Tensor, np.ndarray] | None:
    """(the leaf x, the output, output / x) of op.apply on a float64 copy of x with a generator seeded `seed`,
    or None after saying what went wrong (a stub, a crash, a wrong shape, x changed in place)."""
    (leaf,) = float64_leaves([x])
    ok, out = attempt(op.apply, leaf, p, training, np.random.default_rng(seed), name=_FORWARD, where=where)
    if not ok:
        return None
    mine = out.numpy()
    if mine.shape != x.shape:
        failed(f"{where}: the output has shape {mine.shape}, expected {x.shape}, the shape of x")
        return None
    if not np.array_equal(leaf.numpy(), x):
        failed(f"{where}: {_FORWARD} changed x in place. Return a new Tensor, x times the mask, and leave x as "
               "it was: the layer below may still need it.")
        return None
    return leaf, out, mine / x


def _backward(out: Tensor, leaf: Tensor, upstream: np.ndarray, where: str) -> np.ndarray | None:
    """x.grad after out.backward(upstream), or None after saying why there is none."""
    ok, _ = attempt(out.backward, upstream, name=_BACKWARD, where=where)
    if not ok:
        return None
    if leaf.grad is None:
        failed(f"{where}: no gradient reached x: {_BACKWARD} returns the gradient of x first, then None for p, "
               "training and rng")
        return None
    return as_array(leaf.grad)


def _factor_slip(factors: np.ndarray, p: float) -> str:
    """Why the factors are not 0 and 1/(1-p): the usual slips, named."""
    kept = factors[~np.isclose(factors, 0.0)]
    named = [(1.0, "you did not scale the kept entries: inverted dropout multiplies them by 1/(1-p), so that the "
                   "expected output is x and evaluation needs no change."),
             (1.0 / p, "you divided by p, the probability of dropping; divide by 1 - p, the probability of keeping."),
             (p, "you multiplied by p; the kept entries are divided by 1 - p, the probability of keeping them."),
             (1.0 - p, "you multiplied by 1 - p; inverted dropout divides by it, so that the kept entries make up "
                       "for the dropped ones.")]
    for value, message in named:
        if kept.size and np.allclose(kept, value):
            return message
    return "each entry is multiplied by 0 (dropped) or by 1/(1-p) (kept), nothing else."


def _training_forward(op: type) -> tuple[Tensor, Tensor, np.ndarray, float] | None:
    """Training mode: the factors, the share dropped, the use of rng. (leaf, output, factors, share) or None."""
    where = f"training mode, p = {_P}, x of shape {_SHAPE}"
    x = _inputs(1)
    first = _forward(op, x, _P, True, seed=7, where=where)
    if first is None:
        return None
    factors = first[2]
    scale = 1.0 / (1.0 - _P)
    if not (np.isclose(factors, 0.0) | np.isclose(factors, scale)).all():
        failed(f"{where}: output / x holds {_values(factors)}; with inverted dropout each entry is multiplied by 0 "
               f"(dropped) or by 1/(1-p) = {scale:.4g} (kept)")
        hint(_factor_slip(factors, _P))
        return None
    big = f"training mode, p = {_P}, x of shape (200, 500)"
    ran = _forward(op, np.ones((200, 500)), _P, True, seed=9, where=big)
    if ran is None:
        return None
    dropped = float(np.isclose(ran[2], 0.0).mean())
    if abs(dropped - _P) > 0.01:
        failed(f"{big}: {dropped:.1%} of the entries were dropped, expected about p = {_P:.0%}")
        if abs(dropped - (1 - _P)) <= 0.01:
            hint("you dropped with probability 1 - p: p is the probability of dropping an entry "
                 "(keep it when a uniform number is >= p).")
        return None
    again, other = (_forward(op, x, _P, True, seed=s, where=where) for s in (7, 8))
    if again is None or other is None:
        return None
    if not np.array_equal(again[2], factors):
        failed(f"{where}: two calls with generators made from the same seed dropped different entries")
        hint("draw the mask from the `rng` argument (rng.random(x.shape)), not from np.random: then a seeded "
             "generator repeats the mask.")
        return None
    if np.array_equal(other[2], factors):
        failed(f"{where}: generators made from different seeds dropped the same entries: the mask is not random")
        hint("draw a new mask at every call of the forward pass, from rng.random(x.shape).")
        return None
    return first[0], first[1], factors, dropped


def _finite_difference(op: type, x: np.ndarray, upstream: np.ndarray, seed: int, h: float = 1e-6) -> np.ndarray:
    """d/dx of sum(upstream * forward(x)) by central differences, with the same mask at every call (same seed)."""
    def loss(values: np.ndarray) -> float:
        return float((upstream * op.apply(Tensor(values), _P, True, np.random.default_rng(seed)).numpy()).sum())
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (loss(x + step) - loss(x - step)) / (2 * h)
    return grad


def _gradient_slip(grad: np.ndarray, upstream: np.ndarray, factors: np.ndarray) -> str:
    """The usual slip that gives `grad` instead of upstream * factors, named."""
    kept = ~np.isclose(factors, 0.0)
    slips = [
        (upstream, "your backward passes the gradient through unchanged. A dropped entry had no effect on the "
                   "output, so its gradient is 0; a kept one was multiplied by 1/(1-p), so its gradient is too."),
        (upstream * kept, "your backward uses the mask without the 1/(1-p): the forward multiplied each kept entry "
                          "by 1/(1-p), so the chain rule multiplies its gradient by the same factor."),
        (upstream * factors ** 2, "you applied the scaled mask twice in the backward pass: once is enough."),
        (upstream * kept * (1 - _P), "your backward multiplies by 1 - p; the forward's factor, and so the "
                                     "gradient's, is 1/(1-p)."),
    ]
    message = first_slip(grad, slips)
    if message:
        return message
    zeros = np.isclose(grad, 0.0)
    if grad.shape == factors.shape and zeros.any() and not np.array_equal(zeros, ~kept):
        return ("your backward zeroes other entries than the forward dropped: it draws a new mask. Keep the "
                "forward's mask in ctx (ctx.mask = mask) and use that one: the gradient flows back only through "
                "the entries that were kept.")
    return ("the gradient of x is dL/d(output) times the forward's factors: 0 where an entry was dropped, 1/(1-p) "
            "where it was kept (the mask saved in ctx).")


def _training_backward(op: type, leaf: Tensor, out: Tensor, factors: np.ndarray) -> bool:
    """The gradient of x against autograd through the forward's own mask, and against finite differences."""
    where = f"training mode, p = {_P}, x of shape {_SHAPE}"
    upstream = _inputs(2)
    grad = _backward(out, leaf, upstream, where)
    if grad is None:
        return False
    x = leaf.numpy()
    _, (expected,) = autograd_gradients(lambda t: t * Tensor(factors), [x], upstream)
    if not compare(f"{where}: the gradient of x", grad, expected, atol=1e-12, rtol=1e-10):
        hint(_gradient_slip(grad, upstream, factors))
        return False
    numeric = _finite_difference(op, x, upstream, seed=7)
    return bool(compare(f"{where}: the gradient of x against finite differences of your forward", grad, numeric,
                        atol=1e-6, rtol=1e-6))


def _identity(op: type, p: float, training: bool) -> bool:
    """Evaluation mode, or p = 0: the output is x and the gradient is dL/d(output), unchanged."""
    where = f"{'training' if training else 'evaluation'} mode, p = {p}"
    x = _inputs(3)
    ran = _forward(op, x, p, training, seed=11, where=where)
    if ran is None:
        return False
    leaf, out, factors = ran
    if not np.allclose(factors, 1.0, atol=1e-12, rtol=1e-12):
        failed(f"{where}: the output should be x itself, but output / x holds {_values(factors)}")
        if training:
            hint("with p = 0 nothing is dropped and 1/(1-p) = 1: the output is x.")
        elif np.allclose(factors, 1.0 / (1.0 - p)):
            hint("you scaled at evaluation time. Inverted dropout scales by 1/(1-p) in training only, so that "
                 "evaluation is the identity: return x unchanged when training is False.")
        elif np.allclose(factors, 1.0 - p):
            hint("multiplying by 1 - p at evaluation is the rule of the original dropout, which did not scale in "
                 "training; inverted dropout scaled in training already, so evaluation returns x unchanged.")
        elif np.isclose(factors, 0.0).any():
            hint("you dropped entries at evaluation time: dropout is active in training only (training=True); "
                 "in evaluation it returns x unchanged.")
        return False
    upstream = _inputs(4)
    grad = _backward(out, leaf, upstream, where)
    if grad is None:
        return False
    if not compare(f"{where}: the gradient of x", grad, upstream, atol=1e-12, rtol=1e-12):
        hint("the forward returned x unchanged, so the backward passes dL/d(output) through unchanged too: "
             "check what your backward does when nothing was dropped.")
        return False
    return True


@returns_verdict
def check_dropout(forward: Callable, backward: Callable) -> bool:
    """Exercise 2: inverted dropout as a minigrad Function, written as its two halves:

        forward(ctx, x, p, training, rng) -> Tensor     x * mask in training, x in evaluation
        backward(ctx, grad) -> (grad_x, None, None, None)

    In training each entry of x is kept with probability 1 - p, then multiplied by 1/(1-p); the mask is drawn
    with the NumPy generator rng, and backward multiplies dL/d(output) by that same mask. Checked: the factors
    (0 or 1/(1-p)), the share dropped, that rng drives the mask, the gradient against autograd and against
    finite differences of the forward, evaluation mode and p = 0 (the identity both ways), x left unchanged.
    """
    for fn, label in ((forward, _FORWARD), (backward, _BACKWARD)):
        if not callable(fn):
            return failed(f"expected a function for {label}, got {type(fn).__name__}")
    op = _dropout_function(forward, backward)
    trained = _training_forward(op)
    if trained is None:
        return False
    leaf, out, factors, dropped = trained
    if not _training_backward(op, leaf, out, factors):
        return False
    if not _identity(op, 0.4, training=False) or not _identity(op, 0.0, training=True):
        return False
    return passed(f"{_FORWARD} and {_BACKWARD} are right: in training they dropped {dropped:.1%} of 100,000 "
                  f"entries with p = {_P} and scaled the rest by 1/(1-p), and the gradient goes back through the "
                  "same mask (equal to autograd and to finite differences); in evaluation both are the identity.")


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
