"""Notebook 12's stored sweep (experiments/12_regularizers.py): one point of it, rerun, gives the stored numbers."""
import json
from pathlib import Path

import pytest
from helpers import experiment_script

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "experiments" / "results" / "12_regularizers.json"


@pytest.mark.slow
@pytest.mark.parametrize("task, method", [("moons", "L2 penalty (Adam)"), ("moons", "early stopping"),
                                          ("digits", "shifted copies")])
def test_a_stored_point_is_reproduced(task, method):
    sweep = experiment_script("12_regularizers.py")
    stored = json.loads(STORED.read_text())
    assert stored["command"] == "python experiments/12_regularizers.py"
    point = stored["results"][task][method]
    strength_name, strengths, run = (sweep.MOONS if task == "moons" else sweep.DIGITS)[method]
    assert point["strength"] in strengths and point["lr"] in stored["settings"]["lrs"][task]
    seed = stored["settings"]["eval_seeds"][0]
    again = run(point["lr"], seed, point["strength"], test=True)
    for key in ("val_acc", "test_acc", "train_acc"):
        assert again[key] == pytest.approx(point["eval"][key][0], abs=0.005), key


def test_the_stored_sweep_names_its_command_and_settings():
    stored = json.loads(STORED.read_text())
    assert stored["command"] == "python experiments/12_regularizers.py"
    assert len(stored["settings"]["eval_seeds"]) >= 5
    assert set(stored["settings"]["eval_seeds"]).isdisjoint(stored["settings"]["tune_seeds"])
    for task in ("moons", "digits"):
        for method, point in stored["results"][task].items():
            assert len(point["eval"]["val_acc"]) == len(stored["settings"]["eval_seeds"]), (task, method)
