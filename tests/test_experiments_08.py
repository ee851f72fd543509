"""The stored sweep behind notebook 08's batch-size section: one of its points, rerun."""
import json
from pathlib import Path

import pytest

from minigrad_course import digits_runs

STORED = Path(__file__).resolve().parent.parent / "experiments" / "results" / "08_batch_size.json"


@pytest.fixture(scope="module")
def sweep():
    return json.loads(STORED.read_text())


def test_stored_sweep_says_how_it_was_made(sweep):
    assert sweep["command"] == "python experiments/08_batch_size.py"
    assert [r["batch_size"] for r in sweep["rows"]] == [8, 16, 32, 64, 128, 256, 512, 1437]
    for row in sweep["rows"]:
        assert len(row["fresh_steps"]) == len(sweep["fresh_seeds"]) == 5
        assert set(row["tuning_steps"]) == {f"{lr:g}" for lr in sweep["lrs"]}
    s_min, e_min = digits_runs.fit_steps_model([r["batch_size"] for r in sweep["rows"]],
                                               [sum(r["fresh_steps"]) / 5 for r in sweep["rows"]])
    assert sweep["fit"]["B_crit"] == pytest.approx(e_min / s_min)


@pytest.mark.slow
def test_one_point_of_the_sweep_reruns_to_the_stored_steps(sweep):
    """B = 256 at its tuned rate, on the first fresh seed: the same step count."""
    row = next(r for r in sweep["rows"] if r["batch_size"] == 256)
    seed = sweep["fresh_seeds"][0]
    got = digits_runs.steps_to_accuracy(row["best_lr"], seed, 256, target=sweep["target"],
                                        max_steps=sweep["max_steps"])
    assert got["steps"] == row["fresh_steps"][0]
