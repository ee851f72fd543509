"""Notebook 15's comparison, tuned and repeated: backprop against feedback alignment on the digits.

    python experiments/15_feedback_alignment.py      # about five minutes on a 2-core laptop

The notebook trains each learner once (seed 0) at one learning rate (SGD, momentum 0.9, lr 0.05) for 20
epochs. Here every arm runs at each rate of LRS on the tuning seeds; the rate with the best mean validation
accuracy is kept and rerun on EVAL_SEEDS, seeds it was not chosen on. A seed draws the initial weights,
the feedback matrices and the order of the minibatches; the split of the digits is the notebook's. The
training code is the notebook's, line for line, with a second hidden layer for the deeper arms.

Writes experiments/results/15_feedback_alignment.json.
"""
from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad import Tensor, nn, no_grad, optim
from minigrad.data import DataLoader, load_digits, train_test_split
from minigrad_course.tuning import mean_sd, tune

RESULTS = Path(__file__).resolve().parent / "results" / "15_feedback_alignment.json"
COMMAND = "python experiments/15_feedback_alignment.py"

EPOCHS, BATCH, MOMENTUM, H, C = 20, 32, 0.9, 64, 10
LRS = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
TUNE_SEEDS = [0, 1, 2, 3, 4]
EVAL_SEEDS = [5, 6, 7, 8, 9]

X, y = load_digits()
X = X / 16.0
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, seed=0)


class FeedbackLinear(mg.Function):
    """Forward h W^T + b; backward: W and b their true gradients, h the error through the fixed matrix B."""

    @staticmethod
    def forward(ctx, h, W, b, B):
        ctx.save_for_backward(h)
        ctx.B = B
        return h @ W.T + b

    @staticmethod
    def backward(ctx, g):
        (h,) = ctx.saved_tensors
        return g @ ctx.B.T, g.T @ h, g.sum(axis=0), None


class Net(nn.Module):
    """64 -> H (-> H) -> 10 with ReLUs. With feedback (one matrix per layer above the first, each of the shape
    of that layer's W^T), errors go down through the feedback matrices instead of the forward weights."""

    def __init__(self, hidden_layers=1, feedback=None):
        super().__init__()
        self.hidden = nn.Linear(64, H)
        self.hidden2 = nn.Linear(H, H) if hidden_layers == 2 else None
        self.out = nn.Linear(H, C)
        self.feedback = feedback

    def layer(self, h, linear, k):
        if self.feedback is None:
            return linear(h)
        return FeedbackLinear.apply(h, linear.weight, linear.bias, self.feedback[k])

    def forward(self, x):
        h = self.hidden(x).relu()
        if self.hidden2 is not None:
            h = self.layer(h, self.hidden2, 0).relu()
        return self.layer(h, self.out, -1)


def feedback_matrices(seed, hidden_layers):
    """Fixed random matrices of the shapes of W^T, drawn like those weights (uniform in +-1/sqrt(fan_in))."""
    rng = np.random.default_rng(seed)
    shapes = [(H, H)] * (hidden_layers - 1) + [(H, C)]
    return [rng.uniform(-1 / np.sqrt(s[0]), 1 / np.sqrt(s[0]), size=s).astype(np.float32) for s in shapes]


def accuracy(model, X, y):
    with no_grad():
        return float((model(Tensor(X)).numpy().argmax(axis=1) == y).mean())


def train(lr, seed, rule="backprop", hidden_layers=1):
    """EPOCHS epochs of SGD with momentum; the validation accuracy after each epoch."""
    mg.manual_seed(seed)
    feedback = feedback_matrices(seed, hidden_layers) if rule == "feedback alignment" else None
    model = Net(hidden_layers, feedback)
    params = model.out.parameters() if rule == "output layer only" else model.parameters()
    if rule == "output layer only":
        for p in model.hidden.parameters():
            p.requires_grad_(False)
    opt = optim.SGD(params, lr=lr, momentum=MOMENTUM)
    loader = DataLoader(X_train, y_train, batch_size=BATCH, seed=seed)
    curve = []
    for _ in range(EPOCHS):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        curve.append(accuracy(model, X_val, y_val))
    first_95 = next((e + 1 for e, a in enumerate(curve) if a >= 0.95), None)
    return {"val_acc": curve[-1], "first_epoch_at_95": first_95,
            "curve": curve}


ARMS = {
    "backprop": dict(rule="backprop"),
    "feedback alignment": dict(rule="feedback alignment"),
    "output layer only": dict(rule="output layer only"),
    "backprop, 2 hidden layers": dict(rule="backprop", hidden_layers=2),
    "feedback alignment, 2 hidden layers": dict(rule="feedback alignment", hidden_layers=2),
}


def main() -> int:
    os.environ.setdefault("MINIGRAD_PROGRESS", "0")
    start = time.time()
    results = {}
    for name, fixed in ARMS.items():
        tuned = tune(lambda lr, seed: train(lr, seed, **fixed), LRS, TUNE_SEEDS, name=name)
        fresh = [train(tuned.best_lr, seed, **fixed) for seed in EVAL_SEEDS]
        results[name] = {
            "best_lr": tuned.best_lr, "at_edge": tuned.at_edge(),
            "tuning": {str(lr): mean_sd(v)[0] for lr, v in tuned.grid.items()},
            "tuning_at_0.05": [r["val_acc"] for r in tuned.runs[0.05]],
            "eval": {"val_acc": [r["val_acc"] for r in fresh],
                     "first_epoch_at_95": [r["first_epoch_at_95"] for r in fresh],
                     "curves": [r["curve"] for r in fresh]},
        }
        m, s = mean_sd(results[name]["eval"]["val_acc"])
        print(f"{name:37s} lr {tuned.best_lr:<5g} val acc {m:.3f} ± {s:.3f} on seeds {EVAL_SEEDS}", flush=True)
    payload = {
        "experiment": "15_feedback_alignment", "command": COMMAND, "date": time.strftime("%Y-%m-%d"),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "numpy": np.__version__},
        "settings": {"epochs": EPOCHS, "batch": BATCH, "momentum": MOMENTUM, "lrs": LRS, "tune_seeds": TUNE_SEEDS,
                     "eval_seeds": EVAL_SEEDS, "metric": "val_acc after the last epoch (mean over the tuning seeds)"},
        "minutes": round((time.time() - start) / 60, 1),
        "results": results,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
