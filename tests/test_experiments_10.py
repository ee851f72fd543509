"""The stored sweep of notebook 10 (experiments/10_depth_sweep.py): one of its points, rerun, gives the stored numbers."""
import math

import pytest

from minigrad_course import diagnostics as D
from helpers import experiment_script


def test_the_stored_sweep_is_complete_and_says_how_it_was_made():
    script = experiment_script("10_depth_sweep.py")
    results, meta = D.load_sweep(script.NAME)
    assert meta["command"] == script.COMMAND == "python experiments/10_depth_sweep.py"
    assert set(results) == set(script.arms())
    for name, (_, lrs) in script.arms().items():
        tuned = results[name]
        assert sorted(tuned.runs) == sorted(lrs) and tuned.seeds == list(script.SEEDS)
        assert tuned.best_lr == max(lrs, key=lambda lr: tuned.grid_means()[lr]), "the best mean validation accuracy"
    assert len(meta["extra"]["long_runs_12_layers"]) == len(script.LONG_RUNS)


@pytest.mark.slow
@pytest.mark.parametrize("arm, lr, seed", [("4 layers, SGD", 2.0, 3), ("12 layers, Adam", 0.003, 1)])
def test_one_point_of_the_sweep_reruns_to_the_stored_numbers(arm, lr, seed):
    script = experiment_script("10_depth_sweep.py")
    results, _ = D.load_sweep(script.NAME)
    kwargs, _ = script.arms()[arm]
    again = D.tuning_run(D.digits_splits(n_train=500, n_val=400), **kwargs)(lr=lr, seed=seed)
    stored = results[arm].runs[lr][list(script.SEEDS).index(seed)]
    for key in ("val_acc", "test_acc", "train_loss"):
        assert math.isclose(again[key], stored[key], rel_tol=1e-9, abs_tol=1e-12), key
