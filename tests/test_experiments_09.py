"""The stored sweep behind notebook 09's digits race and schedules: one of its points, rerun."""
import json
from pathlib import Path

import pytest

from minigrad_course import digits_runs, race

STORED = Path(__file__).resolve().parent.parent / "experiments" / "results" / "09_optimizers_digits.json"


@pytest.fixture(scope="module")
def sweep():
    return json.loads(STORED.read_text())


def test_stored_sweep_covers_every_optimizer_and_schedule(sweep):
    assert sweep["command"] == "python experiments/09_optimizers_digits.py"
    arms = {(r["optimizer"], r["schedule"]) for r in sweep["rows"]}
    assert {(name, "constant") for name in race.OPTIMIZERS} <= arms
    assert {(name, s) for name in ("Momentum", "Adam") for s in digits_runs.SCHEDULES} <= arms
    for row in sweep["rows"]:
        assert len(row["fresh_test_acc"]) == len(sweep["fresh_seeds"]) == 5
        means = {lr: sum(v) / len(v) for lr, v in row["tuning_val_loss"].items() if None not in v}
        assert min(means, key=means.get) == f"{row['best_lr']:g}"   # the stored rate is the grid's best


@pytest.mark.slow
@pytest.mark.parametrize("optimizer, schedule", [("SGD", "constant"), ("Adam", "warm-up + cosine")])
def test_one_point_of_the_sweep_reruns_to_the_stored_numbers(sweep, optimizer, schedule):
    row = next(r for r in sweep["rows"] if (r["optimizer"], r["schedule"]) == (optimizer, schedule))
    seed = sweep["fresh_seeds"][0]
    got = digits_runs.train_digits(optimizer, row["best_lr"], seed, sweep["epochs"], sweep["batch_size"], schedule)
    assert got["test_loss"] == pytest.approx(row["fresh_test_loss"][0], rel=1e-6)
    assert got["test_acc"] == pytest.approx(row["fresh_test_acc"][0])
