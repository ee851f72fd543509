"""The plain functions behind the course's interactive explorers (notebooks 05 and 06).

A widget in a notebook only wires sliders to one of these functions, so each
can be unit tested and called once without a widget (for the static notebook).

Activations (notebook 05)::

    y, dy = activation_curve("sigmoid", x)        # f(x) and f'(x), f' by minigrad's autograd
    regions = saturation_regions(x, dy)           # where f' is 0 ("dead") or tiny ("saturated")
    fig = plot_activation("leaky_relu", negative_slope=0.1)
    fig = plot_activations()                      # all of them, functions over derivatives

Gradient descent (notebook 06)::

    run = descend("valley_2d", lr=0.15, steps=40) # run.path, run.losses, run.status
    fig = plot_descent("valley_2d", lr=0.15)
    fig = plot_learning_rates("valley_2d", [0.01, 0.1, 0.19, 0.21])

Widgets: a notebook wires sliders to these functions with
`minigrad_course.widgets.interactive_figure`::

    def show(lr):
        return explore.plot_descent("valley_2d", lr=lr)

    interactive_figure(show, lr=FloatLogSlider(value=0.1, min=-3, max=0.5))

Gradients always come from minigrad's autograd (a `Tensor` with
`requires_grad=True`, then `backward()`), never from a formula typed in here,
so the pictures show what the library computes. matplotlib is imported only by
the plotting functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from minigrad import functional as F
from minigrad.tensor import Tensor

__all__ = [
    "ACTIVATIONS", "ACTIVATION_PARAMS", "activation_curve", "saturation_regions", "plot_activation",
    "plot_activations",
    "Problem", "quadratic", "PROBLEMS", "get_problem", "loss_and_grad", "Descent", "descend", "classify",
    "convergence_factor", "learning_rate_rule", "plot_descent", "plot_learning_rates",
]


# --- activations ---------------------------------------------------------------------

ACTIVATIONS: dict[str, Callable[..., Tensor]] = {
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "gelu": F.gelu,
}
"""The element-wise activations the explorers know, by name."""

ACTIVATION_PARAMS: dict[str, tuple[str, ...]] = {
    "sigmoid": (), "tanh": (), "relu": (), "leaky_relu": ("negative_slope",), "gelu": ("approximate",),
}
"""The keyword parameters each activation takes."""

_DEAD_COLOR, _SATURATED_COLOR = "tab:red", "tab:orange"


def _activation(name: str) -> Callable[..., Tensor]:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def activation_curve(name: str, x: Any, **params: Any) -> tuple[np.ndarray, np.ndarray]:
    """The activation `name` and its derivative at the points `x`.

    f(x) is computed by `minigrad.functional`; f'(x) by autograd: with
    y = f(x) element-wise, backward with dL/dy = 1 gives dL/dx_i = f'(x_i).

    Args:
        name: one of ACTIVATIONS ("sigmoid", "tanh", "relu", "leaky_relu", "gelu").
        x: points, any shape (computed in float64).
        params: the activation's own parameters (see ACTIVATION_PARAMS),
            e.g. negative_slope=0.1 for leaky_relu.

    Returns:
        (f(x), f'(x)) as float64 NumPy arrays of x's shape.
    """
    fn = _activation(name)
    unknown = set(params) - set(ACTIVATION_PARAMS[name])
    if unknown:
        takes = ", ".join(ACTIVATION_PARAMS[name]) or "no parameters"
        raise ValueError(f"{name} does not take {', '.join(sorted(unknown))} (it takes {takes})")
    t = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = fn(t, **params)
    y.backward(np.ones(y.shape))
    return y.numpy(), np.array(t.grad, dtype=np.float64)


def saturation_regions(x: Any, dy: Any, threshold: float = 0.01) -> list[tuple[float, float, str]]:
    """Intervals of a sorted grid `x` where the derivative `dy` (almost) stops the gradient.

    A point is "dead" where dy == 0 exactly (nothing flows back: ReLU for x <= 0)
    and "saturated" where 0 < |dy| < threshold (a trickle: sigmoid's tails).
    Consecutive points of one kind form one interval.

    Returns:
        [(x_first, x_last, kind), ...], from left to right, kind "dead" or "saturated".
    """
    x, dy = np.asarray(x, dtype=np.float64), np.abs(np.asarray(dy, dtype=np.float64))
    kinds = np.where(dy == 0, "dead", np.where(dy < threshold, "saturated", ""))
    regions, start = [], 0
    for i in range(1, len(x) + 1):
        if i == len(x) or kinds[i] != kinds[start]:
            if kinds[start]:
                regions.append((float(x[start]), float(x[i - 1]), str(kinds[start])))
            start = i
    return regions


def _describe(name: str, params: dict) -> str:
    inside = ", ".join(f"{k}={v}" for k, v in params.items())
    return f"{name}({inside})" if inside else name


def plot_activation(name: str, x_range: tuple[float, float] = (-6.0, 6.0), num: int = 601,
                    threshold: float = 0.01, axes: Sequence[Any] | None = None, legend: bool = True,
                    **params: Any):
    """Draw an activation (left) and its autograd derivative (right), gradient-stopping regions shaded.

    Shading: red where f' = 0 (dead: no gradient at all), orange where
    0 < |f'| < threshold (saturated: a trickle). A dotted line marks max f'.
    Parameters that `name` does not take are ignored, so one widget can drive
    every activation (negative_slope only matters to leaky_relu).

    Args:
        axes: two matplotlib axes to draw into; a new figure when None.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    _activation(name)
    own = {k: v for k, v in params.items() if k in ACTIVATION_PARAMS[name]}
    x = np.linspace(x_range[0], x_range[1], num)
    y, dy = activation_curve(name, x, **own)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    ax_f, ax_d = axes
    color = f"C{list(ACTIVATIONS).index(name)}"
    label = _describe(name, own)
    ax_f.plot(x, y, color=color, lw=2, label=f"{label}")
    ax_d.plot(x, dy, color=color, lw=2, label="derivative (autograd)")
    peak = float(dy.max())
    ax_d.axhline(peak, color="gray", ls=":", lw=1, label=f"max f' = {peak:.3f}")
    regions = saturation_regions(x, dy, threshold)
    for ax in (ax_f, ax_d):
        named = set()
        for lo, hi, kind in regions:
            text = "f' = 0: dead" if kind == "dead" else f"|f'| < {threshold:g}: saturated"
            ax.axvspan(lo, hi, color=_DEAD_COLOR if kind == "dead" else _SATURATED_COLOR, alpha=0.15, lw=0,
                       label=None if kind in named else text)
            named.add(kind)
        ax.axhline(0, color="black", lw=0.5)
        ax.axvline(0, color="black", lw=0.5)
        ax.set_xlabel("x")
        ax.set_xlim(x_range)
        ax.grid(alpha=0.3)
        if legend:
            ax.legend(loc="upper left", fontsize=8)
    ax_f.set_ylabel("f(x)")
    ax_d.set_ylabel("f'(x)")
    ax_f.set_title(label)
    ax_d.set_title(f"derivative of {label}")
    return ax_f.figure


def plot_activations(names: Sequence[str] | None = None, x_range: tuple[float, float] = (-6.0, 6.0),
                     threshold: float = 0.01, **params: Any):
    """All activations at a glance: functions in the top row, their derivatives below.

    Returns:
        The matplotlib Figure (2 rows, one column per activation, one shared legend).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    names = list(names or ACTIVATIONS)
    fig, grid = plt.subplots(2, len(names), figsize=(3.3 * len(names), 6), sharex=True, squeeze=False,
                             constrained_layout=True)
    for column, name in enumerate(names):
        top, bottom = grid[0, column], grid[1, column]
        plot_activation(name, x_range, threshold=threshold, axes=(top, bottom), legend=False, **params)
        bottom.set_title(f"{name}'(x)")
        peak = bottom.get_lines()[0].get_ydata().max()  # the derivative curve, drawn first
        bottom.text(0.03, 0.95, f"max f' = {peak:.3f}", transform=bottom.transAxes, va="top", fontsize=9)
    grid[0, 0].set_ylabel("activation f(x)")
    grid[1, 0].set_ylabel("derivative f'(x) (autograd)")
    fig.legend(handles=[Patch(color=_DEAD_COLOR, alpha=0.3, label="f' = 0: dead, no gradient"),
                        Patch(color=_SATURATED_COLOR, alpha=0.3, label=f"|f'| < {threshold:g}: saturated")],
               loc="outside lower center", ncol=2)
    fig.suptitle("Activation functions (top) and their derivatives (bottom)")
    return fig


# --- gradient descent ----------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A function to minimise, written with minigrad ops so that autograd gives its gradient.

    Attributes:
        name: short key, e.g. "valley_2d".
        title: what a plot calls it.
        fn: maps a Tensor of shape (..., dim) to the losses, shape (...): one
            point or a whole grid of points (for contour plots) at once.
        x0: the default starting point.
        bounds: the plotting window, (low, high) per coordinate.
        curvatures: for a quadratic, the eigenvalues of its Hessian (else None).
    """
    name: str
    title: str
    fn: Callable[[Tensor], Tensor]
    x0: tuple[float, ...]
    bounds: tuple[tuple[float, float], ...]
    curvatures: tuple[float, ...] | None = None

    @property
    def dim(self) -> int:
        return len(self.x0)

    @property
    def max_stable_lr(self) -> float | None:
        """2 / a_max: gradient descent on this quadratic converges iff 0 < lr < 2 / a_max."""
        return None if self.curvatures is None else 2.0 / max(self.curvatures)

    def values(self, points: Any) -> np.ndarray:
        """f at each point of an array of shape (..., dim), without gradients."""
        return self.fn(Tensor(np.asarray(points, dtype=np.float64))).numpy()


def quadratic(curvatures: Sequence[float], x0: Sequence[float] | None = None,
              bounds: Sequence[tuple[float, float]] | None = None, name: str = "quadratic",
              title: str | None = None) -> Problem:
    """f(x) = 1/2 sum_i a_i x_i^2: curvature (second derivative) a_i along axis i, minimum 0 at x = 0.

    Gradient descent multiplies x_i by (1 - lr a_i) at every step.
    """
    a = tuple(float(c) for c in curvatures)
    if not a or min(a) <= 0:
        raise ValueError(f"curvatures must be positive numbers, got {curvatures}")
    weights = np.array(a)

    def fn(x: Tensor) -> Tensor:
        return (x * x * weights).sum(axis=-1) * 0.5

    x0 = tuple(float(v) for v in (x0 if x0 is not None else [4.0] * len(a)))
    bounds = tuple(bounds) if bounds is not None else tuple((-5.0, 5.0) for _ in a)
    if len(x0) != len(a) or len(bounds) != len(a):
        raise ValueError(f"{len(a)} curvatures need x0 and bounds of length {len(a)}")
    terms = " + ".join(f"{c:g} x{i + 1}²" if len(a) > 1 else f"{c:g} x²" for i, c in enumerate(a))
    return Problem(name, title or f"f = ({terms}) / 2", fn, x0, bounds, a)


PROBLEMS: dict[str, Problem] = {
    "quadratic_1d": quadratic([2.0], x0=[4.0], bounds=[(-5.0, 5.0)], name="quadratic_1d",
                              title="f(x) = x² = (a/2) x² with curvature a = 2"),
    "valley_2d": quadratic([1.0, 10.0], x0=[-4.5, 2.0], bounds=[(-5.0, 5.0), (-2.5, 2.5)], name="valley_2d",
                           title="the valley f = (x² + 10 y²) / 2, curvatures 1 and 10"),
}
"""The named problems of notebook 06's explorer."""


def get_problem(problem: str | Problem) -> Problem:
    """A Problem, given itself or its name in PROBLEMS."""
    if isinstance(problem, Problem):
        return problem
    if problem not in PROBLEMS:
        raise ValueError(f"unknown problem {problem!r}; choose one of {', '.join(PROBLEMS)} or pass a Problem")
    return PROBLEMS[problem]


def loss_and_grad(problem: str | Problem, x: Any) -> tuple[float, np.ndarray]:
    """f(x) and its gradient at one point x (shape (dim,)), the gradient by autograd."""
    problem = get_problem(problem)
    t = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    loss = problem.fn(t)
    loss.backward()
    return float(loss.item()), np.array(t.grad, dtype=np.float64)


@dataclass
class Descent:
    """The record of one gradient-descent run.

    Attributes:
        path: the iterates x_0, x_1, ..., shape (steps + 1, dim); shorter if the run blew up.
        losses: f at each iterate.
        lr: the learning rate.
        blew_up: True if the run stopped early because the iterates left every bound.
    """
    path: np.ndarray
    losses: np.ndarray
    lr: float
    blew_up: bool = False

    @property
    def status(self) -> str:
        """What the run did: "converges", "slow", "oscillates" or "diverges" (see `classify`)."""
        return classify(self)


_BLOW_UP = 1e8  # stop once a coordinate is this large: the run has left any window we could draw


def descend(f: str | Problem | Callable[[np.ndarray], tuple[float, Any]], x0: Any = None, lr: float = 0.1,
            steps: int = 50) -> Descent:
    """Run plain gradient descent, x_{t+1} = x_t - lr * grad f(x_t), for `steps` steps.

    Args:
        f: a Problem or its name (the gradient then comes from autograd), or a
            function f_and_grad(x) -> (loss, gradient) on NumPy arrays.
        x0: the starting point (the problem's own x0 when None).
        lr: the learning rate (step size).
        steps: the number of updates.

    Returns:
        A Descent with the path and losses (`steps + 1` entries, fewer if the
        iterates blew up past 1e8, when `blew_up` is True).
    """
    if isinstance(f, (str, Problem)):
        problem = get_problem(f)

        def f_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
            return loss_and_grad(problem, x)
        x0 = problem.x0 if x0 is None else x0
    elif callable(f):
        f_and_grad = f
        if x0 is None:
            raise ValueError("descend(f_and_grad, ...) needs a starting point x0")
    else:
        raise TypeError(f"f must be a problem name, a Problem or a function, got {type(f).__name__}")
    x = np.atleast_1d(np.array(x0, dtype=np.float64))
    path, losses, blew_up = [x.copy()], [], False
    with np.errstate(all="ignore"):
        for _ in range(int(steps)):
            loss, grad = f_and_grad(x)
            losses.append(float(loss))
            x = x - lr * np.asarray(grad, dtype=np.float64).reshape(x.shape)
            if not np.all(np.isfinite(x)) or np.abs(x).max() > _BLOW_UP:
                blew_up = True
                break
            path.append(x.copy())
        if not blew_up:
            losses.append(float(f_and_grad(x)[0]))
    return Descent(np.array(path), np.array(losses[:len(path)]), float(lr), blew_up)


def classify(run: Descent, tol: float = 1e-3) -> str:
    """Name what a run did (meant for the course's quadratics).

    - "diverges": it blew up, or ended with a larger loss than it started with;
    - "oscillates": it overshoots, i.e. along some axis two successive steps
      point opposite ways (a zigzag), even if the loss still falls;
    - "slow": it goes straight downhill but ends above `tol` times its first loss;
    - "converges": straight downhill, to below `tol` times its first loss.
    """
    losses = run.losses
    if run.blew_up or not np.all(np.isfinite(losses)) or losses[-1] > losses[0]:
        return "diverges"
    moves = np.diff(run.path, axis=0)
    if len(moves) > 1:
        scale = np.abs(moves).max()
        big = np.abs(moves) > 1e-12 * scale
        flips = (moves[:-1] * moves[1:] < 0) & big[:-1] & big[1:]
        if flips.any():
            return "oscillates"
    if losses[0] > 0 and losses[-1] > tol * losses[0]:
        return "slow"
    return "converges"


def convergence_factor(curvatures: Sequence[float], lr: Any) -> Any:
    """max_i |1 - lr a_i|: how much gradient descent shrinks the distance to the minimum per step.

    On f = 1/2 sum a_i x_i^2 each coordinate is multiplied by (1 - lr a_i) per
    step, so the run converges iff this factor is below 1, i.e. 0 < lr < 2 / a_max.
    Works for a number or an array of learning rates.
    """
    a = np.asarray(curvatures, dtype=np.float64)
    lr = np.asarray(lr, dtype=np.float64)
    out = np.abs(1.0 - lr[..., None] * a).max(axis=-1)
    return float(out) if out.ndim == 0 else out


def _draw_path(ax, problem: Problem, run: Descent, color: str) -> None:
    """The function (a curve in 1-D, contours in 2-D) with the run's iterates on it."""
    (x_lo, x_hi) = problem.bounds[0]
    if problem.dim == 1:
        xs = np.linspace(x_lo, x_hi, 400)
        fs = problem.values(xs[:, None])
        ax.plot(xs, fs, color="gray", lw=1.5, label="f(x)")
        inside = (run.path[:, 0] >= x_lo) & (run.path[:, 0] <= x_hi)
        ax.plot(run.path[inside, 0], problem.values(run.path[inside]), "-o", color=color, ms=3.5, lw=1,
                label="iterates x_t")
        ax.plot(run.path[0, 0], run.losses[0], "s", color="black", ms=6, label="start")
        ax.set_ylim(-0.05 * fs.max(), 1.1 * fs.max())
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
    elif problem.dim == 2:
        (y_lo, y_hi) = problem.bounds[1]
        gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, 201), np.linspace(y_lo, y_hi, 121))
        fs = problem.values(np.stack([gx, gy], axis=-1))
        ax.contour(gx, gy, fs, levels=fs.max() * np.linspace(0.05, 0.95, 10) ** 2, colors="gray",
                   linewidths=0.7)
        ax.plot(run.path[:, 0], run.path[:, 1], "-o", color=color, ms=3, lw=1, label="iterates x_t")
        ax.plot(*run.path[0], "s", color="black", ms=6, label="start")
        ax.plot(0, 0, "*", color="black", ms=10, label="minimum")
        ax.set_ylim(y_lo, y_hi)
        ax.set_aspect("equal")  # true proportions: a long valley looks long
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    else:
        raise ValueError(f"can only draw 1-D and 2-D problems, this one has {problem.dim} dimensions")
    ax.set_xlim(x_lo, x_hi)


def _draw_losses(ax, run: Descent, color: str, label: str) -> None:
    """Loss against step on a log scale (exact zeros, which a log axis cannot show, are left out)."""
    steps = np.arange(len(run.losses))
    shown = np.where(run.losses > 0, run.losses, np.nan)
    ax.semilogy(steps, shown, "-o", color=color, ms=2.5, lw=1.2, label=label)
    ax.set_xlabel("step t")
    ax.set_ylabel("loss f(x_t) (log scale)")
    ax.grid(alpha=0.3, which="both")


def learning_rate_rule(problem: str | Problem) -> str:
    """The learning-rate thresholds of a quadratic, in words ("" for other problems).

    On f = 1/2 sum_i a_i x_i^2 each coordinate is multiplied by (1 - lr a_i)
    per step: straight to the minimum for lr < 1/a_max, overshooting (zigzag)
    but converging for 1/a_max < lr < 2/a_max, diverging for lr > 2/a_max.
    """
    problem = get_problem(problem)
    if problem.curvatures is None:
        return ""
    a = "a" if problem.dim == 1 else "a_max"
    a_max = max(problem.curvatures)
    return (f"monotone for lr < 1/{a} = {1 / a_max:.3g}, oscillating but converging up to 2/{a} = {2 / a_max:.3g}, "
            f"diverging beyond")


def _title(prefix: str, problem: Problem) -> str:
    rule = learning_rate_rule(problem)
    return f"{prefix} {problem.title}" + (f"\n{rule}" if rule else "")


def plot_descent(problem: str | Problem, lr: float = 0.1, steps: int = 30, x0: Any = None, axes=None):
    """One gradient-descent run: its path on the function (left) and its loss per step, log scale (right).

    Returns:
        The matplotlib Figure; the path panel's title names the learning rate and the run's status.
    """
    import matplotlib.pyplot as plt

    problem = get_problem(problem)
    run = descend(problem, x0=x0, lr=lr, steps=steps)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
    ax_path, ax_loss = axes
    _draw_path(ax_path, problem, run, "C0")
    ax_path.set_title(f"lr = {lr:.3g}: {run.status}")
    ax_path.legend(loc="upper right", fontsize=8)
    _draw_losses(ax_loss, run, "C0", f"lr = {lr:.3g}")
    ax_loss.set_title(f"loss after {len(run.losses) - 1} steps: {run.losses[-1]:.2e}"
                      + ("  (blew up)" if run.blew_up else ""))
    ax_loss.legend(loc="best", fontsize=8)
    ax_path.figure.suptitle(_title("Gradient descent on", problem))
    return ax_path.figure


def plot_learning_rates(problem: str | Problem, lrs: Sequence[float], steps: int = 30, x0: Any = None,
                        labels: Sequence[str] | None = None):
    """Several learning rates side by side: one path per panel on top, all loss curves below.

    Args:
        labels: a caption per learning rate (e.g. "too small"); each run's status when None.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    problem = get_problem(problem)
    runs = [descend(problem, x0=x0, lr=lr, steps=steps) for lr in lrs]
    labels = list(labels) if labels is not None else [run.status for run in runs]
    # 2-D paths are drawn to scale (a wide, flat window), so they need less height than 1-D curves
    height, top = (6.4, 0.8) if problem.dim == 2 else (7.2, 1.0)
    fig = plt.figure(figsize=(3.6 * len(runs), height), constrained_layout=True)
    grid = fig.add_gridspec(2, len(runs), height_ratios=[top, 1])
    ax_loss = fig.add_subplot(grid[1, :])
    for i, (run, caption) in enumerate(zip(runs, labels)):
        ax = fig.add_subplot(grid[0, i])
        _draw_path(ax, problem, run, f"C{i}")
        status = "" if caption == run.status else f"\n(status: {run.status})"
        ax.set_title(f"lr = {run.lr:.3g}: {caption}{status}")
        if i == 0:
            ax.legend(loc="lower right" if problem.dim == 2 else "upper center", fontsize=8)
        _draw_losses(ax_loss, run, f"C{i}", f"lr = {run.lr:.3g}: {caption}")
    ax_loss.set_title("loss per step (a straight line on this log scale = a constant factor per step)")
    ax_loss.legend(loc="best", fontsize=9)
    fig.suptitle(_title("Learning rates on", problem))
    return fig
