"""Notebook 09, section 8: the seven optimizers, and four learning-rate schedules, on the digits.

    python experiments/09_optimizers_digits.py         # about 5 minutes on a 2-core laptop

Each arm (an optimizer, or SGD with momentum / Adam under a schedule) trains notebook 08's MLP
64-64-10 for 5 epochs, batches of 32, on the three-way split of `digits_runs.digits_split(test=True)`
(1,077 training, 360 validation, 360 test images). `tuning.tune` runs every learning rate of LRS
on the tuning seeds and keeps the rate with the lowest mean validation loss (a run that diverges
counts as the worst); that rate is run again on fresh seeds, and their validation and test
metrics are stored. The test images play no part in any choice. Writes
experiments/results/09_optimizers_digits.json.
"""
from __future__ import annotations

import datetime
import json
import math
import platform
import sys
from pathlib import Path

from minigrad_course import digits_runs, tuning

LRS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
TUNING_SEEDS = [0, 1, 2]
FRESH_SEEDS = [3, 4, 5, 6, 7]
EPOCHS, BATCH = 5, 32
OPTIMIZERS = ["SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam", "AdamW"]
SCHEDULED = ["Momentum", "Adam"]
OUT = Path(__file__).resolve().parent / "results" / "09_optimizers_digits.json"


def finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def run_arm(optimizer: str, schedule: str) -> dict:
    tuned = tuning.tune(digits_runs.train_digits, LRS, TUNING_SEEDS, metric="val_loss", higher_is_better=False,
                        optimizer=optimizer, schedule=schedule, epochs=EPOCHS, batch_size=BATCH)
    fresh = [digits_runs.train_digits(optimizer, tuned.best_lr, seed, EPOCHS, BATCH, schedule)
             for seed in FRESH_SEEDS]
    row = {"optimizer": optimizer, "schedule": schedule, "best_lr": tuned.best_lr, "at_edge": tuned.at_edge(),
           "tuning_val_loss": {f"{lr:g}": [finite_or_none(r["val_loss"]) for r in tuned.runs[lr]] for lr in LRS}}
    for key in ("val_loss", "val_acc", "test_loss", "test_acc"):
        row[f"fresh_{key}"] = [finite_or_none(r[key]) for r in fresh]
    test = tuning.format_mean_sd([r["test_acc"] for r in fresh])
    print(f"{optimizer:>9} {schedule:>17}: lr {tuned.best_lr:g}{' (edge)' if tuned.at_edge() else ''}, "
          f"test accuracy {test}", flush=True)
    return row


def main() -> int:
    rows = [run_arm(name, "constant") for name in OPTIMIZERS]
    rows += [run_arm(name, schedule) for name in SCHEDULED for schedule in digits_runs.SCHEDULES
             if schedule != "constant"]
    result = {
        "command": "python experiments/09_optimizers_digits.py",
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
        "what": "MLP 64-64-10, 5 epochs, batches of 32; per arm, the rate of LRS with the lowest mean validation "
                "loss on the tuning seeds, then run on fresh seeds; test set never used for a choice",
        "epochs": EPOCHS, "batch_size": BATCH, "lrs": LRS, "tuning_seeds": TUNING_SEEDS, "fresh_seeds": FRESH_SEEDS,
        "schedules": digits_runs.SCHEDULES,
        "rows": rows,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
