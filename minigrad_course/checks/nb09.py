"""Checkers for notebook 09: optimizers.

    check_nesterov_step   exercise 1: one step of SGD with Nesterov momentum
    check_rmsprop_step    exercise 2: one step of RMSprop
    check_adamw_step      exercise 3: one step of AdamW (decoupled weight decay)

Each checker runs the real `minigrad.optim` optimizer for a few steps on its own
gradients (float64, coordinates of very different sizes) and, at every step,
hands the learner's function the optimizer's state before the step: the
parameter p, the gradient g and the buffers. The learner's new values are
compared with the optimizer's own state after the step, buffer first, then p,
so the verdict names the first quantity that is wrong, at which step and
where. Common slips are recognised by replaying them.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable, Sequence

import numpy as np

from minigrad import optim
from minigrad.tensor import Tensor
from .verdict import Verdict, allclose, answer, arrays, compare, failed, hint, hint_first_slip, passed

__all__ = ["check_nesterov_step", "check_rmsprop_step", "check_adamw_step"]

_ATOL, _RTOL = 1e-10, 1e-7
_STEPS = 4
_SHAPE = (2, 3)
# Gradients of very different sizes, column by column, so that a formula right for one size only is caught.
_SCALES = np.array([0.02, 1.0, 30.0])


_close = partial(allclose, atol=_ATOL, rtol=_RTOL)  # close enough to recognise a slip


def _gradients(seed: int) -> list[np.ndarray]:
    """_STEPS gradients, with the signs of some entries changing from step to step."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=_SHAPE) + 0.3) * _SCALES for _ in range(_STEPS)]


def _describe(hyper: dict) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in hyper.items())


def _replay(optimizer: optim.Optimizer, p: Tensor, grads: Sequence[np.ndarray], names: Sequence[str]):
    """Yield (t, p_before, g, state_before, p_after, state_after) for each step of the real optimizer.

    The state is read from `optimizer.state[p]` under `names` (zeros before the first step).
    """
    for t, g in enumerate(grads, start=1):
        state = optimizer.state.get(p, {})
        before = {n: np.array(state[n], dtype=np.float64) if n in state else np.zeros(_SHAPE) for n in names}
        p_before = p.numpy().copy()
        p.grad = g.copy()
        optimizer.step()
        state = optimizer.state[p]
        after = {n: np.array(state[n], dtype=np.float64) for n in names}
        yield t, p_before, g, before, p.numpy().copy(), after


def _unpack(what: str, got: Any, names: Sequence[str]) -> list[np.ndarray] | None:
    """The learner's tuple of new values as float64 arrays of shape _SHAPE, or None after saying why not."""
    mine = arrays(what, got, names, shape=_SHAPE)
    if mine is None and not isinstance(got, (tuple, list)) and got is not None and np.shape(got) == _SHAPE:
        hint(f"return every new value, not only the parameter: return {', '.join(names)}")
    return mine


def _swapped(mine: list[np.ndarray], expected: list[np.ndarray], names: Sequence[str]) -> bool:
    """True (after saying so) when the right values came back in another order."""
    if len(mine) < 2 or all(_close(m, e) for m, e in zip(mine, expected)):
        return False
    for i, m in enumerate(mine):
        for j, e in enumerate(expected):
            if i != j and _close(m, e) and not _close(expected[i], e):
                failed(f"your {names[i]} holds the value expected for {names[j]}")
                hint(f"return the new values in the order ({', '.join(names)})")
                return True
    return False


def _first_wrong(where: str, mine: list[np.ndarray], expected: list[np.ndarray], names: Sequence[str],
                 order: Sequence[int]) -> str | None:
    """Compare in `order` (buffers first); print the first mismatch and return its name."""
    for i in order:
        if not compare(f"{where}: {names[i].replace('new_', 'new ')}", mine[i], expected[i], _ATOL, _RTOL):
            return names[i]
    return None


def _run(fn: Callable, label: str, cases: list[dict], make, names: Sequence[str], keys: Sequence[str],
         order: Sequence[int], call, hints, success: str) -> Verdict:
    """The common loop: for each case and step, call the learner and compare with the real optimizer;
    the verdict `success` when every step is right.

    `names` are the learner's return values (the new p first), `keys` the optimizer's state entries
    that hold the new buffers, in the same order as names[1:].
    """
    for k, hyper in enumerate(cases, start=1):
        rng = np.random.default_rng(100 + k)
        p = Tensor(rng.normal(size=_SHAPE) * 2.0, requires_grad=True)
        opt = make([p], hyper)
        for t, p0, g, before, p1, after in _replay(opt, p, _gradients(k), keys):
            where = f"case {k} ({_describe(hyper)}), step t={t}"
            args = call(p0.copy(), g.copy(), {n: v.copy() for n, v in before.items()}, t, hyper)
            mine = answer(partial(_unpack, names=names), where, fn, *args, name=label)
            if mine is None:
                return Verdict(False)
            expected = [p1] + [after[n] for n in keys]
            if _swapped(mine, expected, names):
                return Verdict(False)
            wrong = _first_wrong(where, mine, expected, names, order)
            if wrong is not None:
                hints(wrong, mine[names.index(wrong)], p0, g, before, t, hyper)
                return Verdict(False)
    return passed(success)


# --- exercise 1: Nesterov momentum ------------------------------------------------------------

_NESTEROV_CASES = [dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.5)]


def check_nesterov_step(fn: Callable) -> Verdict:
    """Exercise 1: `fn(p, g, buf, lr, momentum)` returns (new_p, new_buf), one step of
    `optim.SGD(..., momentum=momentum, nesterov=True)`:

        buf <- momentum * buf + g
        p   <- p - lr * (g + momentum * buf)      (with the new buf)

    buf is all zeros before the first step. Tested for 4 steps with two settings.
    """
    names = ("new_p", "new_buf")

    def make(params, hyper):
        return optim.SGD(params, lr=hyper["lr"], momentum=hyper["momentum"], nesterov=True)

    def call(p, g, before, t, hyper):
        return p, g, before["momentum_buffer"], hyper["lr"], hyper["momentum"]

    def hints(wrong, mine, p, g, before, t, hyper):
        lr, mu, buf = hyper["lr"], hyper["momentum"], before["momentum_buffer"]
        new_buf = mu * buf + g
        if wrong == "new_buf":
            hint_first_slip(mine, [
                (mu * buf + (1 - mu) * g, "you averaged: buf <- momentum * buf + (1 - momentum) * g. PyTorch's SGD "
                                          "adds the whole gradient: buf <- momentum * buf + g."),
                (mu * buf - lr * g, "that is the 'velocity' form v <- momentum * v - lr * g. Here the buffer "
                                    "collects gradients only: buf <- momentum * buf + g; lr comes in the step of p."),
                (buf, "the buffer must change at every step: buf <- momentum * buf + g."),
                (g + mu * new_buf, "that is the direction of the step, not the buffer: buf <- momentum * buf + g."),
            ], "buf <- momentum * buf + g (buf is zero before the first step).", _ATOL, _RTOL)
        else:
            hint_first_slip(mine, [
                (p - lr * new_buf, "that is plain momentum (p <- p - lr * buf). Nesterov looks ahead: "
                                   "p <- p - lr * (g + momentum * buf), with the buf you just updated."),
                (p - lr * (g + mu * buf), "use the updated buffer in the step: first buf <- momentum * buf + g, "
                                          "then p <- p - lr * (g + momentum * buf)."),
                (p + lr * (g + mu * new_buf), "the sign: step against the gradient, p <- p - lr * (...)."),
                (p - (g + mu * new_buf), "multiply the step by the learning rate lr."),
            ], "p <- p - lr * (g + momentum * buf), with the buf you just updated.", _ATOL, _RTOL)

    return _run(fn, "nesterov_step", _NESTEROV_CASES, make, names, ("momentum_buffer",), order=(1, 0), call=call,
                hints=hints, success="nesterov_step matches optim.SGD(momentum=..., nesterov=True) at every step "
                                     "of both tests: buffer and parameter.")


# --- exercise 2: RMSprop ---------------------------------------------------------------------

_RMSPROP_CASES = [dict(lr=0.01, alpha=0.99, eps=1e-8), dict(lr=0.1, alpha=0.5, eps=0.1)]


def check_rmsprop_step(fn: Callable) -> Verdict:
    """Exercise 2: `fn(p, g, square_avg, lr, alpha, eps)` returns (new_p, new_square_avg), one step of
    `optim.RMSprop(..., alpha=alpha, eps=eps)`:

        square_avg <- alpha * square_avg + (1 - alpha) * g^2
        p          <- p - lr * g / (sqrt(square_avg) + eps)      (with the new square_avg)

    square_avg is all zeros before the first step. The second test uses a large
    eps (0.1) so that where eps goes matters.
    """
    names = ("new_p", "new_square_avg")

    def make(params, hyper):
        return optim.RMSprop(params, **hyper)

    def call(p, g, before, t, hyper):
        return p, g, before["square_avg"], hyper["lr"], hyper["alpha"], hyper["eps"]

    def hints(wrong, mine, p, g, before, t, hyper):
        lr, alpha, eps, v = hyper["lr"], hyper["alpha"], hyper["eps"], before["square_avg"]
        new_v = alpha * v + (1 - alpha) * g * g
        if wrong == "new_square_avg":
            hint_first_slip(mine, [
                (alpha * v + g * g, "the new squared gradient enters with weight (1 - alpha): "
                                    "square_avg <- alpha * square_avg + (1 - alpha) * g**2."),
                (alpha * v + (1 - alpha) * g, "square the gradient: the average is of g**2, not g."),
                ((1 - alpha) * v + alpha * g * g, "alpha is the weight of the OLD average (0.99: a long memory): "
                                                  "square_avg <- alpha * square_avg + (1 - alpha) * g**2."),
                (alpha * v + (1 - alpha) * np.abs(g), "square the gradient (g**2), not its absolute value."),
                (v + g * g, "that is Adagrad's running sum; RMSprop keeps a moving average: "
                            "alpha * square_avg + (1 - alpha) * g**2."),
            ], "square_avg <- alpha * square_avg + (1 - alpha) * g**2 (element-wise).", _ATOL, _RTOL)
        else:
            hint_first_slip(mine, [
                (p - lr * g / np.sqrt(new_v + eps), "eps goes outside the square root, as in PyTorch: "
                                                    "g / (sqrt(square_avg) + eps)."),
                (p - lr * g / np.sqrt(new_v), "add eps to the denominator: g / (sqrt(square_avg) + eps)."),
                (p - lr * g / (new_v + eps), "divide by the square ROOT of the average: sqrt(square_avg) + eps."),
                (p - lr * g / (np.sqrt(v) + eps), "use the updated square_avg (this step's gradient included) in "
                                                  "the step of p."),
                (p + lr * g / (np.sqrt(new_v) + eps), "the sign: p <- p - lr * g / (...)."),
                (p - lr * g, "that is plain SGD: divide the gradient by sqrt(square_avg) + eps."),
            ], "p <- p - lr * g / (sqrt(square_avg) + eps), with the square_avg you just updated.", _ATOL, _RTOL)

    return _run(fn, "rmsprop_step", _RMSPROP_CASES, make, names, ("square_avg",), order=(1, 0), call=call,
                hints=hints, success="rmsprop_step matches optim.RMSprop at every step of both tests, "
                                     "the one with a large eps included.")


# --- exercise 3: AdamW -------------------------------------------------------------------------

_ADAMW_CASES = [dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01),
                dict(lr=0.1, beta1=0.5, beta2=0.8, eps=0.1, weight_decay=0.5)]


def _adam_direction(m, v, t, hyper, eps_inside=False):
    c1, c2 = 1 - hyper["beta1"] ** t, 1 - hyper["beta2"] ** t
    if eps_inside:
        return (m / c1) / np.sqrt(v / c2 + hyper["eps"])
    return (m / c1) / (np.sqrt(v / c2) + hyper["eps"])


def check_adamw_step(fn: Callable) -> Verdict:
    """Exercise 3: `fn(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay)` returns (new_p, new_m, new_v),
    step t (t = 1, 2, ...) of `optim.AdamW(..., betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)`:

        p <- p * (1 - lr * weight_decay)                     (decoupled weight decay)
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        p <- p - lr * m_hat / (sqrt(v_hat) + eps),   m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)

    m and v are all zeros before the first step. The second test has a large
    weight decay and eps, so that where each goes matters.
    """
    names = ("new_p", "new_m", "new_v")

    def make(params, hyper):
        return optim.AdamW(params, lr=hyper["lr"], betas=(hyper["beta1"], hyper["beta2"]), eps=hyper["eps"],
                           weight_decay=hyper["weight_decay"])

    def call(p, g, before, t, hyper):
        return (p, g, before["exp_avg"], before["exp_avg_sq"], t, hyper["lr"], hyper["beta1"], hyper["beta2"],
                hyper["eps"], hyper["weight_decay"])

    def hints(wrong, mine, p, g, before, t, hyper):
        lr, b1, b2, wd = hyper["lr"], hyper["beta1"], hyper["beta2"], hyper["weight_decay"]
        m, v = before["exp_avg"], before["exp_avg_sq"]
        l2 = g + wd * p
        new_m, new_v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        coupled = ("you added weight_decay * p to the gradient: that is Adam with an L2 penalty "
                   "(optim.Adam(weight_decay=...)). AdamW leaves g alone and shrinks p directly: "
                   "p <- p * (1 - lr * weight_decay).")
        if wrong == "new_m":
            hint_first_slip(mine, [
                (g if t == 1 else np.nan, "after the first step m must be (1 - beta1) * g: either the factor "
                                          "(1 - beta1) is missing, or you returned the bias-corrected m_hat "
                                          "(return m itself; m_hat is only used inside the step)."),
                (b1 * m + (1 - b1) * l2, coupled),
                (b1 * m + g, "the new gradient enters with weight (1 - beta1): m <- beta1 * m + (1 - beta1) * g."),
                (new_m / (1 - b1 ** t), "return m itself; the bias-corrected m_hat = m / (1 - beta1**t) is only "
                                        "used inside the step (m must keep its uncorrected value for the next step)."),
            ], "m <- beta1 * m + (1 - beta1) * g.", _ATOL, _RTOL)
        elif wrong == "new_v":
            hint_first_slip(mine, [
                (g * g if t == 1 else np.nan, "after the first step v must be (1 - beta2) * g**2: either the factor "
                                              "(1 - beta2) is missing, or you returned the bias-corrected v_hat "
                                              "(return v itself; v_hat is only used inside the step)."),
                (b2 * v + (1 - b2) * l2 * l2, coupled),
                (b2 * v + (1 - b2) * g, "square the gradient: v <- beta2 * v + (1 - beta2) * g**2."),
                (b2 * v + g * g, "the new squared gradient enters with weight (1 - beta2)."),
                (new_v / (1 - b2 ** t), "return v itself; v_hat = v / (1 - beta2**t) is only used inside the step."),
            ], "v <- beta2 * v + (1 - beta2) * g**2.", _ATOL, _RTOL)
        else:
            decayed = p * (1 - lr * wd)
            step = lr * _adam_direction(new_m, new_v, t, hyper)
            hint_first_slip(mine, [
                (p - step, "the weight decay is missing: first shrink p <- p * (1 - lr * weight_decay), "
                           "then take Adam's step."),
                ((p - step) * (1 - lr * wd), "decay the parameter as it was BEFORE the step: "
                                             "p <- p * (1 - lr * weight_decay) first, then p <- p - lr * m_hat / (...)."),
                (p * (1 - wd) - step, "the decay is scaled by the learning rate: p * (1 - lr * weight_decay)."),
                (decayed - lr * new_m / (np.sqrt(new_v) + hyper["eps"]),
                 "the bias correction is missing: divide m by (1 - beta1**t) and v by (1 - beta2**t)."),
                (decayed - lr * _adam_direction(new_m, new_v, t + 1, hyper), "t is already the step number "
                                                                             "(1 at the first step): use beta**t."),
                (decayed - lr * _adam_direction(new_m, new_v, t, hyper, eps_inside=True),
                 "eps goes outside the square root: m_hat / (sqrt(v_hat) + eps)."),
                (decayed - lr * _adam_direction(m, v, t, hyper) if t > 1 else np.nan,
                 "use the m and v you just updated (with this step's gradient) in the step of p."),
                (decayed + step, "the sign: p <- p - lr * m_hat / (sqrt(v_hat) + eps)."),
            ], "p <- p * (1 - lr * weight_decay), then p <- p - lr * m_hat / (sqrt(v_hat) + eps).", _ATOL, _RTOL)

    return _run(fn, "adamw_step", _ADAMW_CASES, make, names, ("exp_avg", "exp_avg_sq"), order=(1, 2, 0),
                call=call, hints=hints, success="adamw_step matches optim.AdamW at every step of both tests: m, v, "
                                                "the bias corrections and the decoupled weight decay.")
