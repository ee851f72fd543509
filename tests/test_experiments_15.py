"""Notebook 15's stored sweep (experiments/15_feedback_alignment.py): one point of it, rerun, gives the stored
numbers, and its training code gives the notebook's run at seed 0."""
import json
from pathlib import Path

import pytest
from helpers import experiment_script

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "experiments" / "results" / "15_feedback_alignment.json"


@pytest.mark.slow
def test_a_stored_point_is_reproduced():
    sweep = experiment_script("15_feedback_alignment.py")
    stored = json.loads(STORED.read_text())
    point = stored["results"]["feedback alignment, 2 hidden layers"]
    seed = stored["settings"]["eval_seeds"][0]
    again = sweep.train(point["best_lr"], seed, **sweep.ARMS["feedback alignment, 2 hidden layers"])
    assert again["val_acc"] == pytest.approx(point["eval"]["val_acc"][0], abs=0.006)
    assert again["first_epoch_at_95"] == point["eval"]["first_epoch_at_95"][0]


def test_the_stored_sweep_names_its_command_and_settings():
    stored = json.loads(STORED.read_text())
    assert stored["command"] == "python experiments/15_feedback_alignment.py"
    assert set(stored["settings"]["eval_seeds"]).isdisjoint(stored["settings"]["tune_seeds"])
    assert 0.05 in stored["settings"]["lrs"]                     # the notebook's rate is in the grid
    for name, point in stored["results"].items():
        assert len(point["eval"]["val_acc"]) == len(stored["settings"]["eval_seeds"]) >= 5, name
        assert point["best_lr"] in stored["settings"]["lrs"]
