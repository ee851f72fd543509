"""Notebook 12's regularizers, each tuned over a learning-rate grid and its own strength, on fresh seeds.

    python experiments/12_regularizers.py            # about five minutes on a 2-core laptop

The notebook tunes each regularizer's strength live at one learning rate (Adam, 0.01) on 5 seeds. This
sweep asks whether its conclusions survive tuning the learning rate too: every method (and every
strength of it) runs at each rate of its grid (MOONS_LRS, DIGITS_LRS) on the tuning seeds; the
(rate, strength) with the best mean validation accuracy is kept; that choice then runs on EVAL_SEEDS,
seeds it was not chosen on, and only there is the test set touched. A seed draws the training points
(or images), the initial weights, the dropout masks and the shifts. The training code is the notebook's,
line for line.

Writes experiments/results/12_regularizers.json.
"""
from __future__ import annotations

import json
import math
import os
import platform
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad import Tensor, nn, no_grad, optim
from minigrad.data import load_digits, make_moons, train_test_split
from minigrad_course.tuning import mean_sd, tune

RESULTS = Path(__file__).resolve().parent / "results" / "12_regularizers.json"
COMMAND = "python experiments/12_regularizers.py"

EPOCHS, LR, HIDDEN, NOISE = 150, 0.01, 64, 0.35
MOONS_LRS = [0.0003, 0.001, 0.003, 0.01, 0.03]
DIGITS_LRS = [0.001, 0.003, 0.01, 0.03, 0.1]
TUNE_SEEDS = [0, 1, 2, 3, 4]                 # the notebook's seeds
EVAL_SEEDS = list(range(5, 15))              # fresh seeds for the numbers reported

# --- the two moons (notebook 12, sections 1-5) ------------------------------------------------

X_val, y_val = make_moons(1000, noise=NOISE, seed=100)
X_test, y_test = make_moons(1000, noise=NOISE, seed=200)


def moons_pool(seed):
    """The training pool of one seed: 400 noisy moons; a training set of n points is its first n."""
    return make_moons(400, noise=NOISE, seed=1 + seed)


def make_model(seed, dropout=0.0):
    """2 -> 64 -> 64 -> 2 with ReLU (and Dropout(dropout) after each hidden ReLU); the weights of `seed`."""
    mg.manual_seed(seed)
    layers = []
    for n_in, n_out in [(2, HIDDEN), (HIDDEN, HIDDEN)]:
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(HIDDEN, 2))
    return nn.Sequential(*layers)


def evaluate(model, X, y):
    """(mean cross-entropy, accuracy) in evaluation mode, without a graph."""
    was_training = model.training
    model.eval()
    with no_grad():
        logits = model(Tensor(X))
        loss = F.cross_entropy(logits, y).item()
        accuracy = float((logits.numpy().argmax(axis=1) == y).mean())
    model.train(was_training)
    return loss, accuracy


def scores(model, X, y, X_v, y_v, test=None):
    """What every run reports; the test set only when asked (once, for the chosen configurations)."""
    (_, train_acc), (val_loss, val_acc) = evaluate(model, X, y), evaluate(model, X_v, y_v)
    out = {"train_acc": train_acc, "val_acc": val_acc, "gap": train_acc - val_acc, "val_loss": val_loss}
    if test is not None:
        out["test_acc"] = evaluate(model, *test)[1]
    return out


def train_moons(lr, seed, n=50, weight_decay=0.0, decoupled=False, dropout=0.0, test=False):
    """Full-batch training, EPOCHS steps of Adam (AdamW when decoupled) on the first n points of the pool."""
    X_pool, y_pool = moons_pool(seed)
    X, y = X_pool[:n], y_pool[:n]
    model = make_model(seed, dropout)
    optimizer = (optim.AdamW if decoupled else optim.Adam)(model.parameters(), lr=lr, weight_decay=weight_decay)
    Xt, yt = Tensor(X), Tensor(y)
    model.train()
    for _ in range(EPOCHS):
        optimizer.zero_grad()
        F.cross_entropy(model(Xt), yt).backward()
        optimizer.step()
    return scores(model, X, y, X_val, y_val, (X_test, y_test) if test else None)


def stopping_epochs(val_losses, patience):
    """(best_epoch, stop_epoch): stop `patience` epochs after the last strict improvement (notebook 12, Ex. 3)."""
    best_loss, best_epoch = math.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss:
            best_loss, best_epoch = loss, epoch
        elif epoch - best_epoch == patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


@lru_cache(maxsize=None)
def moons_trajectory(lr, seed):
    """One full-batch run of EPOCHS epochs: the validation loss after each, a checkpoint at each new best.

    Training is deterministic and stopping only cuts it short, so this one run serves every patience."""
    X_pool, y_pool = moons_pool(seed)
    X, y = X_pool[:50], y_pool[:50]
    model = make_model(seed)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    Xt, yt = Tensor(X), Tensor(y)
    val_losses, checkpoints = [], {}
    for epoch in range(EPOCHS):
        optimizer.zero_grad()
        F.cross_entropy(model(Xt), yt).backward()
        optimizer.step()
        val_losses.append(evaluate(model, X_val, y_val)[0])
        if val_losses[-1] < min(val_losses[:-1], default=math.inf):
            checkpoints[epoch] = model.state_dict()
    return model, tuple(val_losses), checkpoints


def early_stopped_moons(lr, seed, patience, test=False):
    """The scores of the checkpoint that early stopping with `patience` restores."""
    model, val_losses, checkpoints = moons_trajectory(lr, seed)
    best_epoch, stop_epoch = stopping_epochs(val_losses, patience)
    model.load_state_dict(checkpoints[best_epoch])
    X_pool, y_pool = moons_pool(seed)
    out = scores(model, X_pool[:50], y_pool[:50], X_val, y_val, (X_test, y_test) if test else None)
    return {**out, "stop_epoch": stop_epoch}


MOONS = {  # method -> (its strength's name, the strengths tried, run(lr, seed, strength, test))
    "baseline": (None, [None], lambda lr, seed, s, test=False: train_moons(lr, seed, test=test)),
    "L2 penalty (Adam)": ("lambda", [0.001, 0.003, 0.01, 0.03, 0.1],
                          lambda lr, seed, s, test=False: train_moons(lr, seed, weight_decay=s, test=test)),
    "decoupled (AdamW)": ("lambda", [0.3, 1.0, 3.0, 10.0],
                          lambda lr, seed, s, test=False: train_moons(lr, seed, weight_decay=s, decoupled=True,
                                                                      test=test)),
    "dropout": ("p", [0.05, 0.1, 0.2, 0.3, 0.5],
                lambda lr, seed, s, test=False: train_moons(lr, seed, dropout=s, test=test)),
    "early stopping": ("patience", [5, 10, 20, 40, 80],
                       lambda lr, seed, s, test=False: early_stopped_moons(lr, seed, s, test=test)),
    "2x data (100 points)": (None, [None], lambda lr, seed, s, test=False: train_moons(lr, seed, n=100, test=test)),
    "4x data (200 points)": (None, [None], lambda lr, seed, s, test=False: train_moons(lr, seed, n=200, test=test)),
    "8x data (400 points)": (None, [None], lambda lr, seed, s, test=False: train_moons(lr, seed, n=400, test=test)),
}

# --- the digits, shifted (notebook 12, section 6) -------------------------------------------------

digits_X, digits_y = load_digits()
digits_X = (digits_X / 16.0).astype(np.float32)
D_rest, D_test, d_rest, d_test = train_test_split(digits_X, digits_y, test_size=0.25, seed=0)
D_pool, D_val, d_pool, d_val = train_test_split(D_rest, d_rest, test_size=0.33, seed=0)
MOVES = np.array([(0, 1), (0, -1), (1, 0), (-1, 0)])      # (dx, dy): right, left, down, up by one pixel


def shift_images(images, dx, dy):
    """Each 8 x 8 image (a row of 64 pixels) moved dx[i] columns right and dy[i] rows down (|d| <= 1),
    with zeros shifted in."""
    n = len(images)
    padded = np.pad(images.reshape(n, 8, 8), ((0, 0), (1, 1), (1, 1)))
    rows = 1 - dy[:, None] + np.arange(8)
    cols = 1 - dx[:, None] + np.arange(8)
    return padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]].reshape(n, 64)


def random_shifts(images, prob, rng):
    """Each image moved by one pixel in a random direction with probability prob, else left as it is."""
    moves = MOVES[rng.integers(0, 4, len(images))] * (rng.random(len(images)) < prob)[:, None]
    return shift_images(images, moves[:, 0], moves[:, 1])


D_val_moved = shift_images(D_val, *MOVES[np.random.default_rng(99).integers(0, 4, len(D_val))].T)


def train_digits(lr, seed, shift_prob=0.0, weight_decay=0.0, n=100, test=False):
    """MLP 64 -> 64 -> 10, EPOCHS full-batch Adam steps on n digits of the pool; each step on freshly
    shifted copies when shift_prob > 0."""
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(D_pool), n, replace=False)
    X, y = D_pool[chosen], d_pool[chosen]
    mg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))
    optimizer = optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    yt = Tensor(y)
    for _ in range(EPOCHS):
        batch = random_shifts(X, shift_prob, rng) if shift_prob else X
        optimizer.zero_grad()
        F.cross_entropy(model(Tensor(batch)), yt).backward()
        optimizer.step()
    out = scores(model, X, y, D_val, d_val, (D_test, d_test) if test else None)
    out["moved_val_acc"] = evaluate(model, D_val_moved, d_val)[1]
    return out


DIGITS = {
    "baseline": (None, [None], lambda lr, seed, s, test=False: train_digits(lr, seed, test=test)),
    "L2 penalty (Adam)": ("lambda", [0.0003, 0.001, 0.003, 0.01, 0.03],
                          lambda lr, seed, s, test=False: train_digits(lr, seed, weight_decay=s, test=test)),
    "shifted copies": ("shift probability", [0.05, 0.1, 0.25, 0.5],
                       lambda lr, seed, s, test=False: train_digits(lr, seed, shift_prob=s, test=test)),
}


# --- the sweep ---------------------------------------------------------------------------------------


def sweep(methods, lrs):
    """Per method: every (lr, strength) tuned on TUNE_SEEDS, the best one rerun on EVAL_SEEDS with the test set."""
    out = {}
    for method, (strength_name, strengths, run) in methods.items():
        arms = {s: tune(lambda lr, seed, s=s: run(lr, seed, s), lrs, TUNE_SEEDS) for s in strengths}
        best = max(strengths, key=lambda s: arms[s].mean)
        lr = arms[best].best_lr
        fresh = [run(lr, seed, best, test=True) for seed in EVAL_SEEDS]
        out[method] = {
            "strength_name": strength_name, "strength": best, "lr": lr,
            "tuning": {str(s): {str(r): mean_sd(v)[0] for r, v in arms[s].grid.items()} for s in strengths},
            "at_edge": sorted(lrs).index(lr) in (0, len(lrs) - 1) or
                       (len(strengths) > 1 and strengths.index(best) in (0, len(strengths) - 1)),
            "eval": {key: [r[key] for r in fresh] for key in fresh[0]},
        }
        summary = {k: mean_sd(v) for k, v in out[method]["eval"].items()}
        print(f"{method:22s} {strength_name or '':>17s} {best!s:>6s}  lr {lr:<6g} "
              + "  ".join(f"{k} {m:.3f}±{s:.3f}" for k, (m, s) in summary.items()), flush=True)
    return out


def main() -> int:
    os.environ.setdefault("MINIGRAD_PROGRESS", "0")
    start = time.time()
    results = {"moons": sweep(MOONS, MOONS_LRS), "digits": sweep(DIGITS, DIGITS_LRS)}
    payload = {
        "experiment": "12_regularizers", "command": COMMAND, "date": time.strftime("%Y-%m-%d"),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "numpy": np.__version__},
        "settings": {"epochs": EPOCHS, "lrs": {"moons": MOONS_LRS, "digits": DIGITS_LRS},
                     "tune_seeds": TUNE_SEEDS, "eval_seeds": EVAL_SEEDS,
                     "metric": "val_acc (mean over the tuning seeds)"},
        "minutes": round((time.time() - start) / 60, 1),
        "results": results,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
