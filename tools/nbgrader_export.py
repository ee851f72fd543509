"""Make an nbgrader course from the instructor notebooks, for a graded workshop.

    python tools/nbgrader_export.py [--notebooks notebooks] [--out nbgrader] [--points 1] [NN ...]

Writes an nbgrader course folder (`make nbgrader` writes `nbgrader/`, ignored by git):

    nbgrader/nbgrader_config.py
    nbgrader/source/<NN_name>/<NN_name>.ipynb     one assignment per notebook (or only those NN given)

In each notebook every exercise becomes two nbgrader cells:

- the cell tagged `solution` is an nbgrader *solution* cell: each function keeps its
  signature and docstring, and its body sits between `### BEGIN SOLUTION` and
  `### END SOLUTION`, so `nbgrader generate_assignment` gives students the same stub
  as the student edition (`# your code here...` / `raise NotImplementedError`);
- the check cell after it, `checks.check_x(fn)`, becomes an autograded *test* cell
  worth `--points`, `assert checks.check_x(fn), ...`: a checker that answers False
  (wrong, or "not done yet") fails the cell, so the exercise scores zero.

Then, in the course folder: `nbgrader generate_assignment NN_name` (the student
version, into release/), and after collecting submissions into
submitted/<student>/NN_name/, `nbgrader autograde NN_name`. TEACHING.md walks through it.
"""
from __future__ import annotations

import argparse
import ast
import shutil
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import editions  # noqa: E402

SCHEMA_VERSION = 3
CONFIG = '''\
# nbgrader settings for the backprop course (written by tools/nbgrader_export.py).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "backprop-course"
# Students see the same stub as in the course's student edition.
c.ClearSolutions.code_stub = {{"python": "# {stub}\\nraise NotImplementedError"}}
# The notebooks train small networks: allow a few minutes per notebook.
c.ExecutePreprocessor.timeout = 300
'''


def mark_solution(source: str) -> str:
    """Each function body of a solution cell between nbgrader's solution delimiters (after its docstring)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    begin_after: dict[int, str] = {}   # line number (1-based) after which BEGIN goes -> indent
    end_after: dict[int, str] = {}
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            raise ValueError(f"a solution cell may hold only functions and imports, found: "
                             f"{lines[node.lineno - 1].strip()!r}")
        body = node.body
        has_docstring = (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                         and isinstance(body[0].value.value, str))
        indent = " " * body[0].col_offset
        begin_after[body[0].end_lineno if has_docstring else body[0].lineno - 1] = indent
        end_after[node.end_lineno] = indent
    out = []
    for number, line in enumerate(lines, 1):
        out.append(line)
        if number in begin_after:
            out.append(f"{begin_after[number]}### BEGIN SOLUTION")
        if number in end_after:
            out.append(f"{end_after[number]}### END SOLUTION")
    return "\n".join(out) + "\n"


def assert_check(source: str) -> str:
    """`checks.check_x(fn)` (after any comment lines) as `assert checks.check_x(fn), "..."`."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body else None
    if not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
            and ast.unparse(last.value.func).startswith("checks.check_")):
        raise ValueError(f"a check cell must end with a call to a checker, checks.check_...(...); found {source!r}")
    lines = source.splitlines()
    head = lines[:last.lineno - 1]
    call = "\n".join(lines[last.lineno - 1:last.end_lineno])
    return "\n".join(head + [f'assert {call}, "the check above did not pass"']) + "\n"


def nbgrader_metadata(grade_id: str, *, solution: bool, points: int | None = None) -> dict:
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": points is not None,
            "schema_version": SCHEMA_VERSION, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def nbgrader_notebook(nb, points: int = 1):
    """The nbgrader source version of one instructor notebook (a modified copy)."""
    nb = nbformat.from_dict(nb)
    exercise = 0
    for i, cell in enumerate(nb.cells):
        if not editions.is_solution(cell):
            continue
        exercise += 1
        cell.source = mark_solution(cell.source)
        cell.metadata["nbgrader"] = nbgrader_metadata(f"exercise_{exercise}", solution=True)
        check = editions._next_code_cell(nb.cells, i)
        if check is None:
            raise ValueError(f"exercise {exercise} has no check cell after its solution cell")
        check.source = assert_check(check.source)
        check.metadata["nbgrader"] = nbgrader_metadata(f"check_{exercise}", solution=False, points=points)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def export(folder: Path, out: Path, points: int = 1, only: list[str] | None = None) -> list[Path]:
    """Write the nbgrader course into `out`; return the source notebooks written.

    `only`: notebook numbers ("02", "15") to export; all that have exercises when empty.
    The source/ folder is rewritten; the rest of `out` (the gradebook, release/,
    submitted/, autograded/) is left as it is.
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG.format(stub=editions.STUB_PROMPT))
    if (out / "source").exists():
        shutil.rmtree(out / "source")
    written = []
    for path in editions.course_notebooks(folder):
        if only and path.name[:2] not in only:
            continue
        nb = nbformat.read(path, as_version=4)
        if not any(editions.is_solution(cell) for cell in nb.cells):
            continue
        target = out / "source" / path.stem / path.name
        target.parent.mkdir(parents=True)
        nbformat.write(nbgrader_notebook(nb, points), target)
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="notebook numbers to export (default: all with exercises)")
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    parser.add_argument("--out", type=Path, default=Path("nbgrader"))
    parser.add_argument("--points", type=int, default=1, help="points per exercise (default 1)")
    args = parser.parse_args(argv)
    written = export(args.notebooks, args.out, args.points, args.only)
    first = written[0].parent.name if written else "NN_name"
    print(f"{args.out}/: an nbgrader course with {len(written)} assignments in source/. Next (TEACHING.md, section 3):\n"
          f"    source .venv/bin/activate && cd {args.out} && nbgrader generate_assignment {first}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
