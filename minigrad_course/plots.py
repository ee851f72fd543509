"""Plots that several notebooks need: digit images, a confusion matrix, decision boundaries.

    from minigrad_course import plots

    plots.show_digits(X[:20], y[:20])                            # a grid of 8x8 images with labels
    cm = plots.confusion_matrix(y_true, y_pred, n_classes=10)    # counts: row = true, column = predicted
    plots.plot_confusion_matrix(cm)
    xs, ys, classes = plots.decision_grid(model, (-2, 2), (-2, 2), n=200)
    plots.plot_decision_boundary(model, X, y)                    # the model's classes on a grid, and the data

Each plotting function draws into `ax` when given one (and returns its figure),
or makes a new figure; none calls `plt.show()`, so a notebook can add to the
picture first. Plain matplotlib, no styles set globally.
"""
from __future__ import annotations

from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from minigrad.autograd import no_grad

from .inputs import model_input

__all__ = ["show_digits", "confusion_matrix", "plot_confusion_matrix", "decision_grid",
           "plot_decision_boundary", "CLASS_COLORS"]

# One colour per class, the same in every plot of the course (matplotlib's tab10).
CLASS_COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
                "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]


def _numpy(values: Any) -> np.ndarray:
    """Tensors (via `.numpy()`), lists and arrays as NumPy arrays."""
    if hasattr(values, "numpy") and not isinstance(values, np.ndarray):
        values = values.numpy()
    return np.asarray(values)


# --- digit images -----------------------------------------------------------------------


def show_digits(images: Any, labels: Any = None, predictions: Any = None, ncols: int = 10,
                title: str | None = None, size: float = 0.8) -> Figure:
    """A grid of square grey images (the digits: rows of 64 pixels, or (n, 8, 8)), in one Axes.

    Each image is captioned with its label; with `predictions`, with "true 3" over
    "pred 8", in red where the two differ. Dark means ink (cmap "gray_r"). `size`
    is the width of one image in inches. The captions are the Axes' texts, in order.
    """
    images = _numpy(images).astype(np.float64)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(f"show_digits: rows of {images.shape[1]} pixels are not square images")
        images = images.reshape(len(images), side, side)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"show_digits expects a non-empty (n, pixels) or (n, h, w) array, got shape {images.shape}")
    n, h, w = images.shape
    labels = None if labels is None else _numpy(labels)
    predictions = None if predictions is None else _numpy(predictions)
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and len(values) != n:
            raise ValueError(f"show_digits: {n} images but {len(values)} {name}")
    ncols = max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    lines = 2 if predictions is not None else (1 if labels is not None else 0)
    step_x = w * 1.15                                   # one image and the gap to the next, in pixels
    per_inch = step_x / size                            # pixels (data units) per inch
    band = lines * 0.16 * per_inch + (0.1 * per_inch if lines else 0.0)   # room for 9-point captions
    step_y = h + band + 0.15 * w
    fig = plt.figure(figsize=(ncols * size, nrows * step_y / per_inch + (0.35 if title else 0.0)))
    ax = fig.add_axes((0, 0, 1, 1 - (0.35 / fig.get_figheight() if title else 0.0)))
    vmax = max(float(images.max()), 1e-12)
    for k in range(n):
        r, c = divmod(k, ncols)
        x0, y0 = c * step_x, r * step_y + band
        ax.imshow(images[k], cmap="gray_r", vmin=0.0, vmax=vmax, interpolation="nearest",
                  extent=(x0, x0 + w, y0 + h, y0))
        ax.add_patch(plt.Rectangle((x0, y0), w, h, fill=False, edgecolor="lightgrey", linewidth=0.6))
        if predictions is not None:
            true = "?" if labels is None else f"{labels[k]}"
            wrong = labels is not None and predictions[k] != labels[k]
            ax.text(x0 + w / 2, y0 - 0.05 * h, f"true {true}\npred {predictions[k]}", ha="center", va="bottom",
                    fontsize=9, color="tab:red" if wrong else "black")
        elif labels is not None:
            ax.text(x0 + w / 2, y0 - 0.05 * h, f"{labels[k]}", ha="center", va="bottom", fontsize=10)
    ax.set_xlim(-0.1 * w, ncols * step_x)
    ax.set_ylim(nrows * step_y, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        fig.suptitle(title, y=1.0, va="top")
    return fig


# --- confusion matrix -------------------------------------------------------------------


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None) -> np.ndarray:
    """Counts C[i, j] = how many examples of true class i were predicted as class j (int64, n_classes^2).

    The diagonal holds the right answers; accuracy = trace(C) / C.sum().
    `n_classes` defaults to 1 + the largest class seen.
    """
    y_true, y_pred = _numpy(y_true).astype(np.int64).ravel(), _numpy(y_pred).astype(np.int64).ravel()
    if len(y_true) != len(y_pred):
        raise ValueError(f"confusion_matrix: {len(y_true)} true labels but {len(y_pred)} predictions")
    if n_classes is None:
        n_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    if len(y_true) and (min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= n_classes):
        raise ValueError(f"confusion_matrix: labels must lie in [0, {n_classes - 1}]")
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def plot_confusion_matrix(cm: Any, class_names: Sequence[str] | None = None, ax: plt.Axes | None = None,
                          title: str = "Confusion matrix") -> Figure:
    """The counts of `confusion_matrix` as a heat map, every count written in its cell.

    Colours are row-normalised (the fraction of each true class), so a rare
    class's mistakes show as clearly as a common class's; zeros are left blank.
    """
    cm = _numpy(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot_confusion_matrix expects a square matrix, got shape {cm.shape}")
    k = cm.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else [str(c) for c in class_names]
    fig = ax.figure if ax is not None else plt.figure(figsize=(0.5 * k + 2.5, 0.5 * k + 2))
    ax = ax if ax is not None else fig.add_subplot()
    rows = cm.sum(axis=1, keepdims=True)
    fraction = cm / np.where(rows == 0, 1, rows)
    image = ax.imshow(fraction, cmap="Blues", vmin=0.0, vmax=1.0)
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                ax.text(j, i, f"{cm[i, j]}", ha="center", va="center", fontsize=8,
                        color="white" if fraction[i, j] > 0.5 else ("tab:red" if i != j else "black"))
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class")
    return fig


# --- decision boundaries on 2-D data ----------------------------------------------------


def decision_grid(model: Any, xlim: tuple[float, float], ylim: tuple[float, float], n: int = 200
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The class the model predicts at every point of an n x n grid over the box xlim x ylim.

    The model takes a float32 Tensor of shape (n*n, 2) and returns logits of shape
    (n*n, C): the class is the argmax (or logit > 0 when C = 1). All points go through
    in one batch, in evaluation mode and under `no_grad()` (the model's mode is
    restored afterwards).

    Returns:
        xs (n,), ys (n,): the grid's coordinates (`np.linspace`);
        classes (n, n) int64 with classes[i, j] the class at the point (xs[j], ys[i]),
        as `np.meshgrid(xs, ys)` lays out points and `plt.contourf(xs, ys, classes)` reads them.
    """
    n = int(n)
    if n < 2:
        raise ValueError(f"decision_grid needs n >= 2 points per side, got {n}")
    xs = np.linspace(xlim[0], xlim[1], n)
    ys = np.linspace(ylim[0], ylim[1], n)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    was_training = getattr(model, "training", None)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            logits = _numpy(model(model_input(model, points)))
    finally:
        if was_training is not None and hasattr(model, "train"):
            model.train(was_training)
    logits = logits.reshape(len(points), -1)
    classes = (logits[:, 0] > 0).astype(np.int64) if logits.shape[1] == 1 else logits.argmax(axis=1)
    return xs, ys, classes.reshape(n, n)


def plot_decision_boundary(model: Any, X: Any, y: Any, ax: plt.Axes | None = None, n: int = 200,
                           padding: float = 0.25, title: str | None = None, n_classes: int | None = None,
                           legend: bool = True) -> Figure:
    """The model's predicted class over the data's bounding box (pale regions), and the data (dots).

    The box is the range of X along each axis, widened by `padding` times that range.
    Dots take their class's colour; a region the model gives to class k has the
    same colour, paler, so a dot on a region of another colour is a mistake.
    """
    X, y = _numpy(X).astype(np.float64), _numpy(y).astype(np.int64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D points, X of shape (N, 2); got {X.shape}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = padding * np.maximum(hi - lo, 1e-9)
    xs, ys, classes = decision_grid(model, (lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]), n)
    k = n_classes or int(max(y.max(), classes.max())) + 1
    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(k)]
    fig = ax.figure if ax is not None else plt.figure(figsize=(5, 4.5))
    ax = ax if ax is not None else fig.add_subplot()
    ax.contourf(xs, ys, classes, levels=np.arange(k + 1) - 0.5, colors=colors, alpha=0.25)
    ax.contour(xs, ys, classes, levels=np.arange(k + 1) - 0.5, colors="black", linewidths=0.6)
    for c in range(k):
        here = y == c
        ax.scatter(X[here, 0], X[here, 1], s=14, color=colors[c], edgecolors="black", linewidths=0.3,
                   label=f"class {c}")
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
    return fig
