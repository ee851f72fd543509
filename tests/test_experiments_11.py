"""The stored sweep of notebook 11 (experiments/11_remedies_sweep.py): one of its points, rerun, gives the stored numbers."""
import math

import pytest

from minigrad_course import diagnostics as D
from helpers import experiment_script


def test_the_stored_sweep_is_complete_and_says_how_it_was_made():
    script = experiment_script("11_remedies_sweep.py")
    results, meta = D.load_sweep(script.NAME)
    assert meta["command"] == script.COMMAND == "python experiments/11_remedies_sweep.py"
    assert set(results) == set(script.ARMS)
    for tuned in results.values():
        assert sorted(tuned.runs) == sorted(script.LRS) and tuned.seeds == list(script.SEEDS)
        assert tuned.best_lr == max(script.LRS, key=lambda lr: tuned.grid_means()[lr])


@pytest.mark.slow
@pytest.mark.parametrize("arm, lr, seed", [("ReLU + He + clipping", 0.05, 2), ("sigmoid + BatchNorm", 0.1, 4)])
def test_one_point_of_the_sweep_reruns_to_the_stored_numbers(arm, lr, seed):
    script = experiment_script("11_remedies_sweep.py")
    results, _ = D.load_sweep(script.NAME)
    run = D.tuning_run(D.digits_splits(n_train=500, n_val=400), **script.BUDGET, **script.ARMS[arm])
    again = run(lr=lr, seed=seed)
    stored = results[arm].runs[lr][list(script.SEEDS).index(seed)]
    for key in ("val_acc", "test_acc", "train_loss"):
        assert math.isclose(again[key], stored[key], rel_tol=1e-9, abs_tol=1e-12) or (
            math.isnan(again[key]) and math.isnan(stored[key])), key
