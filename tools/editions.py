"""Build the student edition of the course, or hand-out files of the solutions.

    python tools/editions.py student   [--notebooks notebooks] [--out student]
    python tools/editions.py solutions [--notebooks notebooks] [--out solutions]

The committed notebooks are the instructor edition. The student edition has the
course's layout (`student/notebooks/`, `student/figures/`); in it every
cell tagged `solution` keeps its function signatures and docstrings, and each
body becomes `raise NotImplementedError` for the learner to replace; outputs of
the exercise cells (solutions and the check cell right after each) are cleared.
The checkers answer "not done yet" for such a stub, so the student edition runs
top to bottom without breaking. `solutions` writes one Python file per notebook
with its reference solutions, for a teacher to hand out after a session.
"""
from __future__ import annotations

import argparse
import ast
import shutil
import sys
from pathlib import Path

import nbformat

STUB_PROMPT = "your code here: replace this line"


def is_solution(cell) -> bool:
    return cell.cell_type == "code" and "solution" in cell.metadata.get("tags", [])


def stub_source(source: str) -> str:
    """Keep imports, signatures and docstrings of `source`; each function body becomes a stub."""
    tree = ast.parse(source)
    lines = source.splitlines()
    pieces = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            pieces.append(_stub_function(node, lines))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            pieces.append("\n".join(lines[node.lineno - 1:node.end_lineno]))
        else:
            raise ValueError(f"a solution cell may hold only functions and imports, found: "
                             f"{lines[node.lineno - 1].strip()!r}")
    return "\n\n\n".join(pieces) + "\n"


def _stub_function(node: ast.FunctionDef, lines: list[str]) -> str:
    first_body = node.body[0]
    has_docstring = isinstance(first_body, ast.Expr) and isinstance(getattr(first_body, "value", None), ast.Constant) \
        and isinstance(first_body.value.value, str)
    keep_until = first_body.end_lineno if has_docstring else first_body.lineno - 1
    start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    head = lines[start - 1:keep_until]
    indent = " " * (first_body.col_offset)
    return "\n".join(head + [f"{indent}# {STUB_PROMPT}", f"{indent}raise NotImplementedError"])


def student_notebook(nb):
    """The student version of one notebook (a modified copy)."""
    nb = nbformat.from_dict(nb)
    cells = nb.cells
    for i, cell in enumerate(cells):
        if is_solution(cell):
            cell.source = stub_source(cell.source)
            cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != "solution"] + ["exercise"]
            _clear(cell)
            check = _next_code_cell(cells, i)
            if check is not None:
                _clear(check)
    return nb


def _clear(cell) -> None:
    cell.outputs = []
    cell.execution_count = None


def _next_code_cell(cells, i):
    for cell in cells[i + 1:]:
        if cell.cell_type == "code":
            return None if is_solution(cell) else cell
    return None


def solutions_script(nb, title: str) -> str:
    """Every solution cell of a notebook, as one Python file."""
    blocks = [cell.source.strip() for cell in nb.cells if is_solution(cell)]
    header = f'"""Reference solutions for {title}."""\n'
    return header + "".join(f"\n\n# --- exercise {k} ---\n{block}\n" for k, block in enumerate(blocks, 1))


def course_notebooks(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def build_student(folder: Path, out: Path) -> list[Path]:
    """Lay out the course in `out` as in the repository (`notebooks/`, `figures/`), every
    notebook as its student version; return the notebooks written."""
    if out.exists():
        shutil.rmtree(out)
    figures = folder.resolve().parent / "figures"
    if figures.is_dir():
        shutil.copytree(figures, out / "figures")
    (out / "figures").mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder, out / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.ipynb", "conftest.py"))
    written = []
    for path in course_notebooks(folder):
        nb = student_notebook(nbformat.read(path, as_version=4))
        target = out / "notebooks" / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written


def build_solutions(folder: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in course_notebooks(folder):
        nb = nbformat.read(path, as_version=4)
        if any(is_solution(c) for c in nb.cells):
            target = out / (path.stem + "_solutions.py")
            target.write_text(solutions_script(nb, path.name))
            written.append(target)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("edition", choices=["student", "solutions"])
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or Path(args.edition)
    build = build_student if args.edition == "student" else build_solutions
    for path in build(args.notebooks, out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
