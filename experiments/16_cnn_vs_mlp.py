"""Notebook 16's comparison: a small CNN against notebook 08's MLP on the 8x8 digits, each at its own learning rate.

    python experiments/16_cnn_vs_mlp.py                  # the full sweep; writes experiments/results/16_cnn_vs_mlp.json
    python experiments/16_cnn_vs_mlp.py --one cnn 0.1 10  # one run (arm, lr, seed): its validation accuracy, as JSON

The data and split are notebook 08's: load_digits() / 16, train_test_split(X, y, test_size=0.2, seed=0),
1437 training and 360 validation images. The recipe is notebook 08's too, the same for every arm: SGD
with momentum 0.9, batches of 32, 20 epochs. Only the learning rate is tuned, per arm, on a grid.

What was tuned on what: the learning rate of each arm is chosen on a tuning split cut from the
training set (train_test_split(X_train, y_train, test_size=0.2, seed=1): fit on 1149 images, score
on 288), mean accuracy over 5 seeds. The validation set plays no part in that choice. Each arm is
then trained on all 1437 training images at its chosen rate with 10 fresh seeds, and scored on the
360 validation images: those are the numbers reported (mean ± sd).

Every run is single-threaded (OpenBLAS), as the notebooks run, so a rerun on the same machine gives
the same numbers.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before NumPy loads: the notebooks' setting
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402
from minigrad import Tensor, nn, no_grad, optim  # noqa: E402
from minigrad.data import DataLoader, load_digits, train_test_split  # noqa: E402
from minigrad_course.tuning import format_mean_sd, tune  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "16_cnn_vs_mlp.json"
ARMS = ("MLP 64-64-10", "MLP 64-128-10", "CNN")
LRS = [0.01, 0.03, 0.1, 0.3, 1.0]
TUNING_SEEDS = [0, 1, 2, 3, 4]
EVAL_SEEDS = list(range(10, 20))
EPOCHS, BATCH, MOMENTUM = 20, 32, 0.9


def splits() -> dict:
    """{"fit", "tune", "train", "val"}: (X, y) pairs, X of shape (N, 64) in [0, 1], float32."""
    X, y = load_digits()
    X = X / 16.0
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, seed=0)
    X_fit, X_tune, y_fit, y_tune = train_test_split(X_train, y_train, test_size=0.2, seed=1)
    return {"fit": (X_fit, y_fit), "tune": (X_tune, y_tune), "train": (X_train, y_train), "val": (X_val, y_val)}


def make_model(arm: str) -> nn.Module:
    """Notebook 08's MLP, a wider one, or the CNN of notebook 16 (which takes images (N, 1, 8, 8))."""
    if arm == "CNN":
        return nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # (N, 16, 4, 4)
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (N, 32, 2, 2)
            nn.Flatten(), nn.Linear(32 * 2 * 2, 10))
    hidden = {"MLP 64-64-10": 64, "MLP 64-128-10": 128}[arm]
    return nn.MLP([64, hidden, 10])


def inputs(arm: str, X: np.ndarray) -> np.ndarray:
    """The CNN sees each image as 1 channel of 8 x 8 pixels; the MLPs see 64 numbers."""
    return X.reshape(-1, 1, 8, 8) if arm == "CNN" else X


def train(model: nn.Module, X: np.ndarray, y: np.ndarray, lr: float, seed: int) -> nn.Module:
    """EPOCHS of SGD with momentum on minibatches of BATCH (shuffled with `seed`)."""
    opt = optim.SGD(model.parameters(), lr=lr, momentum=MOMENTUM)
    loader = DataLoader(X, y, batch_size=BATCH, seed=seed)
    model.train()
    for _ in range(EPOCHS):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with no_grad():
        return float((model(Tensor(X)).numpy().argmax(axis=1) == y).mean())


def run(arm: str, lr: float, seed: int, fit_on: str = "train", score_on: str = "val", data: dict | None = None
        ) -> dict:
    """Train `arm` from the initial weights of `seed` on split `fit_on`; its accuracy on `score_on`."""
    data = data or splits()
    (X_fit, y_fit), (X_score, y_score) = data[fit_on], data[score_on]
    mg.manual_seed(seed)
    model = make_model(arm)
    start = time.perf_counter()
    train(model, inputs(arm, X_fit), y_fit, lr, seed)
    seconds = time.perf_counter() - start
    return {"val_acc": accuracy(model, inputs(arm, X_score), y_score), "seconds": seconds}


def sweep() -> dict:
    data = splits()
    out = {}
    for arm in ARMS:
        tuned = tune(partial(run, arm=arm, fit_on="fit", score_on="tune", data=data), LRS, TUNING_SEEDS,
                     metric="val_acc", name=arm)
        final = [run(arm, tuned.best_lr, seed, data=data) for seed in EVAL_SEEDS]
        scores = [r["val_acc"] for r in final]
        out[arm] = {
            "parameters": sum(p.numel() for p in make_model(arm).parameters()),
            "tuning_grid": {str(lr): values for lr, values in tuned.grid.items()},
            "best_lr": tuned.best_lr,
            "eval_seeds": EVAL_SEEDS,
            "val_acc": scores,
            "val_acc_mean_sd": format_mean_sd(scores),
            "train_seconds_median": statistics.median(r["seconds"] for r in final),
        }
        print(f"{arm:14s} lr {tuned.best_lr:g}: validation accuracy {format_mean_sd(scores)} over "
              f"{len(scores)} seeds ({out[arm]['train_seconds_median']:.1f} s per training run)", flush=True)
    return out


def machine() -> dict:
    info = {"python": sys.version.split()[0], "platform": platform.platform(), "numpy": np.__version__,
            "cpu_count": os.cpu_count(), "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}
    try:
        info["cpu_model"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                                 if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=3, metavar=("ARM", "LR", "SEED"),
                        help="one run: arm (cnn, mlp or mlp128), learning rate, seed; prints its validation accuracy")
    args = parser.parse_args()
    if args.one:
        arm = {"cnn": "CNN", "mlp": "MLP 64-64-10", "mlp128": "MLP 64-128-10"}[args.one[0]]
        print(json.dumps({"arm": arm, **run(arm, float(args.one[1]), int(args.one[2]))}))
        return
    start = time.perf_counter()
    arms = sweep()
    payload = {
        "experiment": "16_cnn_vs_mlp",
        "command": "python experiments/16_cnn_vs_mlp.py",
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "setup": {"lrs": LRS, "tuning_seeds": TUNING_SEEDS, "eval_seeds": EVAL_SEEDS, "epochs": EPOCHS,
                  "batch_size": BATCH, "momentum": MOMENTUM, "optimizer": "SGD",
                  "tuned_on": "tuning split: train_test_split(X_train, y_train, test_size=0.2, seed=1), "
                              "fit on 1149, scored on 288",
                  "reported_on": "validation split of notebook 08 (360 images), trained on all 1437 training images"},
        "arms": arms,
        "total_seconds": round(time.perf_counter() - start, 1),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
