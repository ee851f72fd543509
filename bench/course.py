"""How long each notebook of the course takes to execute, and the total.

    python bench/course.py

Runs each notebook top to bottom in a fresh kernel, from a temporary copy of the
course (the notebooks in the repository are not touched), with progress bars off.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import table, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def time_notebook(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main() -> None:
    os.environ["MINIGRAD_PROGRESS"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        shutil.copytree(ROOT / "notebooks", course / "notebooks")
        shutil.copytree(ROOT / "figures", course / "figures")
        timings = {p.name: time_notebook(p) for p in sorted((course / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
    total = sum(timings.values())
    rows = [[name, f"{seconds:.1f}"] for name, seconds in timings.items()] + [["total", f"{total:.1f}"]]
    print(table(rows, ["notebook", "seconds"]))
    path = write_results("course", "python bench/course.py", {"seconds": timings, "total_s": total})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
