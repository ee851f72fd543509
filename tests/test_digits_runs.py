"""digits_runs: the seeded runs behind notebook 08's batch-size study and notebook 09's race and schedules."""
import math

import numpy as np
import pytest

from minigrad import optim
from minigrad_course import digits_runs, tuning


def test_splits_are_notebook_08s_and_a_disjoint_three_way_cut():
    two, three = digits_runs.digits_split(), digits_runs.digits_split(test=True)
    assert (len(two.y_train), len(two.y_val)) == (1437, 360) and two.X_test is None
    assert (len(three.y_train), len(three.y_val), len(three.y_test)) == (1077, 360, 360)
    np.testing.assert_array_equal(three.X_test, two.X_val)    # nb08's validation images are nb09's test set
    rows = lambda X: {row.tobytes() for row in X}
    assert not rows(three.X_train) & rows(three.X_test) and not rows(three.X_val) & rows(three.X_test)
    assert rows(three.X_train) | rows(three.X_val) == rows(two.X_train)
    assert two.X_train.max() == 1.0 and not two.X_train.flags.writeable


def test_steps_to_accuracy_counts_steps_and_is_repeatable():
    first = digits_runs.steps_to_accuracy(0.5, seed=0, batch_size=256, target=0.9)
    assert first == digits_runs.steps_to_accuracy(0.5, seed=0, batch_size=256, target=0.9)
    assert 1 <= first["steps"] < 100 and first["val_acc"] >= 0.9
    harder = digits_runs.steps_to_accuracy(0.5, seed=0, batch_size=256, target=0.95)
    assert harder["steps"] >= first["steps"]


def test_steps_to_accuracy_is_nan_when_the_target_is_out_of_reach():
    assert math.isnan(digits_runs.steps_to_accuracy(0.5, seed=0, batch_size=256, max_steps=5)["steps"])
    assert math.isnan(digits_runs.steps_to_accuracy(50.0, seed=0, batch_size=256, max_steps=50)["steps"])


def test_fit_steps_model_recovers_the_line_in_one_over_b():
    B = np.array([8, 32, 128, 512, 2048.0])
    s_min, e_min = digits_runs.fit_steps_model(B, 20 + 1500 / B)
    assert s_min == pytest.approx(20) and e_min == pytest.approx(1500)
    s_min, e_min = digits_runs.fit_steps_model(list(B) + [4.0], list(20 + 1500 / B) + [math.nan])
    assert s_min == pytest.approx(20)
    with pytest.raises(ValueError, match="at least two"):
        digits_runs.fit_steps_model([8, 16], [10.0, math.nan])


def _rates(schedule, total=20, per_epoch=4, lr=1.0):
    opt = optim.SGD(digits_runs.new_mlp(0).parameters(), lr=lr)
    scheduler = digits_runs.make_schedule(schedule, opt, total, per_epoch)
    rates = []
    for _ in range(total):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        if scheduler is not None:
            scheduler.step()
    return np.array(rates)


def test_schedules_follow_their_formulas():
    t = np.arange(20)
    np.testing.assert_allclose(_rates("constant"), np.ones(20))
    np.testing.assert_allclose(_rates("step"), 0.1 ** (t // 8))
    np.testing.assert_allclose(_rates("cosine"), 0.5 * (1 + np.cos(np.pi * t / 20)), atol=1e-12)
    warm = _rates("warm-up + cosine")
    np.testing.assert_allclose(warm[:5], 0.1 + 0.9 * t[:5] / 4, atol=1e-12)
    np.testing.assert_allclose(warm[4:], 0.5 * (1 + np.cos(np.pi * (t[4:] - 4) / 16)), atol=1e-12)
    with pytest.raises(ValueError, match="unknown schedule"):
        _rates("linear")


def test_train_digits_reports_validation_and_test_and_is_repeatable():
    run = digits_runs.train_digits("Adam", 0.02, seed=1, epochs=1)
    again = digits_runs.train_digits("Adam", 0.02, seed=1, epochs=1)
    assert run["test_loss"] == again["test_loss"] and run["val_acc"] == again["val_acc"]
    assert len(run["batch_losses"]) == len(run["lrs"]) == 34 and len(run["val_losses"]) == 1
    assert run["val_losses"][-1] == run["val_loss"] and 0.8 < run["test_acc"] <= 1.0
    other = digits_runs.train_digits("Adam", 0.02, seed=2, epochs=1)
    assert other["test_loss"] != run["test_loss"]
    scheduled = digits_runs.train_digits("Momentum", 0.2, seed=1, epochs=2, schedule="step")
    assert scheduled["lrs"][0] == 0.2 and scheduled["lrs"][-1] == pytest.approx(0.2)   # decays after 2 epochs
    assert digits_runs.train_digits("Momentum", 0.2, seed=1, epochs=3, schedule="step")["lrs"][-1] == pytest.approx(0.02)


def test_train_digits_gives_every_optimizer_the_same_start_and_batches():
    """At a rate of 0 no optimizer moves, so every one of them measures the same initial network."""
    losses = {name: digits_runs.train_digits(name, 0.0, seed=4, epochs=1)["test_loss"] for name in ("SGD", "Adam")}
    assert losses["SGD"] == losses["Adam"]


def test_a_run_whose_loss_is_not_finite_is_nan_and_tuning_counts_it_as_worst():
    run = digits_runs.train_digits("SGD", math.inf, seed=0, epochs=1)
    assert math.isnan(run["val_loss"]) and math.isnan(run["test_acc"])
    tuned = tuning.tune(digits_runs.train_digits, [0.05, math.inf, 1e6], seeds=[0], metric="val_loss",
                        higher_is_better=False, optimizer="SGD", epochs=1)
    assert tuned.best_lr == 0.05 and tuned.grid[1e6][0] > 100     # a finite but useless run loses too


def test_load_sweep_finds_the_stored_results_or_says_how_to_make_them():
    assert digits_runs.load_sweep("08_batch_size")["command"] == "python experiments/08_batch_size.py"
    with pytest.raises(FileNotFoundError, match="python experiments/99_nothing.py"):
        digits_runs.load_sweep("99_nothing")
