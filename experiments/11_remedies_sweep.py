"""Notebook 11: every remedy for vanishing and exploding gradients, each at its own best learning rate.

    python experiments/11_remedies_sweep.py

The 12-layer, 32-wide network of notebook 10 with one remedy at a time (the arms below),
trained for 100 full-batch steps of SGD with momentum 0.9 on 500 digits
(`diagnostics.digits_splits`), over a learning-rate grid from 0.001 to 1, 5 seeds each (the
seed draws the initial weights). Each arm's rate is tuned on the validation set (400
images: the best mean accuracy over the 5 seeds); the notebook reports the test accuracy
(897 images) of the same 5 runs at that rate. Clipping is by the global norm at 1.
Writes experiments/results/11_remedies_sweep.json.
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

NAME = "11_remedies_sweep"
COMMAND = "python experiments/11_remedies_sweep.py"
LRS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
SEEDS = (0, 1, 2, 3, 4)
BUDGET = dict(depth=12, width=32, steps=100, momentum=0.9)

# name -> the keyword arguments of diagnostics.deep_mlp (and clip), as notebook 11 names its runs
ARMS = {
    "sigmoid (baseline)": dict(activation="sigmoid"),
    "tanh": dict(activation="tanh"),
    "ReLU": dict(activation="relu"),
    "sigmoid + Xavier": dict(activation="sigmoid", init="xavier"),
    "tanh + Xavier": dict(activation="tanh", init="xavier"),
    "ReLU + He": dict(activation="relu", init="he"),
    "sigmoid + residual": dict(activation="sigmoid", residual=True),
    "sigmoid + BatchNorm": dict(activation="sigmoid", norm="batch"),
    "sigmoid + LayerNorm": dict(activation="sigmoid", norm="layer"),
    "tanh + LayerNorm": dict(activation="tanh", norm="layer"),
    "ReLU + He + clipping": dict(activation="relu", init="he", clip=1.0),
    "ReLU, N(0, 0.3²)": dict(activation="relu", init="normal", weight_scale=0.3),
    "ReLU, N(0, 0.3²) + clipping": dict(activation="relu", init="normal", weight_scale=0.3, clip=1.0),
    "tanh, N(0, 1)": dict(activation="tanh", init="normal", weight_scale=1.0),
    "tanh, N(0, 1) + clipping": dict(activation="tanh", init="normal", weight_scale=1.0, clip=1.0),
}


def main() -> None:
    splits = D.digits_splits(n_train=500, n_val=400)
    results = {}
    start = time.perf_counter()
    for name, network in ARMS.items():
        results[name] = tune(D.tuning_run(splits, **BUDGET, **network), lrs=LRS, seeds=SEEDS, metric="val_acc",
                             name=name)
        print(f"{name:28s} {results[name].describe()}   [{time.perf_counter() - start:.0f} s]", file=sys.stderr,
              flush=True)
    setup = {"data": "digits_splits(n_train=500, n_val=400): 500 training, 400 validation, 897 test images",
             "network": "deep_mlp(depth=12, width=32, **arm)",
             "budget": "100 full-batch steps of SGD with momentum 0.9; clipping (where named) by the global norm at 1",
             "tuned": "each arm's learning rate, on the mean validation accuracy over the seeds",
             "reported": "the test accuracy of the same runs at the chosen rate",
             "seeds": list(SEEDS), "lrs": list(LRS), "arms": {k: dict(v) for k, v in ARMS.items()}}
    path = D.save_sweep(NAME, results, COMMAND, setup)
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
