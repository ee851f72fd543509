"""minigrad_course.race: the landscapes, the runs of the real optimizers, the tuning, the pictures and the widget."""
import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from minigrad import optim# noqa: E402
from minigrad_course import race# noqa: E402
from minigrad.tensor import Tensor  # noqa: E402

try:
    import torch
except ImportError:  # the cross-check with PyTorch skips itself
    torch = None


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def autograd_gradient(landscape, point):
    p = Tensor(np.asarray(point, dtype=np.float64), requires_grad=True)
    landscape(p).backward()
    return np.array(p.grad)


def rosenbrock_gradient(x, y):
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


# --- the landscapes -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(race.LANDSCAPES))
def test_landscape_minimum_start_and_window(name):
    f = race.get_landscape(name)
    assert f.name == name and race.get_landscape(f) is f
    assert f.values(f.minimum) == pytest.approx(0.0, abs=1e-12)
    assert f.values(f.start) > 1.0
    np.testing.assert_allclose(autograd_gradient(f, f.minimum), 0.0, atol=1e-12)
    (x_lo, x_hi), (y_lo, y_hi) = f.bounds
    for x, y in (f.start, f.minimum):
        assert x_lo < x < x_hi and y_lo < y < y_hi


def test_values_on_a_grid_and_one_point_agree():
    gx, gy, fs = race.rosenbrock.grid(nx=7, ny=5)
    assert gx.shape == gy.shape == fs.shape == (5, 7)
    assert fs[2, 3] == pytest.approx(float(race.rosenbrock.values([gx[2, 3], gy[2, 3]])))


def test_rosenbrock_and_ravine_gradients_by_autograd():
    rng = np.random.default_rng(0)
    a1, a2 = race.RAVINE_CURVATURES
    for x, y in rng.uniform(-2, 2, size=(5, 2)):
        assert race.rosenbrock.values([x, y]) == pytest.approx((1 - x) ** 2 + 100 * (y - x * x) ** 2)
        np.testing.assert_allclose(autograd_gradient(race.rosenbrock, [x, y]), rosenbrock_gradient(x, y), rtol=1e-12)
        np.testing.assert_allclose(autograd_gradient(race.ravine, [x, y]), [a1 * (x - 1), a2 * (y - 1)], rtol=1e-12)


def test_rotated_ravine_is_the_ravine_turned_about_the_minimum():
    c = s = math.sqrt(0.5)
    rng = np.random.default_rng(1)
    for u, w in rng.normal(size=(4, 2)):
        turned = (1 + u * c - w * s, 1 + u * s + w * c)   # u along the diagonal, w across it
        assert race.rotated_ravine.values(turned) == pytest.approx(float(race.ravine.values((1 + u, 1 + w))))
    start_offset = np.subtract(race.rotated_ravine.start, 1.0)
    np.testing.assert_allclose([start_offset @ [c, s], start_offset @ [-s, c]], np.subtract(race.ravine.start, 1.0))


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown function 'himmelblau'.*ravine"):
        race.get_landscape("himmelblau")
    with pytest.raises(ValueError, match="unknown optimizer 'lion'.*Adam"):
        race.trajectory("lion", lr=0.1)
    with pytest.raises(ValueError, match="start must be a point"):
        race.trajectory("SGD", lr=0.01, start=[1.0, 2.0, 3.0])


# --- the optimizers ------------------------------------------------------------------------


def test_make_optimizer_builds_each_racer_with_torch_defaults():
    p = Tensor(np.zeros(2), requires_grad=True)
    expected = {"SGD": (optim.SGD, dict(momentum=0, nesterov=False)),
                "Momentum": (optim.SGD, dict(momentum=0.9, nesterov=False)),
                "Nesterov": (optim.SGD, dict(momentum=0.9, nesterov=True)),
                "Adagrad": (optim.Adagrad, dict(lr_decay=0)), "RMSprop": (optim.RMSprop, dict(alpha=0.99)),
                "Adam": (optim.Adam, dict(betas=(0.9, 0.999), weight_decay=0)),
                "AdamW": (optim.AdamW, dict(weight_decay=0.01))}
    assert list(race.OPTIMIZERS) == list(expected)
    for name, (cls, options) in expected.items():
        opt = race.make_optimizer(name.lower(), [p], lr=0.5)
        assert type(opt) is cls and opt.lr == 0.5
        assert {k: opt.param_groups[0][k] for k in options} == options
    assert race.make_optimizer("Momentum", [p], lr=0.1, momentum=0.5).param_groups[0]["momentum"] == 0.5


@pytest.mark.parametrize("function", list(race.LANDSCAPES))
def test_every_optimizer_has_a_tuned_rate_from_the_grid(function):
    assert set(race.TUNED_LRS[function]) == set(race.OPTIMIZERS)
    for name in race.OPTIMIZERS:
        assert race.tuned_lr(name, function) in race.LR_GRID


# --- trajectories --------------------------------------------------------------------------


def test_sgd_on_the_ravine_follows_the_closed_form():
    run = race.trajectory("SGD", lr=0.02, steps=30, function="ravine")
    t = np.arange(31)[:, None]
    factors = 1 - 0.02 * np.array(race.RAVINE_CURVATURES)
    expected = 1 + factors ** t * (np.array(race.ravine.start) - 1)
    assert run.path.shape == (31, 2) and run.losses.shape == (31,)
    np.testing.assert_allclose(run.path, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(run.losses, race.ravine.values(run.path), rtol=1e-12)
    assert not run.diverged and run.final_loss == pytest.approx(run.losses[-1])
    assert (run.optimizer, run.function, run.lr) == ("SGD", "ravine", 0.02)


def test_momentum_matches_a_numpy_loop():
    run = race.trajectory("Momentum", lr=0.001, steps=40, function="rosenbrock")
    p, buf = np.array(race.rosenbrock.start), np.zeros(2)
    for t in range(40):
        buf = 0.9 * buf + rosenbrock_gradient(*p)
        p = p - 0.001 * buf
        np.testing.assert_allclose(run.path[t + 1], p, rtol=1e-12)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name, cls, options", [
    ("Nesterov", "SGD", dict(momentum=0.9, nesterov=True)), ("Adagrad", "Adagrad", {}),
    ("RMSprop", "RMSprop", {}), ("Adam", "Adam", {}), ("AdamW", "AdamW", {})])
def test_paths_match_torch_optim(name, cls, options):
    lr = race.tuned_lr(name, "rosenbrock")
    run = race.trajectory(name, steps=60, function="rosenbrock")
    p = torch.tensor(race.rosenbrock.start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([p], lr=lr, **options)
    for t in range(60):
        opt.zero_grad()
        ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
        opt.step()
        np.testing.assert_allclose(run.path[t + 1], p.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_defaults_come_from_the_landscape_and_the_tuned_rates():
    run = race.trajectory("Adam", function="rosenbrock")
    assert run.lr == race.TUNED_LRS["rosenbrock"]["Adam"]
    assert len(run.path) == race.rosenbrock.steps + 1
    np.testing.assert_array_equal(run.path[0], race.rosenbrock.start)
    other = race.trajectory("Adam", lr=0.05, start=(0.0, 0.0), steps=5, function=race.rosenbrock)
    np.testing.assert_array_equal(other.path[0], [0.0, 0.0])
    assert len(other.path) == 6


def test_a_diverging_run_stops_and_says_so():
    run = race.trajectory("SGD", lr=0.1, steps=200, function="ravine")   # 0.1 > 2 / 80
    assert run.diverged and run.final_loss == math.inf
    assert len(run.path) < 201 and np.all(np.isfinite(run.path))
    assert len(run.losses) == len(run.path)
    assert race.score(run) == math.inf


def test_steps_to():
    run = race.trajectory("Adagrad", function="ravine")
    first = run.steps_to(1e-6)
    assert first is not None and run.losses[first] <= 1e-6 < run.losses[first - 1]
    assert race.trajectory("SGD", steps=3, function="ravine").steps_to(1e-6) is None


@pytest.mark.parametrize("name", ["SGD", "Momentum", "RMSprop", "Adam"])
def test_sweep_equals_one_trajectory_per_rate(name):
    lrs = [0.001, 0.02, 0.5, 5.0]   # some diverge
    runs = race.sweep(name, lrs, "ravine", steps=40)
    assert [r.lr for r in runs] == lrs
    for run, lr in zip(runs, lrs):
        alone = race.trajectory(name, lr=lr, steps=40, function="ravine")
        assert run.diverged == alone.diverged
        np.testing.assert_allclose(run.path, alone.path, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(run.losses, alone.losses, rtol=1e-12, atol=1e-14)


def test_race_runs_equal_one_trajectory_per_optimizer():
    runs = race.race_runs(["SGD", "Nesterov", "Adagrad", "AdamW"], function="rosenbrock", lrs={"sgd": 0.01},
                          steps=60)
    assert [r.optimizer for r in runs] == ["SGD", "Nesterov", "Adagrad", "AdamW"]
    assert runs[0].lr == 0.01 and runs[0].diverged                 # far too large on the banana
    for run in runs:
        alone = race.trajectory(run.optimizer, lr=run.lr, steps=60, function="rosenbrock")
        assert run.lr == alone.lr and run.diverged == alone.diverged
        np.testing.assert_allclose(run.path, alone.path, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(run.losses, alone.losses, rtol=1e-12, atol=1e-14)
    assert [r.optimizer for r in race.race_runs(steps=2)] == list(race.OPTIMIZERS)


def test_score_is_the_mean_log_loss_and_rejects_spikes():
    run = race.Trajectory("SGD", "ravine", 0.1, np.zeros((4, 2)), np.array([100.0, 1.0, 1e-3, 1e-20]))
    assert race.score(run) == pytest.approx((2 + 0 - 3 - 10) / 4)
    spike = race.Trajectory("SGD", "ravine", 0.1, np.zeros((3, 2)), np.array([1.0, 5.0, 1e-3]))
    assert race.score(spike) == math.inf


def test_tune_lr_picks_the_best_score():
    lrs = [0.001, 0.01, 0.02, 0.05]
    runs = race.sweep("SGD", lrs, "ravine")
    scores = [race.score(r) for r in runs]
    assert scores[-1] == math.inf                  # past 2 / 80: unstable
    assert race.tune_lr("SGD", "ravine", lrs=lrs) == lrs[int(np.argmin(scores))] == 0.02


@pytest.mark.parametrize("function", [
    "ravine", "rotated_ravine", pytest.param("rosenbrock", marks=pytest.mark.slow)])
def test_tuned_rates_are_what_tune_lr_finds(function):
    found = {name: race.tune_lr(name, function) for name in race.OPTIMIZERS}
    assert found == race.TUNED_LRS[function]


def test_race_story_on_the_ravines():
    """What the notebook says: momentum beats SGD; per-coordinate scaling solves the axis-aligned
    ravine, not the turned one; SGD and momentum do not care about the turn."""
    final = {f: {n: race.trajectory(n, function=f).final_loss for n in race.OPTIMIZERS}
             for f in ("ravine", "rotated_ravine")}
    straight, turned = final["ravine"], final["rotated_ravine"]
    assert straight["Momentum"] < straight["SGD"] / 100 and straight["Nesterov"] < straight["Momentum"]
    assert straight["Adagrad"] < 1e-12 and straight["RMSprop"] < 1e-12
    assert turned["Adagrad"] > 1e-2 and turned["RMSprop"] > 1e-2
    for name in ("SGD", "Momentum", "Nesterov"):
        assert turned[name] == pytest.approx(straight[name], rel=1e-6)


# --- pictures ------------------------------------------------------------------------------


def test_plot_race_draws_paths_and_losses_for_each_function():
    fig = race.plot_race(["SGD", "adam"], function=["ravine", "rosenbrock"], steps=20)
    axes = np.array(fig.axes).reshape(2, 2)
    for column, name in enumerate(["ravine", "rosenbrock"]):
        ax_path, ax_loss = axes[0, column], axes[1, column]
        labels = ax_path.get_legend_handles_labels()[1]
        assert labels == ["start", "minimum", "SGD (lr=0.02)" if name == "ravine" else "SGD (lr=0.001)",
                          f"Adam (lr={race.TUNED_LRS[name]['Adam']:g})"]
        assert ax_path.get_xlabel() and ax_path.get_ylabel() and name in ax_path.get_title().lower()
        assert ax_loss.get_yscale() == "log" and ax_loss.get_xlabel() == "step t"
        assert len(ax_loss.get_lines()) == 2 and ax_loss.get_legend() is not None
    assert "tuned" in fig._suptitle.get_text()



def test_loss_panels_are_titled_with_short_names():
    fig = race.plot_race(["SGD"], function=["rosenbrock", "rotated_ravine"], steps=5)
    titles = [ax.get_title() for ax in np.array(fig.axes).reshape(2, 2)[1]]
    assert titles == ["loss per step, Rosenbrock", "loss per step, ravine turned by 45°"]

def test_plot_race_uses_given_rates_and_marks_divergence():
    fig = race.plot_race(["SGD"], function="ravine", lrs={"sgd": 0.1}, steps=100)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "SGD (lr=0.1)  diverged" in labels
    assert "tuned" not in fig._suptitle.get_text()


def test_plot_lr_sweep_draws_one_curve_per_optimizer():
    fig = race.plot_lr_sweep("ravine", ["SGD", "Adam"], lrs=[0.001, 0.01, 0.1], steps=20)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_ylabel() and ax.get_title()
    assert ax.get_legend_handles_labels()[1] == ["SGD", "Adam"]


# --- the widget ------------------------------------------------------------------------------


def test_interactive_race_redraws_and_resets_rates_with_the_function(monkeypatch):
    pytest.importorskip("ipywidgets")
    calls = []
    real = race.plot_race

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **{**kwargs, "steps": 5})
    monkeypatch.setattr(race, "plot_race", counting)

    box = race.interactive_race(["SGD", "Adam"], function="ravine")
    controls = box.controls
    assert len(calls) == 1 and bytes(box.image.value).startswith(b"\x89PNG")
    assert controls["optimizers"].value == ("SGD", "Adam")
    assert controls["Adam"].value == pytest.approx(race.TUNED_LRS["ravine"]["Adam"])

    controls["function"].value = "rosenbrock"
    assert len(calls) == 2, "changing the function redraws once, after every slider is reset"
    assert calls[-1]["function"] == "rosenbrock"
    for name in race.OPTIMIZERS:
        assert controls[name].value == pytest.approx(race.TUNED_LRS["rosenbrock"][name])
    assert controls["steps"].value == race.rosenbrock.steps

    controls["SGD"].value = 0.0005
    controls["optimizers"].value = ("SGD", "Momentum", "RMSprop")
    assert len(calls) == 4
    assert calls[-1]["lrs"]["SGD"] == pytest.approx(0.0005) and list(calls[-1]["optimizers"]) == [
        "SGD", "Momentum", "RMSprop"]
