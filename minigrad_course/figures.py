"""Saving the course's reusable figures (for the README and slides) without dirtying a learner's tree.

A notebook calls `save_figure(fig, "08_digits_training")` after drawing. The PNG
is written to the folder named by the environment variable MINIGRAD_FIGURES,
which `make execute` (tools/execute_notebooks.py) sets to the repository's
`figures/`. Anywhere else (a learner's JupyterLab, a test run under nbval) the
variable is unset and nothing is written, so running the course never changes
tracked files.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["save_figure", "FIGURES_ENV"]

FIGURES_ENV = "MINIGRAD_FIGURES"


def save_figure(fig: Any, name: str) -> None:
    """Write `fig` as <MINIGRAD_FIGURES>/<name>.png (dpi 100, tight box) when that variable is set."""
    folder = os.environ.get(FIGURES_ENV)
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    fig.savefig(path / f"{name}.png", dpi=100, bbox_inches="tight")
