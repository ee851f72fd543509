"""Notebook 08, section 10: steps to 95% validation accuracy against the batch size, each batch size
at its own tuned learning rate.

    python experiments/08_batch_size.py            # about 2 minutes on a 2-core laptop

For each batch size B, `tuning.tune` runs SGD with momentum 0.9 at every learning rate of LRS on the
tuning seeds and keeps the rate with the fewest mean steps to 95% validation accuracy (a run that
never gets there counts as the worst); that rate is then run again on fresh seeds, whose steps are
reported. Then the line S = S_min + E_min / B is fitted to the fresh seeds' mean steps
(`digits_runs.fit_steps_model`), and B_crit = E_min / S_min. Writes experiments/results/08_batch_size.json.
"""
from __future__ import annotations

import datetime
import json
import math
import platform
import sys
from pathlib import Path

from minigrad_course import digits_runs, tuning

BATCH_SIZES = [8, 16, 32, 64, 128, 256, 512, 1437]
LRS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
TUNING_SEEDS = [0, 1, 2]
FRESH_SEEDS = [3, 4, 5, 6, 7]
TARGET, MAX_STEPS = 0.95, 1000
OUT = Path(__file__).resolve().parent / "results" / "08_batch_size.json"


def finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def main() -> int:
    rows = []
    for B in BATCH_SIZES:
        tuned = tuning.tune(digits_runs.steps_to_accuracy, LRS, TUNING_SEEDS, metric="steps",
                            higher_is_better=False, evaluate_seeds=FRESH_SEEDS, name=f"B={B}",
                            batch_size=B, target=TARGET, max_steps=MAX_STEPS)
        rows.append({"batch_size": B, "best_lr": tuned.best_lr, "at_edge": tuned.at_edge(),
                     "tuning_steps": {f"{lr:g}": [finite_or_none(v) for v in tuned.grid[lr]] for lr in LRS},
                     "fresh_steps": [finite_or_none(v) for v in tuned.scores]})
        print(f"B={B:5d}: {tuned.describe(1)}", flush=True)
    means = [tuning.mean_sd(r["fresh_steps"])[0] if None not in r["fresh_steps"] else math.nan for r in rows]
    s_min, e_min = digits_runs.fit_steps_model(BATCH_SIZES, means)
    result = {
        "command": "python experiments/08_batch_size.py",
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
        "what": "steps of SGD (momentum 0.9) until the validation accuracy first reaches 95%, MLP 64-64-10 on "
                "notebook 08's split; per batch size, the rate with the fewest mean steps on the tuning seeds, "
                "run again on fresh seeds",
        "target": TARGET, "max_steps": MAX_STEPS, "lrs": LRS,
        "tuning_seeds": TUNING_SEEDS, "fresh_seeds": FRESH_SEEDS,
        "rows": rows,
        "fit": {"S_min": s_min, "E_min": e_min, "B_crit": e_min / s_min},
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"S_min = {s_min:.1f} steps, E_min = {e_min:.0f} examples, B_crit = {e_min / s_min:.0f}; wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
