"""Re-execute course notebooks in place, the same way every time.

    python tools/execute_notebooks.py notebooks                    # all of them
    python tools/execute_notebooks.py notebooks/03_*.ipynb         # one

Each notebook runs top to bottom in a fresh python3 kernel, from its own folder,
with progress bars off (MINIGRAD_PROGRESS=0) and one BLAS thread, as under `make test`; widget state is dropped before saving.
This is the one run that writes the reusable figures into figures/ (MINIGRAD_FIGURES).
Prints each notebook's execution time (to the terminal, never into the notebook).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def notebooks_in(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for p in map(Path, paths):
        found += sorted(p.glob("[0-9][0-9]_*.ipynb")) if p.is_dir() else [p]
    return found


def execute(path: Path, timeout: int = 600) -> float:
    """Run `path` in place; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   allow_errors=False, store_widget_state=True, record_timing=False).execute()
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    os.environ["MINIGRAD_PROGRESS"] = "0"
    os.environ["MINIGRAD_FIGURES"] = str(Path(__file__).resolve().parent.parent / "figures")  # only here are figures saved
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the same environment as the tests' kernels
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    total = 0.0
    for path in notebooks_in(argv or ["notebooks"]):
        seconds = execute(path)
        total += seconds
        print(f"{seconds:6.1f} s  {path}")
    print(f"{total:6.1f} s  total")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
