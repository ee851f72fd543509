"""Seeded training runs of notebook 08's MLP on the digits, for fair comparisons (notebooks 08 and 09).

Every run builds the MLP 64-64-10 (ReLU) with `mg.manual_seed(seed)` and draws its minibatches
from a `DataLoader` seeded with the same `seed`, so one seed fixes the initial weights and the
order of the batches, and two runs that differ only in what is compared see the same of both.
A run returns a dict of its metrics, the form `minigrad_course.tuning.tune` expects:

    from minigrad_course import digits_runs, tuning
    tuned = tuning.tune(digits_runs.steps_to_accuracy, lrs=[0.1, 0.3, 1.0], seeds=[0, 1, 2],
                        metric="steps", higher_is_better=False, batch_size=256)

Notebook 08 (batch size): `steps_to_accuracy` counts the SGD-with-momentum steps until the
validation accuracy first reaches a target, and `fit_steps_model` fits the model of
McCandlish et al. (2018), "An empirical model of large-batch training":

    S(B) = S_min (1 + B_noise / B)        steps to the target with batches of B
    E(B) = B S(B) = E_min (1 + B / B_noise)     examples to the target,   E_min = S_min B_noise

so S is a straight line in 1/B, S = S_min + E_min / B. The critical batch size
B_crit = E_min / S_min is where a run needs twice the fewest steps and twice the fewest examples:
below it, doubling B nearly halves the steps; above it, doubling B nearly doubles the examples.

Notebook 09 (optimizers and schedules): `train_digits` trains for a few epochs with any
optimizer of `race.OPTIMIZERS` and a learning-rate schedule of SCHEDULES, on the three-way split
of `digits_split(test=True)`, and reports the validation metrics (to tune on) and the test
metrics (to report), which tuning never sees.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad import nn, no_grad, optim
from minigrad.data import DataLoader, load_digits, train_test_split
from minigrad.optim import lr_scheduler

from .race import make_optimizer
from .stored import load_results

__all__ = ["load_sweep", "DigitsSplit", "digits_split", "new_mlp", "evaluate", "steps_to_accuracy", "fit_steps_model",
           "SCHEDULES", "make_schedule", "train_digits"]

def load_sweep(name: str) -> dict[str, Any]:
    """The stored results of a sweep too slow for its notebook (see `minigrad_course.stored`)."""
    return load_results(name)


SIZES = (64, 64, 10)
"""Notebook 08's MLP: 64 inputs, 64 ReLU units, 10 logits."""


@dataclass(frozen=True)
class DigitsSplit:
    """The digits, pixels scaled to [0, 1], cut into a training, a validation and (maybe) a test set."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


def _read_only(*arrays: np.ndarray) -> list[np.ndarray]:
    for a in arrays:
        a.flags.writeable = False
    return list(arrays)


@functools.lru_cache(maxsize=None)
def digits_split(test: bool = False, seed: int = 0) -> DigitsSplit:
    """Notebook 08's split: 1,437 training and 360 validation images (`train_test_split`, 20%, `seed`).

    With test=True, those 360 images become the test set, untouched by any tuning, and a quarter
    of the other 1,437 is the validation set: 1,077 training, 360 validation, 360 test images.
    The arrays are read-only (they are shared by every run).
    """
    X, y = load_digits()
    X = X / 16.0
    X_rest, X_held, y_rest, y_held = train_test_split(X, y, test_size=0.2, seed=seed)
    if not test:
        return DigitsSplit(*_read_only(X_rest, y_rest, X_held, y_held))
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.25, seed=seed)
    return DigitsSplit(*_read_only(X_train, y_train, X_val, y_val, X_held, y_held))


def new_mlp(seed: int, sizes: Sequence[int] = SIZES) -> nn.MLP:
    """A fresh ReLU MLP of `sizes`, its initial weights drawn after `mg.manual_seed(seed)`."""
    mg.manual_seed(seed)
    return nn.MLP(list(sizes))


def evaluate(model: nn.Module, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of `model` on (X, y), in evaluation mode, without a graph."""
    model.eval()
    with no_grad():
        logits = model(mg.Tensor(X))
        loss = F.cross_entropy(logits, y).item()
    return loss, float((logits.numpy().argmax(axis=1) == y).mean())


# --- notebook 08: steps to a target accuracy, against the batch size ------------------------------------

_HOPELESS = 10 * math.log(10)  # a minibatch loss this far above a uniform guess's: the run has diverged


def steps_to_accuracy(lr: float, seed: int, batch_size: int, target: float = 0.95, max_steps: int = 1000,
                      momentum: float = 0.9, split: DigitsSplit | None = None) -> dict[str, float]:
    """Train with SGD (momentum 0.9) at `lr` on batches of `batch_size`; count the steps until the
    validation accuracy, measured after every step, first reaches `target`.

    Returns {"steps": that count (nan when not reached within `max_steps`, or when the loss
    diverged), "val_acc": the validation accuracy where the run stopped}.
    """
    split = split or digits_split()
    model = new_mlp(seed)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loader = DataLoader(split.X_train, split.y_train, batch_size=batch_size, seed=seed)
    step, acc = 0, 0.0
    while step < max_steps:
        for xb, yb in loader:
            model.train()
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if not loss.item() < _HOPELESS:  # also true for nan
                return {"steps": math.nan, "val_acc": math.nan}
            acc = evaluate(model, split.X_val, split.y_val)[1]
            if acc >= target:
                return {"steps": float(step), "val_acc": acc}
            if step >= max_steps:
                break
    return {"steps": math.nan, "val_acc": acc}


def fit_steps_model(batch_sizes: Sequence[float], steps: Sequence[float]) -> tuple[float, float]:
    """(S_min, E_min) of the line S = S_min + E_min / B through the points (B, steps), fitted to the
    relative misses: minimises the sum of ((S - S_min - E_min / B) / S)^2, so that 10% off counts the
    same at 200 steps as at 20.

    The critical batch size is E_min / S_min. Points whose steps are not finite are left out.
    """
    B = np.asarray(batch_sizes, dtype=np.float64)
    S = np.asarray(steps, dtype=np.float64)
    keep = np.isfinite(S)
    if keep.sum() < 2:
        raise ValueError("fit_steps_model needs at least two batch sizes whose runs reached the target")
    B, S = B[keep], S[keep]
    design = np.stack([np.ones(len(B)), 1.0 / B], axis=1) / S[:, None]
    (s_min, e_min), *_ = np.linalg.lstsq(design, np.ones(len(B)), rcond=None)
    return float(s_min), float(e_min)


# --- notebook 09: optimizers and learning-rate schedules -----------------------------------------------

SCHEDULES: dict[str, str] = {
    "constant": "the same rate throughout",
    "step": "StepLR: times 0.1 every 2 epochs",
    "cosine": "CosineAnnealingLR: from the rate down to 0 along half a cosine",
    "warm-up + cosine": "LinearLR from 0.1x to 1x over the first epoch, then cosine down to 0",
}
"""The learning-rate schedules `train_digits` knows, stepped after every optimizer step."""


def make_schedule(name: str, optimizer: optim.Optimizer, total_steps: int,
                  steps_per_epoch: int) -> lr_scheduler.LRScheduler | None:
    """The scheduler called `name` (see SCHEDULES) for a run of `total_steps` steps; None for "constant"."""
    if name == "constant":
        return None
    if name == "step":
        return lr_scheduler.StepLR(optimizer, step_size=2 * steps_per_epoch, gamma=0.1)
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    if name == "warm-up + cosine":
        warm = steps_per_epoch
        return lr_scheduler.SequentialLR(optimizer, [
            lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=warm),
            lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps - warm)], milestones=[warm])
    raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")


def train_digits(optimizer: str, lr: float, seed: int = 0, epochs: int = 5, batch_size: int = 32,
                 schedule: str = "constant", split: DigitsSplit | None = None, **options: Any) -> dict[str, Any]:
    """Train a fresh MLP 64-64-10 for `epochs` epochs with `optimizer` (a name of race.OPTIMIZERS) at
    peak rate `lr`, following `schedule`; then measure it.

    Returns the final "val_loss", "val_acc" (and "test_loss", "test_acc" when the split has a test
    set) as floats, and the curves: "val_losses" (after each epoch), "batch_losses" and "lrs" (the
    rate of each step). A run whose loss is not finite has nan metrics.
    """
    split = split or digits_split(test=True)
    model = new_mlp(seed)
    opt = make_optimizer(optimizer, model.parameters(), lr=lr, **options)
    loader = DataLoader(split.X_train, split.y_train, batch_size=batch_size, seed=seed)
    scheduler = make_schedule(schedule, opt, epochs * len(loader), len(loader))
    batch_losses, rates, val_losses = [], [], []
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            model.train()
            for xb, yb in loader:
                rates.append(opt.param_groups[0]["lr"])
                loss = F.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                if scheduler is not None:
                    scheduler.step()
                batch_losses.append(loss.item())
            val_losses.append(evaluate(model, split.X_val, split.y_val)[0])
        out: dict[str, Any] = {"batch_losses": np.array(batch_losses), "lrs": np.array(rates),
                               "val_losses": np.array(val_losses)}
        sets = {"val": (split.X_val, split.y_val)}
        if split.X_test is not None:
            sets["test"] = (split.X_test, split.y_test)
        finite = bool(np.isfinite(batch_losses).all())
        for name, (X, y) in sets.items():
            loss, acc = evaluate(model, X, y)
            ok = finite and math.isfinite(loss)
            out[f"{name}_loss"], out[f"{name}_acc"] = (loss, acc) if ok else (math.nan, math.nan)
    return out
