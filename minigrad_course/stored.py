"""Results of the sweeps too slow to run live, stored by the scripts in `experiments/`.

    from minigrad_course.stored import load_results
    sweep = load_results("16_cnn_vs_mlp")      # experiments/results/16_cnn_vs_mlp.json, as a dict
    sweep["command"]                           # the command that made it

A notebook runs from `notebooks/`, the student edition from `student/notebooks/` or
from a copy elsewhere, so the file is looked for in `experiments/results/` of the
folder the notebook runs in and of each folder above it, then of the course's own
checkout (the folder that holds the `minigrad_course` package).
"""
from __future__ import annotations

import json
from pathlib import Path

__all__ = ["load_results", "results_path"]

_RESULTS = Path("experiments") / "results"


def results_path(name: str, start: Path | None = None) -> Path:
    """Where `<name>.json` is: the first experiments/results/ found from `start` (default: the current
    folder) upwards, else the course checkout's. FileNotFoundError, saying where it looked, if none has it."""
    start = Path.cwd() if start is None else Path(start)
    checkout = Path(__file__).resolve().parent.parent
    places = [folder / _RESULTS for folder in (start.resolve(), *start.resolve().parents, checkout)]
    for place in places:
        if (place / f"{name}.json").is_file():
            return place / f"{name}.json"
    raise FileNotFoundError(f"no stored results {name}.json in experiments/results/ of this folder, the folders above "
                            f"it or the course checkout: make them with `python experiments/{name}.py` from the "
                            "course's folder")


def load_results(name: str, start: Path | None = None) -> dict:
    """The stored results `<name>.json` (see `results_path`), as a dict."""
    return json.loads(results_path(name, start).read_text())
