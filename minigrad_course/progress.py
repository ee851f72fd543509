"""A progress bar for training loops that stays out of committed notebook outputs.

`progress(iterable)` is tqdm's auto bar (a widget in JupyterLab, text in a
terminal). It is silent when the environment variable MINIGRAD_PROGRESS is
"0", which the test and re-execution commands set, so that stored notebooks
hold no timings.
"""
from __future__ import annotations

import os
from typing import Iterable, TypeVar

T = TypeVar("T")


def progress_enabled() -> bool:
    return os.environ.get("MINIGRAD_PROGRESS", "1") != "0"


def progress(iterable: Iterable[T], desc: str | None = None, total: int | None = None, **kwargs) -> Iterable[T]:
    """Wrap `iterable` in a progress bar (or return it unchanged when bars are off or tqdm is missing)."""
    if not progress_enabled():
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, total=total, **kwargs)
