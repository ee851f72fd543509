"""Checkers for notebook 08: training an MLP on real data.

    check_accuracy           exercise 1: accuracy(logits, targets), the fraction of rows whose argmax is the target
    check_train_one_epoch    exercise 2: train_one_epoch(model, loader, optimizer), one pass over the loader
    check_grid_predictions   exercise 3: grid_predictions(model, xlim, ylim, n), the classes on an n x n grid

Every reference answer is computed here, by minigrad, on the checker's own
small inputs; each checker also replays the usual slips to name the one the
learner made.
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
from .verdict import (Verdict, answer, arrays, as_array, attempt, compare, failed, hint, one_number, passed,
                      random_state_kept, returns_verdict)

__all__ = ["check_accuracy", "check_train_one_epoch", "check_grid_predictions"]


# --- exercise 1: accuracy from logits ------------------------------------------------------

# (N, C): more rows than classes, a square case where argmax over the wrong axis still fits, one row.
_ACCURACY_CASES = [(12, 3), (5, 5), (1, 10), (40, 10)]


def _accuracy_case(rng: np.random.Generator, n: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits without ties and targets that are right about 60% of the time (never all or none, for n > 1)."""
    while True:
        logits = rng.normal(size=(n, c)).round(3) * 3
        best = logits.argmax(axis=1)
        if (np.sort(logits, axis=1)[:, -1] - np.sort(logits, axis=1)[:, -2] < 1e-3).any():
            continue
        targets = np.where(rng.random(n) < 0.6, best, rng.integers(0, c, n))
        right = (targets == best).mean()
        if n == 1 or 0 < right < 1:
            return logits.astype(np.float32), targets.astype(np.int64)


@returns_verdict
def check_accuracy(fn: Callable) -> bool:
    """Exercise 1: `fn(logits, targets)` with logits a Tensor (N, C) and targets an int array (N,)
    returns the fraction of rows whose largest logit is at the target's index, a number in [0, 1]."""
    rng = np.random.default_rng(8)
    for k, (n, c) in enumerate(_ACCURACY_CASES, start=1):
        logits, targets = _accuracy_case(rng, n, c)
        where = f"test {k} (N={n} examples, C={c} classes)"
        ok, got = attempt(fn, Tensor(logits.copy()), targets.copy(), name="accuracy")
        if not ok:
            return Verdict(False)
        if got is not None and not isinstance(got, (int, float, np.floating, np.integer)):
            try:
                size = as_array(got).size
            except (TypeError, ValueError):
                size = 1
            if size == n and n > 1:
                failed(f"{where}: you returned {n} values, one per example; accuracy is one number")
                hint("(predictions == targets) is an array of True/False; its mean is the fraction right.")
                return Verdict(False)
        mine = one_number(f"accuracy on {where}", got)
        if mine is None:
            return Verdict(False)
        right = logits.argmax(axis=1) == targets
        expected = float(right.mean())
        if compare(f"{where}: accuracy", mine, expected, atol=1e-6, rtol=0):
            continue
        if np.isclose(mine, right.sum()):
            hint(f"you returned the number of right answers ({int(right.sum())}); divide by N = {n}.")
        elif np.isclose(mine, 100 * expected):
            hint("you returned a percentage; return the fraction, a number between 0 and 1.")
        elif c == n and np.isclose(mine, float((logits.argmax(axis=0) == targets).mean())):
            hint("you took the argmax over axis 0 (down each column, across examples). The classes are "
                 "the columns: the predicted class of row n is the argmax over axis 1.")
        elif np.isclose(mine, float((logits.argmin(axis=1) == targets).mean())):
            hint("the predicted class is the one with the LARGEST logit: argmax, not argmin.")
        else:
            hint("predicted class = argmax of each row (axis=1); accuracy = mean of (predicted == targets).")
        return Verdict(False)
    return passed("accuracy is right on 4 tests, including a square one (N = C) where argmax over the "
                  "wrong axis would still give the right shape.")


# --- exercise 2: one epoch of training -----------------------------------------------------

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
    """Exercise 2: `fn(model, loader, optimizer)` trains for one pass over `loader` and returns the
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


# --- exercise 3: the classes on a grid, for a decision-boundary plot -------------------------


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
    """Exercise 3: `fn(model, xlim, ylim, n)` returns (xs, ys, classes): xs and ys the n grid
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
