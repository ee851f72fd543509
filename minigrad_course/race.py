"""An optimizer race: minigrad's real optimizers on small 2-D loss landscapes (notebook 09).

Each landscape is a function of a point p = (x, y), written with minigrad ops so
that autograd gives its gradient; each run is the ordinary training loop

    p = Tensor(start, requires_grad=True)
    opt = make_optimizer("Adam", [p], lr=0.1)
    for t in range(steps):
        opt.zero_grad()
        loss = landscape(p)
        loss.backward()
        opt.step()

so the paths drawn are exactly what `minigrad.optim` does.

    run = trajectory("Momentum", lr=0.02, function="ravine")   # run.path, run.losses
    runs = sweep("Adam", [0.01, 0.1, 1.0], function="rosenbrock")   # the same, for several rates at once
    runs = race_runs(["SGD", "Adam"], function="ravine")        # several optimizers at once
    lr = tune_lr("Adam", "rosenbrock")                          # the best of a grid
    fig = plot_race(["SGD", "Momentum", "Adam"], function="ravine")
    fig = plot_lr_sweep("ravine")
    interactive_race()                                          # the widget

matplotlib and ipywidgets are imported only by the functions that draw.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from minigrad import optim
from minigrad.autograd import no_grad
from minigrad import Tensor, stack

__all__ = [
    "Landscape", "ravine", "rotated_ravine", "rosenbrock", "LANDSCAPES", "get_landscape",
    "OPTIMIZERS", "COLORS", "LINESTYLES", "make_optimizer", "TUNED_LRS", "LR_GRID", "tuned_lr",
    "Trajectory", "trajectory", "sweep", "race_runs", "score", "tune_lr",
    "plot_race", "plot_lr_sweep", "interactive_race",
]


# --- the landscapes ------------------------------------------------------------------


@dataclass(frozen=True)
class Landscape:
    """A loss f(x, y) to race on.

    Attributes:
        name: its key in LANDSCAPES, e.g. "ravine".
        title: what a plot calls it (matplotlib mathtext allowed).
        fn: maps a Tensor of shape (..., 2) to the losses, shape (...): one point
            or a whole grid of points (for contour plots) at once.
        start: where every race starts.
        minimum: where f is smallest (f = 0 there).
        bounds: the plotting window, ((x_lo, x_hi), (y_lo, y_hi)).
        steps: the default number of steps of a race.
        legend: where the legend of the paths goes (a matplotlib `loc`), away from the paths.
        label: a short name for titles ("Rosenbrock", "ravine turned by 45°"); the name when empty.
    """
    name: str
    title: str
    fn: Callable[[Tensor], Tensor]
    start: tuple[float, float]
    minimum: tuple[float, float]
    bounds: tuple[tuple[float, float], tuple[float, float]]
    steps: int
    legend: str = "best"
    label: str = ""

    def __call__(self, p: Tensor) -> Tensor:
        return self.fn(p)

    @property
    def short(self) -> str:
        """A short name for titles: `label`, or the name when there is none."""
        return self.label or self.name

    def values(self, points: Any) -> np.ndarray:
        """f at each point of an array of shape (..., 2), without building a graph."""
        with no_grad():
            return self.fn(Tensor(np.asarray(points, dtype=np.float64))).numpy()

    def grid(self, nx: int = 241, ny: int = 181) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(X, Y, F): f on an ny-by-nx grid over `bounds`, ready for `contour`."""
        (x_lo, x_hi), (y_lo, y_hi) = self.bounds
        gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, nx), np.linspace(y_lo, y_hi, ny))
        return gx, gy, self.values(np.stack([gx, gy], axis=-1))


RAVINE_CURVATURES = (1.0, 80.0)
"""The ravines' curvatures: 1 along the valley, 80 across it (condition number 80)."""


def _valley(angle_degrees: float) -> Callable[[Tensor], Tensor]:
    """f = (a1 u^2 + a2 w^2) / 2, with (u, w) the coordinates of p - (1, 1) along and across a valley
    turned by `angle_degrees` from the x axis: a quadratic with its minimum 0 at (1, 1)."""
    c, s = math.cos(math.radians(angle_degrees)), math.sin(math.radians(angle_degrees))
    a1, a2 = RAVINE_CURVATURES

    def fn(p: Tensor) -> Tensor:
        dx, dy = p[..., 0] - 1.0, p[..., 1] - 1.0
        u, w = (dx * c + dy * s, dy * c - dx * s) if angle_degrees else (dx, dy)
        return (u * u * a1 + w * w * a2) * 0.5
    return fn


def _rosenbrock(p: Tensor) -> Tensor:
    """Rosenbrock's banana: f = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1) in a curved valley."""
    x, y = p[..., 0], p[..., 1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


_R2 = math.sqrt(2.0)
ravine = Landscape("ravine", r"ravine $f = ((x-1)^2 + 80\,(y-1)^2)\,/\,2$", _valley(0.0),
                   start=(-4.0, 2.0), minimum=(1.0, 1.0), bounds=((-4.5, 2.4), (-0.3, 2.6)), steps=100,
                   legend="upper right")
rotated_ravine = Landscape("rotated_ravine", "ravine turned by 45°", _valley(45.0),
                           start=(1 - 2.5 * _R2 - 0.5 * _R2, 1 - 2.5 * _R2 + 0.5 * _R2), minimum=(1.0, 1.0),
                           bounds=((-4.0, 2.5), (-3.0, 2.5)), steps=100, legend="lower right",
                           label="ravine turned by 45°")
rosenbrock = Landscape("rosenbrock", r"Rosenbrock $f = (1-x)^2 + 100\,(y - x^2)^2$", _rosenbrock,
                       start=(-1.5, 2.0), minimum=(1.0, 1.0), bounds=((-2.0, 2.0), (-1.0, 3.0)), steps=500,
                       legend="upper right", label="Rosenbrock")

LANDSCAPES: dict[str, Landscape] = {f.name: f for f in (ravine, rosenbrock, rotated_ravine)}
"""The landscapes of the race, by name."""


def get_landscape(function: str | Landscape) -> Landscape:
    """A Landscape, given itself or its name in LANDSCAPES."""
    if isinstance(function, Landscape):
        return function
    if function not in LANDSCAPES:
        raise ValueError(f"unknown function {function!r}; choose one of {', '.join(LANDSCAPES)}")
    return LANDSCAPES[function]


# --- the optimizers ------------------------------------------------------------------------

OPTIMIZERS: dict[str, tuple[type, dict[str, Any]]] = {
    "SGD": (optim.SGD, {}),
    "Momentum": (optim.SGD, {"momentum": 0.9}),
    "Nesterov": (optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "Adagrad": (optim.Adagrad, {}),
    "RMSprop": (optim.RMSprop, {}),
    "Adam": (optim.Adam, {}),
    "AdamW": (optim.AdamW, {}),
}
"""Each racer: a `minigrad.optim` class and the options that make it that racer (the rest are
torch's defaults, e.g. AdamW's weight_decay = 0.01)."""

COLORS: dict[str, str] = {name: f"C{i}" for i, name in enumerate(OPTIMIZERS)}
"""One colour per optimizer, the same in every figure."""

LINESTYLES: dict[str, str] = {"SGD": "-", "Momentum": "-", "Nesterov": "--", "Adagrad": "-", "RMSprop": "--",
                              "Adam": "-", "AdamW": "--"}
"""Solid for a method, dashed for its variant (Nesterov of momentum, RMSprop of Adagrad, AdamW of Adam)."""


def _optimizer_name(name: str) -> str:
    for key in OPTIMIZERS:
        if key.lower() == str(name).lower():
            return key
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")


def make_optimizer(name: str, params: Any, lr: float, **options: Any) -> optim.Optimizer:
    """The `minigrad.optim` optimizer called `name` (see OPTIMIZERS) over `params`.

    `options` override the racer's own (e.g. momentum=0.5, weight_decay=0.1).
    """
    cls, own = OPTIMIZERS[_optimizer_name(name)]
    return cls(params, lr=lr, **{**own, **options})


LR_GRID: tuple[float, ...] = tuple(float(f"{m}e{k}") for k in range(-4, 1) for m in (1, 2, 5)) + (10.0,)
"""The learning rates `tune_lr` tries: 1, 2 and 5 times each power of ten from 1e-4 to 10."""

TUNED_LRS: dict[str, dict[str, float]] = {
    "ravine": {"SGD": 0.02, "Momentum": 0.01, "Nesterov": 0.01, "Adagrad": 2.0, "RMSprop": 0.2,
               "Adam": 0.5, "AdamW": 2.0},
    "rosenbrock": {"SGD": 0.001, "Momentum": 0.0005, "Nesterov": 0.0005, "Adagrad": 0.1, "RMSprop": 0.01,
                   "Adam": 0.1, "AdamW": 0.1},
    "rotated_ravine": {"SGD": 0.02, "Momentum": 0.01, "Nesterov": 0.01, "Adagrad": 1.0, "RMSprop": 0.1,
                       "Adam": 1.0, "AdamW": 1.0},
}
"""The learning rate of LR_GRID with the best `score` for each optimizer on each landscape,
found by `tune_lr` (a test checks that it still finds these)."""


def tuned_lr(optimizer: str, function: str | Landscape) -> float:
    """The tuned learning rate of `optimizer` on `function` (from TUNED_LRS)."""
    name, landscape = _optimizer_name(optimizer), get_landscape(function)
    if landscape.name not in TUNED_LRS:
        raise ValueError(f"no tuned learning rates for {landscape.name!r}: pass lr= (or use tune_lr)")
    return TUNED_LRS[landscape.name][name]


# --- running the race -----------------------------------------------------------------------


@dataclass
class Trajectory:
    """One optimizer's run on one landscape.

    Attributes:
        optimizer: the racer's name ("Adam", ...).
        function: the landscape's name.
        lr: the learning rate.
        path: the points p_0 (start), p_1, ..., p_T, shape (T + 1, 2).
        losses: f(p_t) for each of them, shape (T + 1,).
        diverged: True when the run left every sensible range (|p| > 1e6 or not finite);
            the path then stops at the last finite point.
    """
    optimizer: str
    function: str
    lr: float
    path: np.ndarray
    losses: np.ndarray
    diverged: bool = False
    options: dict = field(default_factory=dict)

    @property
    def final_loss(self) -> float:
        """The loss at the end (inf when the run diverged)."""
        return math.inf if self.diverged else float(self.losses[-1])

    def steps_to(self, loss: float) -> int | None:
        """The first step t with f(p_t) <= loss, or None if the run never got there."""
        below = np.nonzero(self.losses <= loss)[0]
        return int(below[0]) if below.size else None


_BLOW_UP = 1e6


def _start_of(landscape: Landscape, start: Any) -> np.ndarray:
    p0 = np.array(landscape.start if start is None else start, dtype=np.float64)
    if p0.shape != (2,):
        raise ValueError(f"start must be a point (x, y), got shape {p0.shape}")
    return p0


def trajectory(optimizer: str, lr: float | None = None, start: Any = None, steps: int | None = None,
               function: str | Landscape = "ravine", **options: Any) -> Trajectory:
    """Run one optimizer from `start` for `steps` steps on `function`; return its path and losses.

    Args:
        optimizer: a name of OPTIMIZERS ("SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop",
            "Adam", "AdamW"; any case).
        lr: the learning rate (the tuned one of TUNED_LRS when None).
        start: the starting point (x, y) (the landscape's own when None).
        steps: the number of updates (the landscape's own when None).
        function: a Landscape or its name.
        **options: passed to the optimizer (e.g. momentum=0.5).

    The parameter is a float64 Tensor of shape (2,), updated by the real
    `minigrad.optim` optimizer from the gradient autograd computes.
    """
    name, landscape = _optimizer_name(optimizer), get_landscape(function)
    lr = tuned_lr(name, landscape) if lr is None else float(lr)
    steps = landscape.steps if steps is None else int(steps)
    p = Tensor(_start_of(landscape, start), requires_grad=True)
    opt = make_optimizer(name, [p], lr=lr, **options)
    path, losses, diverged = [p.numpy()], [], False
    with np.errstate(all="ignore"):
        for _ in range(steps):
            opt.zero_grad()
            loss = landscape(p)
            loss.backward()
            losses.append(loss.item())
            opt.step()
            point = p.numpy()
            if not np.all(np.isfinite(point)) or np.abs(point).max() > _BLOW_UP:
                diverged = True
                break
            path.append(point)
        if not diverged:
            losses.append(float(landscape.values(path[-1])))
    return Trajectory(name, landscape.name, lr, np.array(path), np.array(losses[:len(path)]), diverged,
                      dict(options))


def _run_together(landscape: Landscape, entries: Sequence[tuple[str, float, dict]], steps: int,
                  p0: np.ndarray) -> list[Trajectory]:
    """Several runs from p0 at once, one (optimizer name, lr, options) each; the same results as
    `trajectory` for each, faster.

    Each run has its own parameter Tensor and its own optimizer; one forward and
    one backward pass through the sum of all their losses fills every gradient at
    once. The runs do not interact: each loss depends on its own parameter only.
    """
    params = [Tensor(p0.copy(), requires_grad=True) for _ in entries]
    opts = [make_optimizer(name, [p], lr=lr, **options) for (name, lr, options), p in zip(entries, params)]
    paths, losses = [[p0.copy()] for _ in entries], [[] for _ in entries]
    alive = [True] * len(entries)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            for opt in opts:
                opt.zero_grad()
            values = landscape(stack(params))
            values.sum().backward()
            for i, value in enumerate(values.numpy()):
                if alive[i]:
                    losses[i].append(float(value))
                    opts[i].step()
                    point = params[i].numpy()
                    if not np.all(np.isfinite(point)) or np.abs(point).max() > _BLOW_UP:
                        alive[i] = False
                        params[i].data = p0.copy()  # park it at the start: its numbers no longer matter
                    else:
                        paths[i].append(point)
    runs = []
    for i, (name, lr, options) in enumerate(entries):
        path = np.array(paths[i])
        if alive[i]:
            losses[i].append(float(landscape.values(path[-1])))
        runs.append(Trajectory(name, landscape.name, lr, path, np.array(losses[i][:len(path)]), not alive[i],
                               dict(options)))
    return runs


def sweep(optimizer: str, lrs: Sequence[float], function: str | Landscape = "ravine",
          steps: int | None = None, start: Any = None, **options: Any) -> list[Trajectory]:
    """`trajectory` for each learning rate of `lrs`, all run together (the same results, faster)."""
    name, landscape = _optimizer_name(optimizer), get_landscape(function)
    steps = landscape.steps if steps is None else int(steps)
    return _run_together(landscape, [(name, float(lr), options) for lr in lrs], steps, _start_of(landscape, start))


def race_runs(optimizers: Sequence[str] | None = None, function: str | Landscape = "ravine",
              lrs: Mapping[str, float] | None = None, steps: int | None = None,
              start: Any = None) -> list[Trajectory]:
    """`trajectory` for each optimizer (all of OPTIMIZERS when None), all run together from the same start.

    `lrs` maps optimizer names to learning rates; the tuned ones (TUNED_LRS) fill in the others.
    """
    landscape = get_landscape(function)
    names = [_optimizer_name(n) for n in (OPTIMIZERS if optimizers is None else optimizers)]
    given = {_optimizer_name(k): float(v) for k, v in (lrs or {}).items()}
    entries = [(n, given[n] if n in given else tuned_lr(n, landscape), {}) for n in names]
    steps = landscape.steps if steps is None else int(steps)
    return _run_together(landscape, entries, steps, _start_of(landscape, start))


_SOLVED = 1e-10


def score(run: Trajectory) -> float:
    """How good a run is, lower is better: the mean over its steps of log10(max(loss, 1e-10)).

    That is the area under its loss curve on a log scale: it rewards getting
    low fast and staying low; a loss below 1e-10 counts as solved. A run that
    diverged, or whose loss ever rose above its starting loss (unstable: in a
    real training run that is a loss spike), scores +inf.
    """
    if run.diverged or not np.all(np.isfinite(run.losses)) or run.losses.max() > run.losses[0]:
        return math.inf
    return float(np.mean(np.log10(np.maximum(run.losses, _SOLVED))))


def tune_lr(optimizer: str, function: str | Landscape = "ravine", lrs: Sequence[float] = LR_GRID,
            steps: int | None = None, **options: Any) -> float:
    """The learning rate of `lrs` whose run has the best (lowest) `score`."""
    runs = sweep(optimizer, lrs, function, steps=steps, **options)
    return min(runs, key=score).lr


# --- pictures ------------------------------------------------------------------------------


_FLOOR_SHOWN = 1e-12


def _contour(ax, landscape: Landscape) -> None:
    gx, gy, fs = landscape.grid()
    positive = fs[fs > 0]
    levels = np.geomspace(max(positive.min(), fs.max() * 1e-4), fs.max(), 14)
    ax.contour(gx, gy, fs, levels=levels, colors="0.6", linewidths=0.6)
    ax.plot(*landscape.start, "s", color="black", ms=7, label="start", zorder=5)
    ax.plot(*landscape.minimum, "*", color="gold", mec="black", ms=15, label="minimum", zorder=5)
    (x_lo, x_hi), (y_lo, y_hi) = landscape.bounds
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel("x (first parameter)")
    ax.set_ylabel("y (second parameter)")


def _label(run: Trajectory) -> str:
    return f"{run.optimizer} (lr={run.lr:g})" + ("  diverged" if run.diverged else "")


def _draw_runs(ax_path, ax_loss, landscape: Landscape, runs: Sequence[Trajectory]) -> None:
    _contour(ax_path, landscape)
    lowest = math.inf
    marker = "o" if len(runs) <= 3 else None  # few paths: show every step
    for run in runs:
        color, style = COLORS[run.optimizer], LINESTYLES[run.optimizer]
        ax_path.plot(run.path[:, 0], run.path[:, 1], style, color=color, lw=1.5, alpha=0.9, marker=marker, ms=2.5,
                     label=_label(run))
        ax_path.plot(run.path[-1, 0], run.path[-1, 1], "o", color=color, ms=5, mec="black", mew=0.5, zorder=4)
        shown = np.where(run.losses > 0, run.losses, np.nan)
        ax_loss.semilogy(np.arange(len(run.losses)), shown, style, color=color, lw=1.5, label=_label(run))
        lowest = min(lowest, np.nanmin(shown)) if np.isfinite(shown).any() else lowest
    ax_path.set_title(f"paths on the {landscape.title}\n(dot = where each ended)")
    ax_path.legend(loc=landscape.legend, fontsize=7.5, framealpha=0.85)
    if lowest < _FLOOR_SHOWN:
        ax_loss.set_ylim(bottom=_FLOOR_SHOWN)
    ax_loss.set_xlabel("step t")
    ax_loss.set_ylabel(r"loss $f(p_t)$ (log scale" + (", cut at 1e-12)" if lowest < _FLOOR_SHOWN else ")"))
    ax_loss.set_title(f"loss per step, {landscape.short}")
    ax_loss.grid(alpha=0.3, which="major")
    ax_loss.legend(loc="best", fontsize=7.5, framealpha=0.85)


def plot_race(optimizers: Sequence[str] | None = None, function: str | Landscape | Sequence = "ravine",
              lrs: Mapping[str, float] | None = None, steps: int | None = None, start: Any = None):
    """Race `optimizers` from the same start: their paths on the contour plot, and the loss per step.

    Args:
        optimizers: names from OPTIMIZERS (all of them when None).
        function: a landscape (or its name), or a list of them: one column each,
            paths on top and the loss on a log scale below.
        lrs: a learning rate per optimizer name; the tuned ones (TUNED_LRS) for those not given.
        steps, start: as in `trajectory` (each landscape's own when None).

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    names = [_optimizer_name(n) for n in (OPTIMIZERS if optimizers is None else optimizers)]
    functions = [function] if isinstance(function, (str, Landscape)) else list(function)
    lrs = {_optimizer_name(k): float(v) for k, v in (lrs or {}).items()}
    # A fixed layout (margins chosen for these labels) draws faster than constrained_layout.
    fig, axes = plt.subplots(2, len(functions), figsize=(6.2 * len(functions), 8.6), squeeze=False,
                             gridspec_kw={"height_ratios": [1.25, 1], "hspace": 0.32, "wspace": 0.2,
                                          "left": 0.1 / len(functions), "right": 1 - 0.02 / len(functions),
                                          "top": 0.88, "bottom": 0.06})
    for column, f in enumerate(functions):
        landscape = get_landscape(f)
        runs = race_runs(names, landscape, lrs=lrs, steps=steps, start=start)
        _draw_runs(axes[0, column], axes[1, column], landscape, runs)
    fig.suptitle("Optimizer race from the same start"
                 + (", at the given learning rates" if lrs else ", each at its own tuned learning rate"),
                 y=0.97)
    return fig


def plot_lr_sweep(function: str | Landscape = "ravine", optimizers: Sequence[str] | None = None,
                  lrs: Sequence[float] = LR_GRID, steps: int | None = None, ax=None):
    """Each optimizer's `score` against the learning rate (log scale), its best rate circled.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    landscape = get_landscape(function)
    names = [_optimizer_name(n) for n in (OPTIMIZERS if optimizers is None else optimizers)]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2), constrained_layout=True)
    for name in names:
        runs = sweep(name, lrs, landscape, steps=steps)
        scores = np.array([score(r) for r in runs])
        shown = np.where(np.isfinite(scores), scores, np.nan)
        line, = ax.semilogx(lrs, shown, "o" + LINESTYLES[name], ms=3.5, lw=1.3, color=COLORS[name], label=name)
        best = int(np.argmin(scores))
        ax.plot(lrs[best], scores[best], "o", ms=11, mfc="none", mec=line.get_color(), mew=1.8)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel(r"score: mean of $\log_{10}$ loss over the run" + "\n(lower is better)")
    ax.set_title(f"Tuning the learning rate on the {landscape.short}, "
                 f"{landscape.steps if steps is None else steps} steps\n"
                 "(circle = best rate; the curve stops where runs become unstable)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="best", fontsize=8, ncol=2)
    return ax.figure


# --- the widget ------------------------------------------------------------------------------


def interactive_race(optimizers: Sequence[str] = ("SGD", "Momentum", "Adam"), function: str = "ravine",
                     dpi: int = 72):
    """A race to play with: choose the optimizers, the landscape, each learning rate and the steps.

    Controls: a multi-select of optimizers, a landscape dropdown, one
    log-scale learning-rate slider per optimizer (reset to that landscape's
    tuned rates when the landscape changes) and a steps slider. Each change
    redraws `plot_race` into an `ipywidgets.Image`.

    Returns:
        An ipywidgets VBox, with `.controls` (a dict of the widgets), `.image` and `.redraw()`.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    landscape = get_landscape(function)
    style = {"description_width": "initial"}
    choose = widgets.SelectMultiple(options=list(OPTIMIZERS), value=tuple(_optimizer_name(n) for n in optimizers),
                                    rows=len(OPTIMIZERS), description="optimizers", style=style)
    where = widgets.Dropdown(options=list(LANDSCAPES), value=landscape.name, description="function", style=style)
    steps = widgets.IntSlider(value=landscape.steps, min=10, max=1000, step=10, description="steps", style=style)
    sliders = {name: widgets.FloatLogSlider(value=tuned_lr(name, landscape), base=10, min=-4, max=1, step=0.1,
                                            readout_format=".2g", description=f"lr {name}", style=style)
               for name in OPTIMIZERS}
    image = widgets.Image(format="png")
    busy = [False]

    def redraw(_change: Any = None) -> None:
        if busy[0]:
            return
        fig = plot_race(optimizers=choose.value, function=where.value, steps=steps.value,
                        lrs={name: s.value for name, s in sliders.items()})
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        plt.close(fig)
        image.value = buffer.getvalue()

    def new_function(change: Any) -> None:
        busy[0] = True  # set every slider, then draw once
        try:
            chosen = get_landscape(change["new"])
            for name, slider in sliders.items():
                slider.value = tuned_lr(name, chosen)
            steps.value = chosen.steps
        finally:
            busy[0] = False
        redraw()

    where.observe(new_function, names="value")
    for control in [choose, steps, *sliders.values()]:
        control.observe(redraw, names="value")
    left = widgets.VBox([choose, where, steps])
    right = widgets.VBox(list(sliders.values()))
    box = widgets.VBox([widgets.HBox([left, right]), image])
    box.controls = {"optimizers": choose, "function": where, "steps": steps, **sliders}
    box.image, box.redraw = image, redraw
    redraw()
    return box
