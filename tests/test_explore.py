"""minigrad_course.explore: the functions behind notebooks 05 and 06's widgets."""
import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from minigrad_course import explore# noqa: E402

X = np.linspace(-7.0, 7.0, 57)
ERF = np.vectorize(math.erf)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- activation_curve: values and autograd derivatives against closed forms ----------

def closed_forms(name, x, slope=0.01):
    s = 1 / (1 + np.exp(-x))
    cdf = 0.5 * (1 + ERF(x / math.sqrt(2)))
    pdf = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    return {
        "sigmoid": (s, s * (1 - s)),
        "tanh": (np.tanh(x), 1 - np.tanh(x) ** 2),
        "relu": (np.maximum(x, 0), (x > 0).astype(float)),
        "leaky_relu": (np.where(x > 0, x, slope * x), np.where(x > 0, 1.0, slope)),
        "gelu": (x * cdf, cdf + x * pdf),
    }[name]


@pytest.mark.parametrize("name", list(explore.ACTIVATIONS))
def test_activation_curve_matches_closed_forms(name):
    y, dy = explore.activation_curve(name, X)
    f, df = closed_forms(name, X)
    assert y.shape == dy.shape == X.shape and y.dtype == dy.dtype == np.float64
    np.testing.assert_allclose(y, f, atol=1e-12)
    np.testing.assert_allclose(dy, df, atol=1e-12)


def test_activation_curve_passes_parameters():
    y, dy = explore.activation_curve("leaky_relu", X, negative_slope=0.2)
    f, df = closed_forms("leaky_relu", X, slope=0.2)
    np.testing.assert_allclose(y, f)
    np.testing.assert_allclose(dy, df)
    _, exact = explore.activation_curve("gelu", X)
    _, approx = explore.activation_curve("gelu", X, approximate="tanh")
    assert 0 < np.abs(exact - approx).max() < 0.02


def test_activation_curve_keeps_shape_and_known_peaks():
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    y, dy = explore.activation_curve("tanh", x)
    assert y.shape == dy.shape == (3, 4)
    assert explore.activation_curve("sigmoid", [0.0])[1][0] == pytest.approx(0.25)
    assert explore.activation_curve("tanh", [0.0])[1][0] == pytest.approx(1.0)


def test_activation_curve_rejects_unknown_names_and_parameters():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*sigmoid"):
        explore.activation_curve("swish", X)
    with pytest.raises(ValueError, match="sigmoid does not take negative_slope"):
        explore.activation_curve("sigmoid", X, negative_slope=0.1)


# --- saturation_regions -----------------------------------------------------------------

def test_relu_is_dead_for_negative_inputs():
    x = np.linspace(-3, 3, 7)
    _, dy = explore.activation_curve("relu", x)
    assert explore.saturation_regions(x, dy) == [(-3.0, 0.0, "dead")]


def test_sigmoid_saturates_in_both_tails_where_its_derivative_drops_below_threshold():
    x = np.linspace(-8, 8, 1601)
    _, dy = explore.activation_curve("sigmoid", x)
    (lo1, hi1, k1), (lo2, hi2, k2) = explore.saturation_regions(x, dy, threshold=0.01)
    # s(1 - s) = 0.01  <=>  s = (1 - sqrt(0.96)) / 2,  x = log(s / (1 - s))
    s = (1 - math.sqrt(0.96)) / 2
    edge = math.log(s / (1 - s))
    assert (k1, k2) == ("saturated", "saturated")
    assert lo1 == -8 and hi2 == 8
    assert hi1 == pytest.approx(edge, abs=0.011) and lo2 == pytest.approx(-edge, abs=0.011)


def test_leaky_relu_is_never_dead_and_only_saturated_for_a_tiny_slope():
    x = np.linspace(-3, 3, 61)
    assert explore.saturation_regions(x, explore.activation_curve("leaky_relu", x, negative_slope=0.1)[1]) == []
    tiny = explore.saturation_regions(x, explore.activation_curve("leaky_relu", x, negative_slope=0.001)[1])
    assert tiny == [(-3.0, 0.0, "saturated")]


def test_saturation_regions_of_a_live_function_is_empty():
    assert explore.saturation_regions([0.0, 1.0, 2.0], [1.0, 1.0, 1.0]) == []


# --- the activation plots ------------------------------------------------------------------

def test_plot_activation_draws_function_and_derivative_with_shading():
    fig = explore.plot_activation("relu", (-4, 4))
    ax_f, ax_d = fig.axes
    assert ax_f.get_xlabel() == ax_d.get_xlabel() == "x"
    assert ax_f.get_ylabel() == "f(x)" and ax_d.get_ylabel() == "f'(x)"
    assert ax_f.get_title() == "relu" and "relu" in ax_d.get_title()
    assert ax_f.get_xlim() == (-4.0, 4.0)
    assert any("dead" in t.get_text() for t in ax_d.get_legend().get_texts())
    assert any("max f' = 1.000" in t.get_text() for t in ax_d.get_legend().get_texts())
    np.testing.assert_allclose(ax_d.get_lines()[0].get_ydata().max(), 1.0)


def test_plot_activation_ignores_parameters_of_other_activations():
    fig = explore.plot_activation("sigmoid", negative_slope=0.3)
    assert fig.axes[0].get_title() == "sigmoid"
    fig = explore.plot_activation("leaky_relu", negative_slope=0.3)
    assert fig.axes[0].get_title() == "leaky_relu(negative_slope=0.3)"
    np.testing.assert_allclose(fig.axes[1].get_lines()[0].get_ydata().min(), 0.3)


def test_plot_activation_draws_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    assert explore.plot_activation("tanh", axes=axes, legend=False) is fig
    assert axes[0].get_legend() is None


def test_plot_activations_grid():
    fig = explore.plot_activations(["sigmoid", "relu"])
    assert len(fig.axes) == 4
    titles = [ax.get_title() for ax in fig.axes]
    assert "sigmoid" in titles and "relu'(x)" in titles
    assert fig.legends and fig._suptitle is not None
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "max f' = 0.250" in texts


def test_plot_activation_rejects_unknown_name():
    with pytest.raises(ValueError, match="unknown activation"):
        explore.plot_activation("softsign")


# --- problems and autograd gradients ----------------------------------------------------

def test_quadratic_values_and_autograd_gradient():
    problem = explore.quadratic([1.0, 10.0])
    loss, grad = explore.loss_and_grad(problem, [2.0, -1.0])
    assert loss == pytest.approx(0.5 * (4 + 10))
    np.testing.assert_allclose(grad, [2.0, -10.0])
    grid = np.zeros((3, 4, 2))
    grid[..., 0] = 2.0
    np.testing.assert_allclose(problem.values(grid), np.full((3, 4), 2.0))
    assert problem.max_stable_lr == pytest.approx(0.2) and problem.dim == 2


def test_quadratic_rejects_bad_input():
    with pytest.raises(ValueError, match="positive"):
        explore.quadratic([1.0, -1.0])
    with pytest.raises(ValueError, match="length 2"):
        explore.quadratic([1.0, 2.0], x0=[1.0])


def test_named_problems():
    assert set(explore.PROBLEMS) == {"quadratic_1d", "valley_2d"}
    assert explore.get_problem("quadratic_1d").max_stable_lr == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unknown problem 'rosen'"):
        explore.get_problem("rosen")


# --- descend and classify: the learning-rate rule on f(x) = a x^2 / 2 -----------------------

A = 4.0  # curvature: converges monotonically for lr < 1/A, oscillating for 1/A < lr < 2/A, diverges above


def one_d(a=A):
    return explore.quadratic([a], x0=[3.0])


@pytest.mark.parametrize("lr", [0.2 / A, 0.5 / A, 0.9 / A])
def test_small_learning_rates_converge_monotonically(lr):
    run = explore.descend(one_d(), lr=lr, steps=200)
    assert run.status == "converges"
    assert np.all(np.diff(run.losses) <= 0) and np.all(run.path >= 0)  # never overshoots 0
    assert np.all(np.diff(run.losses[:10]) < 0)


@pytest.mark.parametrize("lr", [1.1 / A, 1.5 / A, 1.9 / A])
def test_learning_rates_between_one_and_two_over_a_oscillate_and_converge(lr):
    run = explore.descend(one_d(), lr=lr, steps=200)
    assert run.status == "oscillates"
    assert run.losses[-1] < 1e-6 * run.losses[0]
    assert np.all(np.sign(run.path[1:6, 0]) == [-1, 1, -1, 1, -1])


@pytest.mark.parametrize("lr", [2.1 / A, 3.0 / A, 10.0 / A])
def test_learning_rates_above_two_over_a_diverge(lr):
    run = explore.descend(one_d(), lr=lr, steps=200)
    assert run.status == "diverges"
    assert run.losses[-1] > run.losses[0]


def test_path_follows_the_closed_form():
    lr, steps = 0.3 / A, 12
    run = explore.descend(one_d(), lr=lr, steps=steps)
    expected = 3.0 * (1 - lr * A) ** np.arange(steps + 1)
    np.testing.assert_allclose(run.path[:, 0], expected)
    np.testing.assert_allclose(run.losses, 0.5 * A * expected ** 2)
    assert run.path.shape == (steps + 1, 1) and run.lr == lr and not run.blew_up


def test_a_tiny_learning_rate_is_slow():
    assert explore.descend(one_d(), lr=0.001, steps=50).status == "slow"


def test_divergence_stops_when_the_iterates_blow_up():
    run = explore.descend(one_d(), lr=100.0, steps=500)
    assert run.blew_up and len(run.path) < 20 and len(run.losses) == len(run.path)
    assert np.all(np.isfinite(run.path)) and run.status == "diverges"


def test_valley_2d_rule_uses_the_largest_curvature():
    assert explore.descend("valley_2d", lr=0.05, steps=200).status == "converges"
    zigzag = explore.descend("valley_2d", lr=0.19, steps=200)
    assert zigzag.status == "oscillates" and zigzag.losses[-1] < 1e-6 * zigzag.losses[0]
    assert explore.descend("valley_2d", lr=0.21, steps=200).status == "diverges"


def test_descend_accepts_a_loss_and_gradient_function():
    def f_and_grad(x):
        return float(((x - 1) ** 2).sum()), 2 * (x - 1)
    run = explore.descend(f_and_grad, x0=[3.0, -1.0], lr=0.25, steps=30)
    np.testing.assert_allclose(run.path[-1], [1.0, 1.0], atol=1e-6)
    assert run.status == "converges"
    with pytest.raises(ValueError, match="x0"):
        explore.descend(f_and_grad, lr=0.1)
    with pytest.raises(TypeError):
        explore.descend(3.0)


def test_convergence_factor():
    assert explore.convergence_factor([1.0, 10.0], 0.1) == pytest.approx(0.9)
    assert explore.convergence_factor([1.0, 10.0], 2 / 11) == pytest.approx(9 / 11)
    lrs = np.array([0.05, 0.2, 0.3])
    np.testing.assert_allclose(explore.convergence_factor([1.0, 10.0], lrs), [0.95, 1.0, 2.0])


# --- the descent plots ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["quadratic_1d", "valley_2d"])
def test_plot_descent_names_the_outcome(name):
    fig = explore.plot_descent(name, lr=0.19, steps=20)
    ax_path, ax_loss = fig.axes[:2]
    assert ax_path.get_title() == f"lr = 0.19: {explore.descend(name, lr=0.19, steps=20).status}"
    assert ax_loss.get_yscale() == "log" and ax_loss.get_xlabel() == "step t"
    assert ax_path.get_xlabel() == "x" and ax_path.get_ylabel() in ("f(x)", "y")
    rule = ("lr < 1/a = 0.5, oscillating but converging up to 2/a = 1" if name == "quadratic_1d"
            else "lr < 1/a_max = 0.1, oscillating but converging up to 2/a_max = 0.2")
    assert rule in fig._suptitle.get_text()
    if name == "valley_2d":
        assert ax_path.get_aspect() == 1.0  # drawn to scale, so the valley looks long


def test_plot_descent_of_a_blow_up_and_of_an_exact_zero_loss():
    fig = explore.plot_descent("quadratic_1d", lr=50.0, steps=50)
    assert "blew up" in fig.axes[1].get_title()
    fig = explore.plot_descent("quadratic_1d", lr=0.5, steps=5)  # lands on the minimum in one step
    assert fig.axes[0].get_title() == "lr = 0.5: converges"


def test_plot_learning_rates_layout():
    fig = explore.plot_learning_rates("valley_2d", [0.02, 0.1, 0.19, 0.21], steps=20,
                                      labels=["too small", "right", "zigzag", "too large"])
    assert len(fig.axes) == 5
    loss_axis = fig.axes[0]
    assert loss_axis.get_yscale() == "log" and len(loss_axis.get_legend().get_texts()) == 4
    titles = [ax.get_title() for ax in fig.axes[1:]]
    assert titles[0] == "lr = 0.02: too small\n(status: slow)"
    assert titles[3] == "lr = 0.21: too large\n(status: diverges)"
    fig = explore.plot_learning_rates("quadratic_1d", [0.3, 0.8])
    assert [ax.get_title() for ax in fig.axes[1:]] == ["lr = 0.3: converges", "lr = 0.8: oscillates"]


def test_plotting_a_3d_problem_is_refused():
    with pytest.raises(ValueError, match="1-D and 2-D"):
        explore.plot_descent(explore.quadratic([1.0, 2.0, 3.0]), lr=0.1)


# --- the rule in words -------------------------------------------------------------------------

def test_learning_rate_rule_states_both_thresholds_of_the_quadratic():
    assert explore.learning_rate_rule(one_d()) == (
        "monotone for lr < 1/a = 0.25, oscillating but converging up to 2/a = 0.5, diverging beyond")
    assert "1/a_max = 0.1," in explore.learning_rate_rule("valley_2d")
    assert "(a/2) x² with curvature a = 2" in explore.get_problem("quadratic_1d").title
    not_quadratic = explore.Problem("abs", "|x|", lambda x: x.abs().sum(axis=-1), (1.0,), ((-2.0, 2.0),))
    assert explore.learning_rate_rule(not_quadratic) == ""
