"""Notebook 10, section 7: is a deep sigmoid network stuck at every learning rate, or only at the one tried?

    python experiments/10_depth_sweep.py

Sigmoid MLPs of 2 to 12 Linear layers, 32 units wide, PyTorch's default initialisation,
trained for 100 full-batch steps on 500 digits (`diagnostics.digits_splits`), each depth
with SGD + momentum 0.9 and with Adam over a learning-rate grid, 5 seeds (the seed draws
the initial weights). Each arm's rate is tuned on the validation set (400 images: the best
mean accuracy over the 5 seeds); the notebook reports the test accuracy (897 images) of
the same 5 runs at that rate. It also trains the 12-layer network for 1,000 steps at three
rates (a longer budget), and stores its loss along the way.
Writes experiments/results/10_depth_sweep.json.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: one BLAS thread is several times faster
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from minigrad_course import diagnostics as D  # noqa: E402
from minigrad_course.tuning import tune  # noqa: E402

NAME = "10_depth_sweep"
COMMAND = "python experiments/10_depth_sweep.py"
DEPTHS = (2, 3, 4, 6, 8, 12)
SGD_LRS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
ADAM_LRS = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
SEEDS = (0, 1, 2, 3, 4)
BUDGET = dict(steps=100, width=32)
LONG_RUNS = (("sgd", 0.05), ("sgd", 1.0), ("adam", 0.003))   # the 12-layer network, 1,000 steps, seed 0
LONG_STEPS = 1000


def arms() -> dict[str, tuple[dict, tuple[float, ...]]]:
    """name -> (the keyword arguments of diagnostics.tuning_run besides the data, the learning-rate grid)."""
    out = {}
    for depth in DEPTHS:
        out[f"{depth} layers, SGD"] = (dict(depth=depth, activation="sigmoid", optimizer="sgd", momentum=0.9,
                                            **BUDGET), SGD_LRS)
        out[f"{depth} layers, Adam"] = (dict(depth=depth, activation="sigmoid", optimizer="adam", **BUDGET), ADAM_LRS)
    return out


def main() -> None:
    splits = D.digits_splits(n_train=500, n_val=400)
    results = {}
    start = time.perf_counter()
    for name, (kwargs, lrs) in arms().items():
        results[name] = tune(D.tuning_run(splits, **kwargs), lrs=lrs, seeds=SEEDS, metric="val_acc", name=name)
        print(f"{name:18s} {results[name].describe()}   [{time.perf_counter() - start:.0f} s]", file=sys.stderr, flush=True)
    setup = {"data": "digits_splits(n_train=500, n_val=400): 500 training, 400 validation, 897 test images",
             "network": "deep_mlp(depth, width=32, activation='sigmoid'), PyTorch's default initialisation",
             "budget": "100 full-batch steps; SGD with momentum 0.9, or Adam (torch's defaults)",
             "tuned": "each arm's learning rate, on the mean validation accuracy over the seeds",
             "reported": "the test accuracy of the same runs at the chosen rate",
             "seeds": list(SEEDS), "sgd_lrs": list(SGD_LRS), "adam_lrs": list(ADAM_LRS)}
    long_runs = []
    for optimizer, lr in LONG_RUNS:
        record = D.train_and_record(D.deep_mlp(depth=12, width=32, activation="sigmoid", seed=0),
                                    splits, steps=LONG_STEPS, lr=lr, momentum=0.9, optimizer=optimizer)
        long_runs.append({"optimizer": optimizer, "lr": lr, "steps": LONG_STEPS,
                          "loss_at": {str(t): float(record.loss[t]) for t in (0, 99, 299, 599, LONG_STEPS - 1)},
                          **{k: v for k, v in record.metrics().items() if k in ("val_acc", "test_acc")}})
        print(f"12 layers, {optimizer} lr {lr:g}, {LONG_STEPS} steps: {long_runs[-1]}", file=sys.stderr, flush=True)
    path = D.save_sweep(NAME, results, COMMAND, setup, extra={"long_runs_12_layers": long_runs})
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
