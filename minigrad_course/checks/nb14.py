"""Checkers for notebook 14: from minigrad to PyTorch (convolutions, RNNs and attention are backprop too).

    check_conv1d              exercise 1: conv1d(x, w), a 1-D convolution (no padding) from minigrad ops
    check_rnn_forward         exercise 2: rnn_forward(xs, h0, W_xh, W_hh, b), every hidden state of a tanh RNN
    check_rnn_step_backward   exercise 3: rnn_step_backward(dh, x, h_prev, h, W_hh), one step of backprop
                              through time by hand: (dW_xh, dW_hh, db, dh_prev)
    check_attention           exercise 4: attention(Q, K, V) = softmax(Q K^T / sqrt(d)) V

In exercises 1, 2 and 4 the learner's function returns a minigrad Tensor computed
with minigrad's operations, so that autograd can differentiate it: the checker
compares the output, then calls backward() and compares the gradient of every
input. Exercise 3 is a backward pass written by hand in NumPy: its four gradients
are compared with minigrad's autograd and with finite differences, then the step
is chained over a sequence. The reference answers come from minigrad's own
autograd on reference code written here; each checker also replays the usual
slips to name the one the learner made.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Any, Callable, Sequence

import numpy as np

from minigrad import functional as F
from minigrad import Tensor, stack
from .verdict import (Verdict, allclose, answer, arrays, as_array, attempt, autograd_gradients, changed_in_place,
                      compare, compare_exactly, failed, first_slip, float64_leaves, hint, method_allowed, passed,
                      returned_none)

__all__ = ["check_conv1d", "check_rnn_forward", "check_rnn_step_backward", "check_attention"]

_ATOL, _RTOL = 1e-8, 1e-6


def _reference(fn: Callable, arrays: Sequence[np.ndarray], weights: np.ndarray) -> tuple[np.ndarray, list]:
    """Output of fn and the gradients of sum(output * weights) with respect to each input, by autograd."""
    return autograd_gradients(fn, arrays, upstream=weights)


_close = partial(allclose, atol=1e-7, rtol=1e-5)  # close enough to recognise a slip


def _check_case(label: str, where: str, fn: Callable, arrays: Sequence[np.ndarray], names: Sequence[str],
                reference: Callable, slips: Sequence[tuple[Callable, str]], shape_hint: Callable[[tuple], str | None]
                ) -> bool:
    """One test: the learner's output, then the gradient of every input, against `reference`.

    `slips` are (wrong function, hint) pairs: when the output matches a wrong function, its hint is shown.
    `shape_hint(shape)` returns a hint for a wrong output shape (or None).
    """
    leaves = float64_leaves(arrays)
    ok, got = attempt(fn, *leaves, name=label)
    if not ok:
        return False
    if returned_none(f"{where}: {label}", got):
        return False
    shape = reference(*float64_leaves(arrays)).shape
    rng = np.random.default_rng(sum(int(np.prod(a.shape)) for a in arrays))  # fixed weights: dL/d(output)
    weights = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    ref_out, ref_grads = _reference(reference, arrays, weights)
    try:
        mine = as_array(got)
    except (TypeError, ValueError):
        failed(f"{where}: {label} returned a {type(got).__name__}, expected a minigrad Tensor")
        return False
    if not isinstance(got, Tensor):
        if _close(mine, ref_out):
            failed(f"{where}: the numbers are right, but {label} returned a {type(got).__name__}, "
                   "not a minigrad Tensor")
            hint("compute the result with minigrad operations on the input Tensors (indexing, +, *, @, .tanh(), "
                 "F.softmax ...) and return that Tensor: only then can backward() send gradients to the inputs.")
        else:
            failed(f"{where}: {label} returned a {type(got).__name__}; return a minigrad Tensor built from the inputs")
        return False
    if mine.shape != ref_out.shape:
        failed(f"{where}: your output has shape {mine.shape}, expected {ref_out.shape}")
        message = shape_hint(mine.shape)
        if message:
            hint(message)
        return False
    if not compare(f"{where}: output", mine, ref_out, _ATOL, _RTOL):
        for wrong, message in slips:
            try:
                slip_out = wrong(*float64_leaves(arrays)).numpy()
            except Exception:  # a slip that cannot even run on these shapes is not the one made
                continue
            if _close(mine, slip_out):
                hint(message)
                break
        return False
    if not got.requires_grad:
        failed(f"{where}: the output is right, but it is not connected to the inputs: backward() cannot reach them")
        hint("somewhere the computation left minigrad (.numpy(), .data, np.something on a Tensor, or a new "
             "Tensor(...) made from numbers). Use Tensor operations all the way from the inputs to the result.")
        return False
    got.backward(weights)
    for name, leaf, ref in zip(names, leaves, ref_grads):
        if leaf.grad is None:
            failed(f"{where}: the output is right, but no gradient reached {name}")
            hint(f"{name} must take part in the computation as a Tensor (not through .numpy() or .data).")
            return False
        if not compare(f"{where}: gradient of {name}", leaf.grad, ref, _ATOL, _RTOL):
            hint(f"the output is right but the gradient of {name} is not: part of the computation went "
                 "around autograd (.data, .numpy(), or an in-place change of an array).")
            return False
    return True


# --- exercise 1: a 1-D convolution ------------------------------------------------------------------


def _conv1d(x: Tensor, w: Tensor) -> Tensor:
    """y_i = sum_j w_j x_{i+j}, i = 0..n-k (as PyTorch's conv1d: no flip, no padding)."""
    k = w.shape[0]
    m = x.shape[0] - k + 1
    return stack([(x[i:i + k] * w).sum() for i in range(m)])


def _conv1d_flipped(x: Tensor, w: Tensor) -> Tensor:
    k = w.shape[0]
    return _conv1d(x, w[np.arange(k - 1, -1, -1)])


_CONV_CASES = [(6, 3), (9, 2), (5, 1), (4, 4)]  # (n, k): the notebook's size, a longer one, k = 1, k = n


def check_conv1d(fn: Callable) -> Verdict:
    """Exercise 1: `fn(x, w)` for Tensors x of shape (n,) and w of shape (k,) returns the Tensor y of
    shape (n - k + 1,) with y_i = sum_j w_j x_{i+j} (no flip, no padding), built from minigrad operations.

    Tested on (n, k) = (6, 3), (9, 2), (5, 1), (4, 4): output, then the gradients of x and w.
    """
    rng = np.random.default_rng(14)
    for case, (n, k) in enumerate(_CONV_CASES, start=1):
        x = rng.normal(size=n).round(2)
        w = rng.normal(size=k).round(2)
        where = f"test {case} (n={n}, k={k})"

        def shape_hint(shape: tuple, n: int = n, k: int = k) -> str | None:
            if shape == (n + k - 1,):
                return f"you computed a 'full' convolution ({n + k - 1} outputs, with zero padding). Here the " \
                       f"kernel only visits the {n - k + 1} positions where it fits inside x: y has n - k + 1 entries."
            if shape == (n,):
                return (f"you kept the length of x (padding). Without padding the kernel fits at "
                        f"n - k + 1 = {n - k + 1} positions.")
            return (f"y has one entry per position where the kernel fits inside x: n - k + 1 = {n - k + 1} "
                    f"entries, shape ({n - k + 1},).")

        slips = [(_conv1d_flipped, "your kernel is flipped: y_i = sum_j w_j x_(i+j) in deep learning (a "
                                   "cross-correlation, as PyTorch's conv1d), not the flipped sum of the "
                                   "maths convolution.")]
        if not _check_case("conv1d", where, fn, [x, w], ["x", "w"], _conv1d, slips, shape_hint):
            return Verdict(False)
    return passed("conv1d is right on 4 tests, output and the gradients of x and w: a convolution is built "
                  "from ordinary differentiable operations, so autograd handles it with nothing new.")


# --- exercise 2: a recurrent network, unrolled ----------------------------------------------------------


def _rnn(xs: Tensor, h0: Tensor, W_xh: Tensor, W_hh: Tensor, b: Tensor, *, transpose_hh: bool = False,
         transpose_xh: bool = False, activation: bool = True, recurrent: bool = True) -> Tensor:
    """h_t = tanh(x_t W_xh^T + h_(t-1) W_hh^T + b), t = 1..T; returns (h_1, ..., h_T) stacked, shape (T, H).

    The keyword flags replay the usual slips (a transposed weight, no tanh, no recurrence)."""
    hh = W_hh if transpose_hh else W_hh.T
    xh = W_xh if transpose_xh else W_xh.T
    h, states = h0, []
    for t in range(xs.shape[0]):
        z = xs[t] @ xh + (h if recurrent else h0) @ hh + b
        h = z.tanh() if activation else z
        states.append(h)
    return stack(states)


def _rnn_slip(**flags: bool) -> Callable:
    return lambda *args: _rnn(*args, **flags)


_RNN_CASES = [(5, 2, 3), (1, 3, 2), (4, 3, 3)]  # (T, D, H); D = H in the last, where W_xh's shape cannot tell


def check_rnn_forward(fn: Callable) -> Verdict:
    """Exercise 2: `fn(xs, h0, W_xh, W_hh, b)` with xs (T, D), h0 (H,), W_xh (H, D), W_hh (H, H), b (H,)
    returns every hidden state, stacked as a Tensor of shape (T, H):
    h_t = tanh(x_t W_xh^T + h_(t-1) W_hh^T + b) for t = 1..T.

    Tested on (T, D, H) = (5, 2, 3), (1, 3, 2), (4, 3, 3): output, then the gradients of all five inputs.
    """
    rng = np.random.default_rng(41)
    names = ["xs", "h0", "W_xh", "W_hh", "b"]
    for case, (T, D, H) in enumerate(_RNN_CASES, start=1):
        arrays = [rng.normal(size=(T, D)).round(2), rng.normal(size=H).round(2) * 0.5,
                  rng.normal(size=(H, D)).round(2) * 0.7, rng.normal(size=(H, H)).round(2) * 0.7,
                  rng.normal(size=H).round(2) * 0.3]
        where = f"test {case} (T={T} steps, D={D} inputs, H={H} hidden)"

        def shape_hint(shape: tuple, T: int = T, H: int = H) -> str | None:
            if shape == (T + 1, H):
                return "you included h0: return the T new states h_1 ... h_T, not the initial one."
            if shape == (H,):
                return ("you returned one state (the last?); return all T of them, stacked: "
                        "mg.stack(states), shape (T, H).")
            return f"stack the T hidden states, each of shape ({H},), into a Tensor of shape ({T}, {H}) with mg.stack."

        slips = [
            (_rnn_slip(transpose_hh=True), "W_hh is transposed: with row vectors, the recurrent term is "
                                           "h_(t-1) @ W_hh.T (as x @ W.T in nn.Linear)."),
            (_rnn_slip(transpose_xh=True), "W_xh is transposed: the input term is x_t @ W_xh.T, of shape (H,)."),
            (_rnn_slip(activation=False), "the tanh is missing: h_t = tanh(...), applied at every step."),
            (_rnn_slip(recurrent=False), "every step used h0: each step must use the state the previous step "
                                         "computed (h = the new state, inside the loop)."),
        ]
        if not _check_case("rnn_forward", where, fn, arrays, names, _rnn, slips, shape_hint):
            return Verdict(False)
    return passed("rnn_forward is right on 3 tests, states and the gradients of xs, h0, W_xh, W_hh and b: "
                  "the same W_hh used at every step collects one gradient contribution per step.")


# --- exercise 3: one step of backprop through time, by hand ---------------------------------------------

_STEP_NAMES = ("dW_xh", "dW_hh", "db", "dh_prev")
_STEP_OF = {"dW_xh": "W_xh", "dW_hh": "W_hh", "db": "b", "dh_prev": "h_prev"}
_STEP_CASES = [(4, 3, 5), (3, 4, 4), (1, 2, 3)]  # (N, D, H): D = H in the second, where dW_xh's shape cannot tell
_STEP_ASKS = "for the four gradients from the chain rule, computed with NumPy, not from autograd or finite differences."
_AUTOGRAD_NAMES = ("backward", "Tensor", "tensor", "gradcheck", "autograd_gradients", "torch")


def _step_arrays(rng: np.random.Generator, N: int, D: int, H: int) -> dict[str, np.ndarray]:
    """One step's cached values: x (N, D), h_prev (N, H), W_xh, W_hh, b, h = tanh(x W_xh^T + h_prev W_hh^T + b),
    and an upstream gradient dh = dL/dh (N, H)."""
    a = {"x": rng.normal(size=(N, D)), "h_prev": np.tanh(rng.normal(size=(N, H))),
         "W_xh": rng.normal(size=(H, D)) * 0.6, "W_hh": rng.normal(size=(H, H)) * 0.6, "b": rng.normal(size=H) * 0.3,
         "dh": rng.normal(size=(N, H))}
    a["h"] = np.tanh(a["x"] @ a["W_xh"].T + a["h_prev"] @ a["W_hh"].T + a["b"])
    return a


def _step_reference(a: dict[str, np.ndarray]) -> list[np.ndarray]:
    """dL/dW_xh, dL/dW_hh, dL/db, dL/dh_prev by minigrad's autograd (not by the formulas the learner writes)."""
    x = Tensor(a["x"])
    _, grads = autograd_gradients(lambda W_xh, W_hh, b, h_prev: (x @ W_xh.T + h_prev @ W_hh.T + b).tanh(),
                                  [a["W_xh"], a["W_hh"], a["b"], a["h_prev"]], upstream=a["dh"])
    return grads


def _step_numeric(a: dict[str, np.ndarray], eps: float = 1e-6) -> list[np.ndarray]:
    """The same four gradients by central differences of L = sum(dh * h(W_xh, W_hh, b, h_prev))."""
    def loss(W_xh: np.ndarray, W_hh: np.ndarray, b: np.ndarray, h_prev: np.ndarray) -> float:
        return float((a["dh"] * np.tanh(a["x"] @ W_xh.T + h_prev @ W_hh.T + b)).sum())
    args = [a["W_xh"], a["W_hh"], a["b"], a["h_prev"]]
    grads = []
    for k, arg in enumerate(args):
        grad = np.zeros_like(arg)
        for i in np.ndindex(*arg.shape):
            up, down = [v.copy() for v in args], [v.copy() for v in args]
            up[k][i] += eps
            down[k][i] -= eps
            grad[i] = (loss(*up) - loss(*down)) / (2 * eps)
        grads.append(grad)
    return grads


def _step_slips(a: dict[str, np.ndarray]) -> dict[str, list[tuple[np.ndarray, str]]]:
    """For each gradient, the wrong answers the usual slips give, with what to say."""
    x, h_prev, h, W_hh, dh = a["x"], a["h_prev"], a["h"], a["W_hh"], a["dh"]
    N = len(x)
    dz = dh * (1 - h ** 2)
    derivative = [
        (dh, "the tanh's derivative is missing: dL/dz = dL/dh * (1 - h**2), with h = tanh(z) the step's output"),
        (dh * (1 - np.tanh(h) ** 2), "you took tanh of h again: h is already tanh(z), so tanh'(z) = 1 - h**2"),
        (dh * (1 - h), "tanh'(z) is 1 - h**2, not 1 - h"),
        (dh * h * (1 - h), "h * (1 - h) is the sigmoid's derivative; for tanh it is 1 - h**2"),
    ]
    slips = {name: [] for name in _STEP_NAMES}
    for wrong_dz, why in derivative:
        slips["dW_xh"].append((wrong_dz.T @ x, why))
        slips["dW_hh"].append((wrong_dz.T @ h_prev, why))
        slips["db"].append((wrong_dz.sum(axis=0), why))
        slips["dh_prev"].append((wrong_dz @ W_hh, why))
    slips["dW_xh"] += [(x.T @ dz, "this is x^T dz, the transpose: dW_xh has W_xh's shape (H, D), dz^T x"),
                       (dz.T @ x / N, "you divided by N: the 1/N of a mean loss is already inside dh, so the "
                                      "gradient is the plain sum over the batch, dz^T x")]
    slips["dW_hh"] += [(h_prev.T @ dz, "dW_hh is transposed: h_prev^T dz has the right shape (H, H) but swaps "
                                       "rows and columns; the gradient of h_prev W_hh^T with respect to W_hh is "
                                       "dz^T h_prev"),
                       (dz.T @ h, "you used h, the step's output; the recurrent weight multiplied h_prev, the "
                                      "state the step read: dW_hh = dz^T h_prev"),
                       (dz.T @ h_prev / N, "you divided by N: the gradient is the plain sum over the batch")]
    slips["db"] += [(dz.mean(axis=0), "db is the sum of dz over the batch, not the mean: the 1/N of a mean loss "
                                      "is already inside dh")]
    slips["dh_prev"] += [(dz @ W_hh.T, "the transpose of W_hh: h_prev was multiplied by W_hh^T, so the "
                                       "gradient goes back through dz @ W_hh")]
    return slips


def _step_shape_hint(name: str, shape: tuple, a: dict[str, np.ndarray]) -> str:
    N, H = a["h"].shape
    if name == "db" and shape == (N, H):
        return "db must be summed over the batch (axis 0): the bias is shared by all N examples."
    if name == "dW_xh" and shape == a["W_xh"].T.shape:
        return "dW_xh has the shape of W_xh, (H, D): dz^T x, not x^T dz."
    return f"each gradient has the shape of what it is the gradient of: {name} that of {_STEP_OF[name]}."


def _one_step(fn: Callable, case: int, a: dict[str, np.ndarray]) -> bool:
    N, D = a["x"].shape
    H = a["h"].shape[1]
    where = f"test {case} (N={N} examples, D={D} inputs, H={H} hidden units)"
    inputs = [a["dh"], a["x"], a["h_prev"], a["h"], a["W_hh"]]
    originals = [v.copy() for v in inputs]
    got = answer(partial(arrays, names=_STEP_NAMES), where, fn, *inputs, name="rnn_step_backward")
    if got is None:
        return False
    if changed_in_place(originals, inputs):
        return failed(f"{where}: rnn_step_backward changed one of its inputs in place; compute new arrays (the "
                      "same dh and cached values are used again at the next step back)")
    expected = _step_reference(a)
    slips = _step_slips(a)
    for name, mine, ref in zip(_STEP_NAMES, got, expected):
        if mine.shape != ref.shape:
            failed(f"{where}: {name} has shape {mine.shape}, expected {ref.shape}")
            hint(_step_shape_hint(name, mine.shape, a))
            return False
        if not compare_exactly(f"{where}: {name}", mine, ref, _STEP_ASKS):
            message = first_slip(mine, slips[name])
            if message:
                hint(message)
            return False
    numeric = _step_numeric(a)
    for name, mine, ref in zip(_STEP_NAMES, got, numeric):
        if not compare(f"{where}: {name} against finite differences", mine, ref, atol=1e-6, rtol=1e-5):
            return False
    return True


def _bptt(step: Callable, xs: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b: np.ndarray,
          upstream: np.ndarray) -> list[np.ndarray] | None:
    """The gradients of W_xh, W_hh, b and h0 for L = sum_t sum(upstream[t] * h_t), by chaining `step` backwards."""
    hs = [h0]
    for x in xs:
        hs.append(np.tanh(x @ W_xh.T + hs[-1] @ W_hh.T + b))
    totals = [np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b)]
    dh_next = np.zeros_like(h0)
    for t in range(len(xs), 0, -1):
        got = step(upstream[t - 1] + dh_next, xs[t - 1], hs[t - 1], hs[t], W_hh)
        totals = [total + g for total, g in zip(totals, got[:3])]
        dh_next = got[3]
    return totals + [dh_next]


def _chained(fn: Callable) -> bool:
    """Backprop through time: the step chained over T steps against autograd of the whole unrolled RNN."""
    rng = np.random.default_rng(2024)
    T, N, D, H = 6, 2, 3, 4
    xs, h0 = rng.normal(size=(T, N, D)), np.tanh(rng.normal(size=(N, H)))
    W_xh, W_hh, b = rng.normal(size=(H, D)) * 0.6, rng.normal(size=(H, H)) * 0.6, rng.normal(size=H) * 0.3
    upstream = rng.normal(size=(T, N, H))
    where = f"backprop through time, your step chained over T={T} steps"
    ok, mine = attempt(_bptt, fn, xs, h0, W_xh, W_hh, b, upstream, name="rnn_step_backward", where=where)
    if not ok:
        return False
    xs_t = [Tensor(x) for x in xs]

    def unrolled(W_xh: Tensor, W_hh: Tensor, b: Tensor, h0: Tensor) -> Tensor:
        h, states = h0, []
        for x in xs_t:
            h = (x @ W_xh.T + h @ W_hh.T + b).tanh()
            states.append(h)
        return stack(states)
    _, expected = autograd_gradients(unrolled, [W_xh, W_hh, b, h0], upstream=upstream)
    for name, got, ref in zip(("dW_xh", "dW_hh", "db", "dh0"), mine, expected):
        if not compare(f"{where}: {name}", got, ref, atol=1e-10, rtol=1e-8):
            return False
    return True


def check_rnn_step_backward(fn: Callable) -> Verdict:
    """Exercise 3: `fn(dh, x, h_prev, h, W_hh)` returns (dW_xh, dW_hh, db, dh_prev), the gradients of one
    step h = tanh(x W_xh^T + h_prev W_hh^T + b) of a vanilla RNN on a batch, given dh = dL/dh (N, H) and the
    step's cached values x (N, D), h_prev (N, H), its output h (N, H) and W_hh (H, H):

        dz = dh * (1 - h**2);  dW_xh = dz^T x;  dW_hh = dz^T h_prev;  db = sum over the batch of dz;
        dh_prev = dz W_hh.

    Tested on three (N, D, H) against minigrad's autograd (to the last digits a formula reaches) and central
    differences; then chained over 6 steps against autograd of the whole unrolled RNN. The usual slips are
    named: no tanh', tanh applied twice, a transposed dW_hh or dh_prev, db not summed over the batch, a 1/N.
    """
    if not method_allowed(fn, "rnn_step_backward", _AUTOGRAD_NAMES, _STEP_ASKS):
        return Verdict(False)
    rng = np.random.default_rng(1990)
    for case, (N, D, H) in enumerate(_STEP_CASES, start=1):
        if not _one_step(fn, case, _step_arrays(rng, N, D, H)):
            return Verdict(False)
    if not _chained(fn):
        return Verdict(False)
    return passed("rnn_step_backward is right on 3 tests (equal to autograd and to finite differences), and "
                  "chained backwards over 6 steps, adding each step's dW_xh, dW_hh and db and handing dh_prev to "
                  "the step before, it gives autograd's gradients of the whole unrolled RNN: backprop through time.")


# --- exercise 4: scaled dot-product attention ------------------------------------------------------------


def _attention(Q: Tensor, K: Tensor, V: Tensor, *, scale: str = "sqrt_dk", axis: int = -1,
               softmax: bool = True) -> Tensor:
    """softmax(Q K^T / sqrt(d_k)) V, the softmax over the keys (the last axis); flags replay the slips."""
    d_k, d_v = K.shape[-1], V.shape[-1]
    divisor = {"sqrt_dk": math.sqrt(d_k), "none": 1.0, "dk": float(d_k), "sqrt_dv": math.sqrt(d_v)}[scale]
    scores = (Q @ K.T) / divisor
    weights = F.softmax(scores, axis=axis) if softmax else scores
    return weights @ V


def _attention_slip(**flags: Any) -> Callable:
    return lambda *args: _attention(*args, **flags)


_ATTENTION_CASES = [(4, 4, 3, 3), (2, 5, 4, 3), (3, 2, 8, 5)]  # (L_q, L_k, d_k, d_v)


def check_attention(fn: Callable) -> Verdict:
    """Exercise 4: `fn(Q, K, V)` with Q (L_q, d), K (L_k, d), V (L_k, d_v) returns the Tensor
    softmax(Q K^T / sqrt(d)) V of shape (L_q, d_v), the softmax taken over the keys (the last axis).

    Tested on (L_q, L_k, d, d_v) = (4, 4, 3, 3), (2, 5, 4, 3), (3, 2, 8, 5): output, then the
    gradients of Q, K and V.
    """
    rng = np.random.default_rng(314)
    for case, (lq, lk, dk, dv) in enumerate(_ATTENTION_CASES, start=1):
        arrays = [rng.normal(size=(lq, dk)).round(2), rng.normal(size=(lk, dk)).round(2),
                  rng.normal(size=(lk, dv)).round(2)]
        where = f"test {case} (L_q={lq} queries, L_k={lk} keys, d={dk}, d_v={dv})"

        def shape_hint(shape: tuple, lq: int = lq, lk: int = lk, dv: int = dv) -> str | None:
            if shape == (lq, lk):
                return "these look like the attention weights; multiply them by V to get the output."
            return f"the scores Q @ K.T have shape ({lq}, {lk}); after the softmax, @ V gives ({lq}, {dv})."

        slips = [
            (_attention_slip(scale="none"), "the scores are not scaled: divide Q @ K.T by sqrt(d), d the length of "
                                            "each query and key vector (Q.shape[-1])."),
            (_attention_slip(scale="dk"), "you divided by d; the scale is 1 / sqrt(d)."),
            (_attention_slip(scale="sqrt_dv"), "you scaled by sqrt of V's width; d is the width of Q and K."),
            (_attention_slip(axis=0), "the softmax ran over axis 0 (the queries). Each query's weights over the "
                                      "keys must sum to 1: softmax over the last axis (axis=-1)."),
            (_attention_slip(softmax=False), "the softmax is missing: weights = F.softmax(scores, axis=-1)."),
        ]
        if not _check_case("attention", where, fn, arrays, ["Q", "K", "V"], _attention, slips, shape_hint):
            return Verdict(False)
    return passed("attention is right on 3 tests, output and the gradients of Q, K and V: matrix products and "
                  "a softmax, all differentiable, so autograd trains a transformer like any other network.")
