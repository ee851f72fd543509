"""Fair comparisons: tune each arm's learning rate, repeat over seeds, report mean ± sd.

A claim such as "Adam beats SGD" or "12 layers are too many" is only as good
as the learning rates it was measured at. `tune` runs one arm (one
configuration) over a small learning-rate grid and a few seeds, picks the rate
whose mean score is best on the seeds it was tuned on, and reports the spread:

    def run(lr, seed):                          # trains once, returns the metrics
        ...
        return {"val_acc": acc, "val_loss": loss}

    result = tune(run, lrs=[0.01, 0.1, 1.0], seeds=[0, 1, 2], metric="val_acc")
    result.best_lr, result.mean, result.sd
    print(result.describe())                    # "lr 0.1 (of 0.01-1): 0.953 ± 0.004 over 3 seeds"

`compare` tunes several arms the same way and prints one table. What the rate
was tuned on is the arm's own `metric` on the data `run` evaluates on (say so
in the notebook: "tuned on the validation split"); `evaluate_seeds` re-runs the
chosen rate on fresh seeds, so the reported spread is not the one it was picked on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

__all__ = ["Tuned", "tune", "compare", "mean_sd", "format_mean_sd", "comparison_table", "plot_lr_sweep"]

Run = Callable[..., Mapping[str, float]]


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """The mean and the sample standard deviation (n - 1; 0 for a single value). A nan run stays nan."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("mean_sd needs at least one value")
    mean = math.fsum(values) / len(values)
    if len(values) == 1:
        return mean, 0.0
    return mean, math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


def format_mean_sd(values: Sequence[float], digits: int = 3) -> str:
    """'0.953 ± 0.004' (fixed precision, so the text is the same every run)."""
    mean, sd = mean_sd(values)
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


@dataclass
class Tuned:
    """One arm, tuned: every run's metrics, the chosen rate and its scores."""

    name: str
    metric: str
    higher_is_better: bool
    grid: dict[float, list[float]] = field(default_factory=dict)       # lr -> the metric, one per tuning seed
    runs: dict[float, list[Mapping[str, float]]] = field(default_factory=dict)
    best_lr: float = math.nan
    scores: list[float] = field(default_factory=list)                  # the metric at best_lr, one per seed
    seeds: list[int] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return mean_sd(self.scores)[0]

    @property
    def sd(self) -> float:
        return mean_sd(self.scores)[1]

    def grid_means(self) -> dict[float, float]:
        """lr -> the mean metric over the tuning seeds."""
        return {lr: mean_sd(v)[0] for lr, v in self.grid.items()}

    def at_edge(self) -> bool:
        """Whether the best rate is the smallest or the largest tried (the grid may be too narrow)."""
        rates = sorted(self.grid)
        return len(rates) > 1 and self.best_lr in (rates[0], rates[-1])

    def describe(self, digits: int = 3) -> str:
        rates = sorted(self.grid)
        span = f"{rates[0]:g}-{rates[-1]:g}" if len(rates) > 1 else f"{rates[0]:g}"
        edge = ", at the edge of the grid" if self.at_edge() else ""
        return (f"lr {self.best_lr:g} (of {span}{edge}): {self.metric} {format_mean_sd(self.scores, digits)} "
                f"over {len(self.scores)} seed{'s' if len(self.scores) != 1 else ''}")


def _score(metrics: Mapping[str, float], metric: str, higher_is_better: bool) -> float:
    """The metric of one run; a run that diverged (nan) counts as the worst possible."""
    if metric not in metrics:
        raise KeyError(f"run returned {sorted(metrics)}, without the metric {metric!r} to tune on")
    value = float(metrics[metric])
    if math.isnan(value):
        return -math.inf if higher_is_better else math.inf
    return value


def tune(run: Run, lrs: Sequence[float], seeds: Sequence[int], metric: str = "val_acc",
         higher_is_better: bool = True, evaluate_seeds: Sequence[int] | None = None, name: str = "",
         **fixed: Any) -> Tuned:
    """Run `run(lr=..., seed=..., **fixed)` for every rate and seed; keep the rate with the best mean.

    The scores reported are those of the best rate on `evaluate_seeds` (fresh runs)
    when given, else on the tuning seeds themselves (then say the spread is optimistic).
    """
    if not lrs or not seeds:
        raise ValueError("tune needs at least one learning rate and one seed")
    tuned = Tuned(name=name, metric=metric, higher_is_better=higher_is_better)
    for lr in lrs:
        results = [run(lr=lr, seed=seed, **fixed) for seed in seeds]
        tuned.runs[lr] = results
        tuned.grid[lr] = [_score(r, metric, higher_is_better) for r in results]
    pick = max if higher_is_better else min
    tuned.best_lr = pick(lrs, key=lambda lr: mean_sd(tuned.grid[lr])[0])
    if evaluate_seeds is None:
        tuned.seeds, tuned.scores = list(seeds), list(tuned.grid[tuned.best_lr])
    else:
        tuned.seeds = list(evaluate_seeds)
        tuned.scores = [_score(run(lr=tuned.best_lr, seed=s, **fixed), metric, higher_is_better)
                        for s in evaluate_seeds]
    return tuned


def compare(arms: Mapping[str, Run], lrs: Sequence[float] | Mapping[str, Sequence[float]], seeds: Sequence[int],
            metric: str = "val_acc", higher_is_better: bool = True,
            evaluate_seeds: Sequence[int] | None = None) -> dict[str, Tuned]:
    """`tune` each arm (its own grid when `lrs` is a dict name -> grid), the same seeds for all."""
    out = {}
    for name, run in arms.items():
        grid = lrs[name] if isinstance(lrs, Mapping) else lrs
        out[name] = tune(run, grid, seeds, metric, higher_is_better, evaluate_seeds, name=name)
    return out


def comparison_table(results: Mapping[str, Tuned], digits: int = 3) -> str:
    """A fixed-width table, one row per arm: best lr, mean ± sd, and the grid's means."""
    if not results:
        return ""
    width = max(len(name) for name in results)
    metric = next(iter(results.values())).metric
    lines = [f"{'arm':{width}s}  {'best lr':>8s}  {metric + ' (mean ± sd)':>22s}  n"]
    for name, t in results.items():
        flag = " *" if t.at_edge() else ""
        lines.append(f"{name:{width}s}  {t.best_lr:8g}  {format_mean_sd(t.scores, digits):>22s}  {len(t.scores)}{flag}")
    if any(t.at_edge() for t in results.values()):
        lines.append("* the best rate is at the edge of the grid: a wider grid might do better")
    return "\n".join(lines)


def plot_lr_sweep(results: Mapping[str, Tuned], ax: Any = None, title: str = "") -> Any:
    """Each arm's mean metric (± sd over the tuning seeds) against the learning rate (log axis)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4))
    for name, t in results.items():
        rates = sorted(t.grid)
        stats = [mean_sd([v for v in t.grid[lr] if math.isfinite(v)] or [math.nan]) for lr in rates]
        means, sds = [m for m, _ in stats], [s for _, s in stats]
        line, = ax.plot(rates, means, "o-", label=f"{name} (best lr {t.best_lr:g})")
        ax.fill_between(rates, [m - s for m, s in zip(means, sds)], [m + s for m, s in zip(means, sds)],
                        color=line.get_color(), alpha=0.15)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    first = next(iter(results.values()), None)
    ax.set_ylabel(f"{first.metric if first else 'score'} (mean ± sd over seeds)")
    ax.set_title(title or "Learning-rate sweep: each arm at its own best rate")
    ax.legend()
    return ax
