"""The shared tuning helper: each arm at its own best learning rate, with the spread over seeds."""
import math

import pytest

from minigrad_course.tuning import comparison_table, compare, format_mean_sd, mean_sd, tune


def quadratic_run(best):
    """A fake training run whose score peaks at lr = best and wiggles a little with the seed."""
    def run(lr, seed):
        return {"val_acc": 1.0 - abs(math.log10(lr) - math.log10(best)) * 0.1 + 0.001 * seed, "val_loss": lr}
    return run


def test_mean_sd_is_the_sample_standard_deviation():
    assert mean_sd([1.0, 2.0, 3.0]) == (2.0, 1.0)
    assert mean_sd([5.0]) == (5.0, 0.0)
    assert format_mean_sd([0.9, 0.92]) == "0.910 ± 0.014"
    with pytest.raises(ValueError):
        mean_sd([])


def test_tune_picks_the_rate_with_the_best_mean():
    result = tune(quadratic_run(0.1), lrs=[0.01, 0.1, 1.0], seeds=[0, 1, 2])
    assert result.best_lr == 0.1
    assert result.scores == pytest.approx([1.0, 1.001, 1.002])
    assert not result.at_edge()
    assert result.describe() == "lr 0.1 (of 0.01-1): val_acc 1.001 ± 0.001 over 3 seeds"


def test_lower_is_better_and_a_diverged_run_counts_as_worst():
    def run(lr, seed):
        return {"loss": math.nan if lr > 0.5 else lr}
    result = tune(run, lrs=[0.1, 0.3, 1.0], seeds=[0], metric="loss", higher_is_better=False)
    assert result.best_lr == 0.1
    assert result.grid[1.0] == [math.inf]


def test_fresh_seeds_report_the_chosen_rate_without_the_selection_bias():
    calls = []

    def run(lr, seed):
        calls.append((lr, seed))
        return {"val_acc": lr}
    result = tune(run, lrs=[0.1, 0.2], seeds=[0, 1], evaluate_seeds=[10, 11, 12])
    assert result.best_lr == 0.2 and result.seeds == [10, 11, 12]
    assert calls[-3:] == [(0.2, 10), (0.2, 11), (0.2, 12)]


def test_compare_gives_each_arm_its_own_grid_and_flags_an_edge():
    results = compare({"narrow": quadratic_run(1.0), "wide": quadratic_run(0.1)},
                      lrs={"narrow": [0.01, 0.1], "wide": [0.01, 0.1, 1.0]}, seeds=[0, 1])
    assert results["narrow"].best_lr == 0.1 and results["narrow"].at_edge()
    assert results["wide"].best_lr == 0.1 and not results["wide"].at_edge()
    table = comparison_table(results)
    assert "narrow" in table.splitlines()[1] and table.splitlines()[1].endswith("*")
    assert "edge of the grid" in table.splitlines()[-1]


def test_a_run_without_the_metric_says_so():
    with pytest.raises(KeyError, match="without the metric 'val_acc'"):
        tune(lambda lr, seed: {"acc": 1.0}, lrs=[0.1], seeds=[0])


def test_plot_lr_sweep_draws_one_line_per_arm():
    plt = pytest.importorskip("matplotlib.pyplot")
    from minigrad_course.tuning import plot_lr_sweep

    results = compare({"a": quadratic_run(0.1), "b": quadratic_run(1.0)}, lrs=[0.01, 0.1, 1.0], seeds=[0, 1])
    ax = plot_lr_sweep(results)
    assert len(ax.lines) == 2 and ax.get_xscale() == "log"
    plt.close(ax.figure)
