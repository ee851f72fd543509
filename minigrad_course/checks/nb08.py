"""Checkers for notebook 08: training an MLP on real data.

    check_cross_entropy_backward  exercise 1: cross_entropy_backward(logits, targets), dL/dlogits = (P - Y) / N
    check_mlp_backward            exercise 2: mlp_backward(X, y, W1, b1, W2, b2), every gradient of an MLP by hand
    check_train_one_epoch         exercise 3: train_one_epoch(model, loader, optimizer), one pass over the loader
    check_grid_predictions        exercise 4: grid_predictions(model, xlim, ylim, n), the classes on an n x n grid

Every reference answer is computed here, by minigrad, on the checker's own
small inputs; each checker also replays the usual slips to name the one the
learner made. The two backward passes are compared with minigrad's autograd
and confirmed with central differences, and must be the learner's own formulas.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable

import numpy as np

from minigrad import functional as F
from minigrad.autograd import is_grad_enabled
from minigrad.backend import manual_seed
from minigrad.data import DataLoader
from minigrad.nn import Dropout, Linear, Module, ReLU, Sequential
from minigrad.optim import SGD
from minigrad.tensor import Tensor
from .verdict import (Verdict, allclose, answer, arrays, attempt, autograd_gradients, compare, failed, hint,
                      hint_first_slip, method_allowed, one_array, one_number, passed, random_state_kept,
                      returns_verdict)

__all__ = ["check_cross_entropy_backward", "check_mlp_backward", "check_train_one_epoch", "check_grid_predictions"]


# --- exercises 1 and 2: the backward pass by hand, in matrix form -----------------------------

_ATOL, _RTOL = 1e-10, 1e-7  # a formula in float64 agrees with autograd to rounding error
_FD_STEP, _FD_RTOL, _FD_ATOL = 1e-6, 1e-5, 1e-8  # a central difference along a random direction

_AUTOGRAD = ("backward", "grad", "cross_entropy", "nll_loss", "gradcheck", "autograd_gradients")
_ASKS = ("for the gradient from its formula, in NumPy: autograd (`.backward()`, `.grad`, `F.cross_entropy`) "
         "is what the check compares your formula with.")

_close = partial(allclose, atol=_ATOL, rtol=_RTOL)  # close enough to recognise a slip


def _softmax(z: np.ndarray, axis: int = 1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _one_hot(y: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[y]


def _mean_cross_entropy(z: np.ndarray, y: np.ndarray) -> float:
    """The mean over rows of -log softmax(z)[n, y_n], computed stably in NumPy (for finite differences)."""
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean())


def _agrees_with_central_differences(loss: Callable[..., float], params: list[np.ndarray],
                                     grads: list[np.ndarray], rng: np.random.Generator) -> str | None:
    """None when, for each parameter, sum(grad * d) equals the central difference of `loss` along a
    random direction d; else the index of the first parameter where it does not, with both numbers."""
    for i, (p, g) in enumerate(zip(params, grads)):
        d = rng.normal(size=p.shape)
        plus, minus = list(params), list(params)
        plus[i], minus[i] = p + _FD_STEP * d, p - _FD_STEP * d
        numeric = (loss(*plus) - loss(*minus)) / (2 * _FD_STEP)
        analytic = float((g * d).sum())
        if not np.isclose(analytic, numeric, rtol=_FD_RTOL, atol=_FD_ATOL):
            return f"{i}: your gradient gives {analytic:.8g} along a random direction, a central difference {numeric:.8g}"
    return None


def _overflowed(what: str, mine: np.ndarray, largest: float) -> bool:
    """True (after saying so) when the learner's gradient holds nan or inf."""
    if np.isfinite(mine).all():
        return False
    failed(f"{what}: your gradient holds nan or inf (the logits here are as large as {largest:.0f})")
    hint("np.exp overflows above about 709. Subtract each row's largest logit before exp: "
         "softmax(z) = softmax(z - max(z)) (notebook 06), with z.max(axis=1, keepdims=True).")
    return True


# exercise 1: (N examples, C classes, size of the logits): a batch, a square one, one example, huge logits
_CE_CASES = [(6, 4, 2.0), (4, 4, 2.0), (1, 3, 2.0), (5, 10, 500.0)]


def _ce_inputs(rng: np.random.Generator, n: int, c: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    logits = rng.normal(size=(n, c)) * scale
    targets = rng.integers(0, c, n)
    if n > 1:
        targets[:2] = [0, c - 1]  # at least two different classes
    return logits, targets


def _ce_reference(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """dL/dlogits of L = F.cross_entropy(logits, targets) (the mean), by minigrad's autograd."""
    return autograd_gradients(lambda z: F.cross_entropy(z, Tensor(targets)), [logits])[1][0]


def _ce_slips(logits: np.ndarray, targets: np.ndarray) -> list[tuple[np.ndarray, str]]:
    n, c = logits.shape
    P, Y = _softmax(logits), _one_hot(targets, c)
    e = np.exp(logits - logits.max())
    slips = [
        (P - Y, f"your gradient is N = {n} times too large. The loss is the MEAN over the N examples, so "
                "each example's row p - y is divided by N: dL/dlogits = (P - Y) / N."),
        (P / n, "subtract the one-hot targets: dL/dlogits = (P - Y) / N, where Y[n, y_n] = 1 and every other "
                "entry of Y is 0."),
        ((_softmax(logits, axis=0) - Y) / n, "your softmax normalises each column, over the batch (axis 0). "
                                             "Each example's C probabilities must sum to 1: normalise each row, "
                                             "over the classes (axis=1, keepdims=True)."),
        ((e / e.sum() - Y) / n, "your softmax normalises over the whole batch at once; normalise each row, "
                                "over its C classes (axis=1, keepdims=True)."),
        ((Y - P) / n, "the sign: the gradient is (P - Y) / N, probabilities minus targets."),
        ((P - Y) / c, f"divide by N = {n}, the number of examples (rows), not by C = {c}, the number of classes."),
    ]
    if n == c:
        rows = np.exp(logits - logits.max(axis=1, keepdims=True))
        slips.append(((rows / rows.sum(axis=1)[None, :] - Y) / n,
                      "the row sums need keepdims=True: e.sum(axis=1) has shape (N,), which NumPy lines up "
                      "with the columns, so each column is divided by another row's sum."))
        slips.append((((P - Y) / n).T, "your gradient is transposed: it has one ROW per example, shape (N, C)."))
    return slips


def _hint_single_example(where: str, mine: np.ndarray, ref: np.ndarray) -> None:
    n, c = ref.shape
    failed(f"{where}: you returned {c} numbers, shape {mine.shape}; dL/dlogits has one row per example, "
           f"shape (N, C) = {ref.shape}")
    if mine.shape == (c,) and _close(mine, ref.sum(axis=0)):
        hint("you added up the rows: each example's logits get their own gradient row, (p_n - y_n) / N.")
    elif mine.shape == (c,) and any(_close(mine, ref[k] * n) or _close(mine, ref[k]) for k in range(n)):
        hint("that is the gradient of a single example (notebook 06's p - y). Here every row of the batch "
             "gets its own: stack them, (P - Y) / N.")
    else:
        hint("return the whole (N, C) matrix (P - Y) / N, one row per example.")


def check_cross_entropy_backward(fn: Callable) -> Verdict:
    """Exercise 1: `fn(logits, targets)`, with logits a float64 array (N, C) and targets an int array (N,),
    returns dL/dlogits, shape (N, C), for L = F.cross_entropy(logits, targets), the mean over the batch of
    -log softmax(logits)[n, targets[n]]: (P - Y) / N.

    Tested on a batch, a square batch (N = C), a single example and logits too large for a plain
    np.exp; compared with minigrad's autograd (to rounding error) and with central differences.
    The function must compute the gradient itself, without autograd.
    """
    if callable(fn) and not method_allowed(fn, "cross_entropy_backward", _AUTOGRAD, _ASKS):
        return Verdict(False)
    rng = np.random.default_rng(808)
    for k, (n, c, scale) in enumerate(_CE_CASES, start=1):
        logits, targets = _ce_inputs(rng, n, c, scale)
        where = f"test {k} (N={n} examples, C={c} classes)"
        with np.errstate(all="ignore"):
            mine = answer(one_array, where, fn, logits.copy(), targets.copy(), name="cross_entropy_backward")
        if mine is None:
            return Verdict(False)
        ref = _ce_reference(logits, targets)
        if mine.shape != ref.shape and mine.size == c:
            _hint_single_example(where, mine, ref)
            return Verdict(False)
        if mine.shape == ref.shape and _overflowed(where, mine, np.abs(logits).max()):
            return Verdict(False)
        if not compare(f"{where}: dL/dlogits", mine, ref, _ATOL, _RTOL):
            if mine.shape == ref.shape:
                hint_first_slip(mine, _ce_slips(logits, targets),
                                "dL/dlogits = (P - Y) / N: P the softmax of each row, Y the one-hot targets.",
                                _ATOL, _RTOL)
            return Verdict(False)
        mismatch = _agrees_with_central_differences(lambda z: _mean_cross_entropy(z, targets), [logits], [mine], rng)
        if mismatch is not None:
            return failed(f"{where}: {mismatch.split(': ', 1)[1]}")
    return passed("cross_entropy_backward is (P - Y) / N on 4 tests (a batch, a square one, one example, "
                  "logits of several hundred): equal to minigrad's autograd and to central differences.")


# exercise 2: the whole MLP, relu(X W1^T + b1) W2^T + b2 with the mean cross-entropy
_MLP_NAMES = ("dW1", "db1", "dW2", "db2")
_MLP_ORDER = (2, 3, 0, 1)  # the output layer first: its mistakes flow down into the hidden layer's
_MLP_CASES = [("a batch of 20 digits, sizes 64-32-10", 20, 64, 32, 10),
              ("a square network, N = 5 and sizes 5-5-5", 5, 5, 5, 5),
              ("a single example, sizes 6-4-3", 1, 6, 4, 3)]


def _digits_batch(n: int) -> tuple[np.ndarray, np.ndarray]:
    from minigrad.data import load_digits

    X, y = load_digits()
    return X[:n].astype(np.float64) / 16.0, y[:n].astype(np.int64)


def _mlp_inputs(rng: np.random.Generator, n: int, d_in: int, hidden: int, d_out: int) -> list[np.ndarray]:
    """X, y and weights initialised as nn.Linear does (uniform in +-1/sqrt(fan_in)), with no
    pre-activation within 1e-3 of the ReLU's kink (so that central differences are clean)."""
    if d_in == 64 and d_out == 10:
        X, y = _digits_batch(n)
    else:
        X, y = rng.normal(size=(n, d_in)), rng.integers(0, d_out, n)
    while True:
        W1 = rng.uniform(-1, 1, (hidden, d_in)) / np.sqrt(d_in)
        b1 = rng.uniform(-1, 1, hidden) / np.sqrt(d_in)
        W2 = rng.uniform(-1, 1, (d_out, hidden)) * 2 / np.sqrt(hidden)
        b2 = rng.uniform(-1, 1, d_out) / np.sqrt(hidden)
        Z1 = X @ W1.T + b1
        if np.abs(Z1).min() > 1e-3 and 0.2 < (Z1 > 0).mean() < 0.8:
            return [X, y, W1, b1, W2, b2]


def _mlp_loss(X: np.ndarray, y: np.ndarray) -> Callable[..., float]:
    def loss(W1, b1, W2, b2):
        return _mean_cross_entropy(np.maximum(X @ W1.T + b1, 0.0) @ W2.T + b2, y)
    return loss


def _mlp_reference(X, y, W1, b1, W2, b2) -> list[np.ndarray]:
    """(dW1, db1, dW2, db2) by minigrad's autograd, in float64."""
    x = Tensor(X)
    return autograd_gradients(lambda w1, c1, w2, c2: F.cross_entropy(F.relu(x @ w1.T + c1) @ w2.T + c2, Tensor(y)),
                              [W1, b1, W2, b2])[1]


def _mlp_by_hand(X, y, W1, b1, W2, b2, slip: str = "") -> list[np.ndarray]:
    """The backward pass in NumPy, done right (slip="") or with one of the usual slips, to recognise it."""
    n = len(y)
    Z1 = X @ W1.T + b1
    H = np.maximum(Z1, 0.0)
    P = _softmax(H @ W2.T + b2)
    dZ2 = (P - _one_hot(y, W2.shape[0])) / (1 if slip == "no 1/N" else n)
    dH = dZ2 @ W2.T if slip == "dH with W2^T" else dZ2 @ W2
    mask = {"mask from dH": dH > 0, "times H": H, "no mask": 1.0,
            "mask without b1": X @ W1.T > 0}.get(slip, Z1 > 0)
    dZ1 = dH * mask
    return [dZ1.T @ X, dZ1.sum(axis=0), dZ2.T @ H, dZ2.sum(axis=0)]


_MASK_SLIPS = {
    "mask from dH": "the ReLU's mask comes from its INPUT: dZ1 = dH * (Z1 > 0), with Z1 = X W1^T + b1. "
                    "You took it from the gradient dH.",
    "times H": "you multiplied dH by the ReLU's output H; its derivative is 0 or 1, the mask (Z1 > 0): "
               "dZ1 = dH * (Z1 > 0).",
    "no mask": "the ReLU's derivative is missing on the way down: dZ1 = dH * (Z1 > 0).",
    "mask without b1": "the mask must come from the whole pre-activation Z1 = X W1^T + b1, bias included.",
}


def _hint_mlp(mine: list[np.ndarray], ref: list[np.ndarray], inputs: list[np.ndarray],
              wrong: list[str]) -> None:
    """Name the slip behind the wrong gradients, when it is a known one."""
    n = len(inputs[1])
    if n > 1 and all(_close(m, n * r) for m, r in zip(mine, ref)):
        hint(f"all four gradients are N = {n} times too large: the loss is the mean over the N examples, "
             "so dZ2 = (P - Y) / N.")
        return
    first = wrong[0]
    i = _MLP_NAMES.index(first)
    m, r = mine[i], ref[i]
    if first.startswith("dW") and m.shape == r.T.shape and _close(m.T, r):
        layer = "X" if first == "dW1" else "H"
        hint(f"{first} is transposed: it has the shape of its weight, (out, in), and is dZ^T {layer}, "
             f"not {layer}^T dZ.")
        return
    if first.startswith("db") and n > 1 and _close(m, r / n):
        hint(f"you averaged over the batch for {first}. The 1/N is already inside dZ2 = (P - Y) / N: "
             "sum over the batch (axis 0).")
        return
    if first in ("dW1", "db1") and "dW2" not in wrong and "db2" not in wrong:
        for slip, message in _MASK_SLIPS.items():
            if all(_close(a, b) for a, b in zip(mine[:2], _mlp_by_hand(*inputs, slip=slip)[:2])):
                hint(message)
                return
        if all(_close(a, b) for a, b in zip(mine[:2], _mlp_by_hand(*inputs, slip="dH with W2^T")[:2])):
            hint("dH = dZ2 W2: W2 has shape (out, hidden), so dZ2 (N, out) times W2 gives (N, hidden).")
            return
        hint("the output layer is right; go down through it: dH = dZ2 W2, dZ1 = dH * (Z1 > 0), "
             "dW1 = dZ1^T X, db1 = dZ1 summed over the batch.")
        return
    hint("start at the output: dZ2 = (P - Y) / N, dW2 = dZ2^T H with H = relu(Z1), db2 = dZ2 summed over "
         "the batch (axis 0).")


def _shape_slip(where: str, mine: list[np.ndarray], ref: list[np.ndarray], n: int) -> bool:
    """True (after saying which gradient and why) when a gradient does not have its parameter's shape."""
    shapes = [r.shape for r in ref]
    if [m.shape for m in mine] == shapes:
        return False
    if sorted(m.shape for m in mine) == sorted(shapes):
        failed(f"{where}: the shapes are {[m.shape for m in mine]}, expected {shapes}: return the gradients in "
               "the order (dW1, db1, dW2, db2)")
        return True
    i = next(i for i in _MLP_ORDER if mine[i].shape != shapes[i])
    name, m, r = _MLP_NAMES[i], mine[i], ref[i]
    failed(f"{where}: {name} has shape {m.shape}, expected {r.shape} (the shape of its parameter)")
    if name.startswith("dW") and m.shape == r.T.shape:
        layer = "X" if name == "dW1" else "H"
        hint(f"{name} is transposed. A weight is stored (out, in), as in nn.Linear, and its gradient has the "
             f"same shape: dZ^T {layer}, not {layer}^T dZ.")
    elif name.startswith("db") and m.shape == (n,) + r.shape:
        hint(f"{name} has one row per example. The bias is shared by the N rows of the batch, so its gradient "
             "is the sum of theirs: dZ.sum(axis=0).")
    return True


def _hint_unfinished_helper(fn: Callable, error: Any) -> None:
    """When `fn` stopped on a NotImplementedError raised inside another function it calls (the learner's
    exercise 1, still a stub), say so: the "not done yet" is about that one."""
    if not isinstance(error, NotImplementedError) or error.__traceback__ is None:
        return
    frame = error.__traceback__
    while frame.tb_next is not None:
        frame = frame.tb_next
    raised_in = frame.tb_frame.f_code.co_name
    if raised_in not in (getattr(fn, "__name__", ""), "<lambda>"):
        hint(f"your function calls `{raised_in}`, which is not done yet: finish that exercise first.")


def check_mlp_backward(fn: Callable) -> Verdict:
    """Exercise 2: `fn(X, y, W1, b1, W2, b2)` returns (dW1, db1, dW2, db2) for the MLP

        Z1 = X W1^T + b1,  H = relu(Z1),  Z2 = H W2^T + b2,  L = mean cross-entropy of Z2 against y

    (weights stored (out, in), as in nn.Linear), each of its parameter's shape. Tested on a batch of
    20 digits through 64-32-10, a square network (where a transpose keeps the shapes) and a single
    example; each gradient is compared with minigrad's autograd, the wrong one named, and the right
    answer confirmed with central differences. The function must compute the gradients itself.
    """
    if callable(fn) and not method_allowed(fn, "mlp_backward", _AUTOGRAD, _ASKS):
        return Verdict(False)
    rng = np.random.default_rng(809)
    for k, (label, n, d_in, hidden, d_out) in enumerate(_MLP_CASES, start=1):
        inputs = _mlp_inputs(rng, n, d_in, hidden, d_out)
        where = f"test {k} ({label})"
        ok, got = attempt(fn, *(a.copy() for a in inputs), name="mlp_backward")
        if not ok:
            _hint_unfinished_helper(fn, got)
            return Verdict(False)
        mine = arrays(where, got, _MLP_NAMES)
        if mine is None:
            return Verdict(False)
        ref = _mlp_reference(*inputs)
        if _shape_slip(where, mine, ref, n):
            return Verdict(False)
        wrong = [_MLP_NAMES[i] for i in _MLP_ORDER if not _close(mine[i], ref[i])]
        if wrong:
            i = _MLP_NAMES.index(wrong[0])
            compare(f"{where}: {wrong[0]}", mine[i], ref[i], _ATOL, _RTOL)
            if len(wrong) > 1:
                print(f"   (also wrong: {', '.join(wrong[1:])})")
            _hint_mlp(mine, ref, inputs, wrong)
            return Verdict(False)
        X, y = inputs[0], inputs[1]
        mismatch = _agrees_with_central_differences(_mlp_loss(X, y), inputs[2:], mine, rng)
        if mismatch is not None:
            index, message = mismatch.split(": ", 1)
            return failed(f"{where}: {_MLP_NAMES[int(index)]}: {message}")
    return passed("mlp_backward is right on 3 networks (20 digits through 64-32-10, a square one, a single "
                  "example): dW1, db1, dW2 and db2 equal minigrad's autograd and agree with central differences.")


# --- exercise 3: one epoch of training -----------------------------------------------------

_EPOCH_N, _EPOCH_BATCH, _EPOCH_SEED = 50, 16, 5  # 50 = 3 * 16 + 2: the last batch is small


class _EpochSetup:
    """The same small problem and starting point, rebuilt identically for each run.

    The model has a Dropout layer, so forgetting `model.train()` shows; it starts
    in evaluation mode, as after a call of `evaluate`.
    """

    def __init__(self) -> None:
        rng = np.random.default_rng(_EPOCH_SEED)
        self.X = rng.normal(size=(_EPOCH_N, 4)).astype(np.float32)
        self.y = rng.integers(0, 3, _EPOCH_N).astype(np.int64)
        manual_seed(_EPOCH_SEED)
        self.state = self._model().state_dict()

    @staticmethod
    def _model() -> Sequential:
        return Sequential(Linear(4, 8), ReLU(), Dropout(0.25), Linear(8, 3))

    def fresh(self) -> tuple[Sequential, DataLoader, SGD]:
        model = self._model()
        model.load_state_dict(self.state)
        model.eval()
        loader = DataLoader(self.X, self.y, batch_size=_EPOCH_BATCH, shuffle=True, seed=_EPOCH_SEED)
        optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
        manual_seed(_EPOCH_SEED + 1)  # the dropout masks: the same in every run
        return model, loader, optimizer


def _reference_epoch(model, loader, optimizer, slip: str = "") -> float:
    """One epoch, done right (slip=""), or with one of the usual slips, to recognise it."""
    if slip != "no_train":
        model.train()
    total, count, losses = 0.0, 0, []
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        if slip != "no_zero_grad":
            optimizer.zero_grad()
        loss.backward()
        if slip != "no_step":
            optimizer.step()
        total += loss.item() * len(yb)
        count += len(yb)
        losses.append(loss.item())
    if slip == "last":
        return losses[-1]
    if slip == "unweighted":
        return float(np.mean(losses))
    if slip == "sum":
        return float(np.sum(losses))
    return total / count


def _run(setup: _EpochSetup, fn: Callable, slip: str | None = None) -> tuple[bool, Any, list[np.ndarray], Any]:
    model, loader, optimizer = setup.fresh()
    if slip is None:
        ok, got = attempt(fn, model, loader, optimizer, name="train_one_epoch")
    else:
        ok, got = True, _reference_epoch(model, loader, optimizer, slip)
    return ok, got, [p.numpy().astype(np.float64) for p in model.parameters()], model


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(x.shape == y.shape and np.allclose(x, y, atol=1e-6, rtol=1e-4) for x, y in zip(a, b))


def check_train_one_epoch(fn: Callable) -> Verdict:
    """Exercise 3: `fn(model, loader, optimizer)` trains for one pass over `loader` and returns the
    mean training loss per example over that epoch.

    Test: a 4-8-3 network with a Dropout layer, handed over in evaluation mode; 50 examples in
    batches of 16 (so the last batch has 2); SGD with momentum. Compared with a reference epoch
    from the same start: every parameter afterwards, and the returned loss.
    """
    with random_state_kept():
        return Verdict(_check_train_one_epoch(fn))


def _check_train_one_epoch(fn: Callable) -> bool:
    setup = _EpochSetup()
    ok, got, params, model = _run(setup, fn)
    if not ok:
        return Verdict(False)
    _, ref_loss, ref_params, _ = _run(setup, None, "")
    start = [np.asarray(setup.state[name].numpy(), dtype=np.float64) for name, _ in model.named_parameters()]
    names = [name for name, _ in model.named_parameters()]
    if not _same(params, ref_params):
        if _same(params, start):
            failed("after your epoch the parameters are unchanged")
            hint("each batch needs optimizer.zero_grad(), loss.backward(), then optimizer.step() "
                 "(the step is what changes the parameters).")
            return Verdict(False)
        wrong = next(name for name, p, r in zip(names, params, ref_params) if not np.allclose(p, r, atol=1e-6, rtol=1e-4))
        failed(f"after your epoch the parameter {wrong} differs from the reference epoch's")
        for slip, message in (
            ("no_zero_grad", "the gradients were never reset, so each batch's gradient was added to all the "
                             "earlier ones. Call optimizer.zero_grad() before loss.backward()."),
            ("no_train", "the model was left in evaluation mode (it was handed to you in that mode, as after "
                         "an evaluation). Start the epoch with model.train(): this test model has a Dropout "
                         "layer, which only drops units in training mode."),
        ):
            if _same(_run(setup, None, slip)[2], params):
                hint(message)
                return Verdict(False)
        hint("the loop is: model.train(); then for each (xb, yb) in loader: loss = "
             "F.cross_entropy(model(xb), yb); optimizer.zero_grad(); loss.backward(); optimizer.step(). "
             "Go through the loader exactly once, calling the model once per batch.")
        return Verdict(False)
    mine = one_number("train_one_epoch", got)
    if mine is None:
        return Verdict(False)
    if not compare("the mean loss your function returned", mine, ref_loss, atol=1e-5, rtol=1e-4):
        for slip, message in (
            ("unweighted", f"you averaged the 4 batch losses, but the last batch has only {_EPOCH_N % _EPOCH_BATCH} "
                           "examples. Weight each batch's mean loss by its size: sum(loss * len(yb)) / N."),
            ("last", "you returned the loss of the last batch only; return the mean over the whole epoch."),
            ("sum", "you returned the sum of the batch losses; return the mean per example."),
        ):
            if np.isclose(mine, _run(setup, None, slip)[1], atol=1e-5, rtol=1e-4):
                hint(message)
                return Verdict(False)
        hint("add up loss.item() * len(yb) over the batches, then divide by the number of examples.")
        return Verdict(False)
    return passed("train_one_epoch updates every parameter as the reference epoch does (train mode, "
                  "zero_grad, backward, step on each of the 4 batches) and returns the mean loss per example.")


# --- exercise 4: the classes on a grid, for a decision-boundary plot -------------------------


_GRID_W = np.array([[1.3, -0.7], [-0.4, 1.9], [-1.1, -0.6]], dtype=np.float32)
_GRID_B = np.array([0.13, -0.29, 0.07], dtype=np.float32)


class _RecordingModel(Module):
    """A fixed linear 3-class classifier, logits = x W^T + b, that records how it is called.

    Its weights are set, not drawn: making one uses none of minigrad's random numbers.
    """

    def __init__(self) -> None:
        super().__init__()
        self.weight = Tensor(_GRID_W.copy(), requires_grad=True)
        self.bias = Tensor(_GRID_B.copy(), requires_grad=True)
        self.calls: list[dict] = []

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        self.calls.append({"training": self.training, "grad": is_grad_enabled(), "shape": x.shape})
        return x @ self.weight.T + self.bias


def _reference_grid(xlim, ylim, n) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """xs, ys, classes, and a mask of the points whose top two logits are too close to call."""
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    logits = points @ _GRID_W.astype(np.float64).T + _GRID_B
    top2 = np.sort(logits, axis=1)[:, -2:]
    return xs, ys, logits.argmax(axis=1).reshape(n, n), (top2[:, 1] - top2[:, 0] < 1e-4).reshape(n, n)


_GRID_CASES = [((-2.0, 1.0), (-1.0, 3.0), 7), ((-3.0, 3.0), (-3.0, 3.0), 40), ((0.5, 2.5), (-2.0, -0.5), 2)]


@returns_verdict
def check_grid_predictions(fn: Callable) -> bool:
    """Exercise 4: `fn(model, xlim, ylim, n)` returns (xs, ys, classes): xs and ys the n grid
    coordinates from np.linspace, classes an (n, n) int array with classes[i, j] the predicted
    class at (xs[j], ys[i]). The model must be called in evaluation mode, under no_grad()."""
    tips: set[str] = set()
    for k, (xlim, ylim, n) in enumerate(_GRID_CASES, start=1):
        where = f"test {k} (xlim={xlim}, ylim={ylim}, n={n})"
        model = _RecordingModel()
        model.train()
        result = answer(partial(arrays, names=("xs", "ys", "classes")), where, fn, model, xlim, ylim, n,
                        name="grid_predictions")
        if result is None:
            return Verdict(False)
        xs, ys, classes = result
        ref_xs, ref_ys, ref_classes, unsure = _reference_grid(xlim, ylim, n)
        if xs.shape == (n, n) or ys.shape == (n, n):
            failed(f"{where}: xs and ys have shape {xs.shape} and {ys.shape}; return the 1-D coordinates, "
                   f"shape ({n},)")
            hint("return xs = np.linspace(*xlim, n) and ys = np.linspace(*ylim, n), not the meshgrid arrays.")
            return Verdict(False)
        if not (compare(f"{where}: xs", xs, ref_xs, 1e-6, 1e-6) and compare(f"{where}: ys", ys, ref_ys, 1e-6, 1e-6)):
            hint("xs = np.linspace(xlim[0], xlim[1], n): n points, both ends included.")
            return Verdict(False)
        if not model.calls:
            return failed(f"{where}: your function never called the model")
        if classes.shape != (n, n):
            failed(f"{where}: classes has shape {classes.shape}, expected ({n}, {n})")
            if classes.size == n * n:
                hint(f"reshape the n*n predictions to ({n}, {n}).")
            elif classes.ndim >= 2 and classes.shape[-1] == 3:
                hint("these look like the logits; the class is their argmax over the last axis.")
            return Verdict(False)
        if not np.allclose(classes, np.round(classes)):
            failed(f"{where}: classes holds non-integers; it should hold class numbers 0, 1, 2")
            hint("take the argmax of the logits over axis 1 (the classes), not the logits or probabilities.")
            return Verdict(False)
        sure = ~unsure
        if np.array_equal(classes[sure], ref_classes[sure]):
            if any(c["training"] for c in model.calls):
                failed(f"{where}: the classes are right, but the model was in training mode when you called it")
                hint("call model.eval() before predicting: layers such as Dropout and BatchNorm behave "
                     "differently in training, and a plot should show the model as it is used.")
                return Verdict(False)
            if any(c["grad"] for c in model.calls):
                failed(f"{where}: the classes are right, but the model recorded a graph for backward")
                hint("predict inside `with no_grad():`: nobody will call backward on these n*n outputs, "
                     "so recording the graph only costs time and memory.")
                return Verdict(False)
            if len(model.calls) > 1:
                tips.add(f"you called the model {len(model.calls)} times for one grid; one call with all "
                         "n*n points as a batch, shape (n*n, 2), is much faster.")
            continue
        bad = np.argwhere((classes != ref_classes) & sure)[0]
        i, j = int(bad[0]), int(bad[1])
        failed(f"{where}: classes[{i}, {j}] is {classes[i, j]:.0f}, expected {ref_classes[i, j]} "
               f"(the class at x = xs[{j}] = {ref_xs[j]:.3f}, y = ys[{i}] = {ref_ys[i]:.3f}); "
               f"{int(((classes != ref_classes) & sure).sum())} of {n * n} grid points differ")
        if np.array_equal(classes.T[sure], ref_classes[sure]):
            hint("your grid is transposed: row i must hold the points with y = ys[i], column j those with "
                 "x = xs[j]. np.meshgrid(xs, ys) lays the points out that way.")
        else:
            hint("make the points with gx, gy = np.meshgrid(xs, ys); points = np.stack([gx.ravel(), gy.ravel()], "
                 "axis=1); the class of each is the argmax of its logits; reshape to (n, n).")
        return Verdict(False)
    passed("grid_predictions is right on 3 grids: 1-D coordinates, classes[i, j] at (xs[j], ys[i]).")
    for tip in sorted(tips):
        hint(tip)
    return Verdict(True)
