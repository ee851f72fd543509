"""Build the student edition of the course, or hand-out files of the solutions.

    python tools/editions.py student   [--notebooks notebooks] [--out student] [--keep-existing]
    python tools/editions.py solutions [--notebooks notebooks] [--out solutions]

The committed notebooks are the instructor edition. The student edition has the
course's layout (`student/notebooks/`, `student/figures/`); in it every
cell tagged `solution` keeps its function signatures and docstrings, and each
body becomes `raise NotImplementedError` for the learner to replace; outputs of
the exercise cells (solutions and the check cell right after each) are cleared.
The checkers answer "not done yet" for such a stub, so the student edition runs
top to bottom without breaking. `solutions` writes one Python file per notebook
with its reference solutions and the imports they use, for a teacher to hand out
after a session.

A student edition is the learner's working copy, so it is never overwritten with
their work in it. `student/.edition.json` records what each notebook held when it
was built; a rebuild refuses, and says how to start over, when a notebook has been
changed since (a cell's source edited, added or removed). `--keep-existing` (what
`make lab` uses) writes only what is missing and leaves every existing file alone.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import hashlib
import json
import shutil
import symtable
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


def free_names(source: str) -> set[str]:
    """The global names that the functions in `source` use but `source` never binds (builtins aside)."""
    module = symtable.symtable(source, "<solutions>", "exec")
    bound = {sym.get_name() for sym in module.get_symbols() if sym.is_assigned() or sym.is_imported()}
    used: set[str] = set()

    def visit(table: symtable.SymbolTable) -> None:
        used.update(sym.get_name() for sym in table.get_symbols() if sym.is_global() and sym.is_referenced())
        for child in table.get_children():
            visit(child)

    for child in module.get_children():
        visit(child)
    return {name for name in used - bound if not hasattr(builtins, name)}


def import_lines(nb, names: set[str]) -> dict[str, str]:
    """For each name in `names` that a code cell of `nb` imports, that import as one statement
    (name -> statement, in the notebook's order)."""
    lines: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython syntax (%magics); such a cell holds no import the solutions need
            continue
        for node in tree.body:
            for alias in getattr(node, "names", []) if isinstance(node, (ast.Import, ast.ImportFrom)) else []:
                name = alias.asname or alias.name.split(".")[0]
                if name not in names:
                    continue
                names = names - {name}
                as_part = f" as {alias.asname}" if alias.asname else ""
                if isinstance(node, ast.Import):
                    lines[name] = f"import {alias.name}{as_part}"
                else:
                    lines[name] = f"from {'.' * node.level}{node.module or ''} import {alias.name}{as_part}"
    return lines


def solutions_script(nb, title: str) -> str:
    """Every solution cell of a notebook, as one Python file, with the notebook's imports that they use.

    Names the solutions take from the notebook's own code (a class it builds step by step, a helper
    it defines) cannot be imported; the file's docstring lists them.
    """
    blocks = [cell.source.strip() for cell in nb.cells if is_solution(cell)]
    needed = free_names("\n\n".join(blocks))
    imports = import_lines(nb, needed)
    from_notebook = sorted(needed - set(imports))
    note = (f"\n\nThey use {', '.join(from_notebook)} from the notebook's own code: read them next to it."
            if from_notebook else "")
    header = f'"""Reference solutions for {title}.{note}"""\n'
    head = header + ("\n" + "\n".join(imports.values()) + "\n" if imports else "")
    return head + "".join(f"\n\n# --- exercise {k} ---\n{block}\n" for k, block in enumerate(blocks, 1))


def course_notebooks(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


MANIFEST = ".edition.json"


class LearnersWorkError(RuntimeError):
    """Building the student edition would overwrite notebooks that the learner has changed."""


def fingerprint(nb) -> str:
    """A hash of what a learner writes in a notebook: each cell's type and source (outputs aside)."""
    cells = [[cell.cell_type, cell.source] for cell in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def changed_by_learner(out: Path, editions: dict) -> list[Path]:
    """The notebooks in `out` whose cells differ from what was written there when the edition was built.

    `editions` maps each notebook's name to its fresh student version; a notebook
    the manifest does not know (an edition built before there was one) is compared
    with its fresh version instead."""
    manifest_path = out / MANIFEST
    built = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    changed = []
    for name, fresh in editions.items():
        path = out / "notebooks" / name
        if path.is_file():
            expected = built.get(name, fingerprint(fresh))
            if fingerprint(nbformat.read(path, as_version=4)) != expected:
                changed.append(path)
    return changed


def build_student(folder: Path, out: Path, keep_existing: bool = False) -> list[Path]:
    """Lay out the course in `out` as in the repository (`notebooks/`, `figures/`), every
    notebook as its student version; return the notebooks written.

    With `keep_existing`, only what is missing is written. Otherwise every notebook is
    (re)written, unless one of them holds the learner's work: then nothing is written
    and LearnersWorkError says how to start over. Files the learner added are never touched.
    """
    editions = {path.name: student_notebook(nbformat.read(path, as_version=4)) for path in course_notebooks(folder)}
    if not keep_existing:
        changed = changed_by_learner(out, editions)
        if changed:
            listing = "\n".join(f"    {path}" for path in changed)
            raise LearnersWorkError(
                f"{out}/ holds your work: these notebooks changed since the edition was built:\n{listing}\n"
                f"Nothing was overwritten. To start over with fresh notebooks, move your work aside first:\n"
                f"    mv {out} {out}-old\nthen build the edition again (make student).")
    _copy_tree(folder.resolve().parent / "figures", out / "figures", keep_existing)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    _copy_tree(folder, out / "notebooks", keep_existing,
               ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.ipynb", "conftest.py", "sanitize.cfg"))
    manifest_path = out / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    written = []
    for name, nb in editions.items():
        target = out / "notebooks" / name
        if keep_existing and target.exists():
            continue
        nbformat.write(nb, target)
        manifest[name] = fingerprint(nb)
        written.append(target)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return written


def _copy_tree(source: Path, target: Path, keep_existing: bool, ignore=None) -> None:
    """Copy `source` into `target`; with `keep_existing`, files already in `target` stay as they are."""
    if not source.is_dir():
        return
    copy = (lambda src, dst: None if Path(dst).exists() else shutil.copy2(src, dst)) if keep_existing else shutil.copy2
    shutil.copytree(source, target, ignore=ignore, dirs_exist_ok=True, copy_function=copy)


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
    parser.add_argument("--keep-existing", action="store_true",
                        help="student edition: write only what is missing, never touch an existing file")
    args = parser.parse_args(argv)
    out = args.out or Path(args.edition)
    if args.edition == "solutions":
        written = build_solutions(args.notebooks, out)
        print(f"{out}/: reference solutions of {len(written)} notebooks")
        return 0
    try:
        written = build_student(args.notebooks, out, keep_existing=args.keep_existing)
    except LearnersWorkError as error:
        print(error, file=sys.stderr)
        return 1
    kept = len(course_notebooks(args.notebooks)) - len(written)
    print(f"{out}/: the student edition, {len(written)} notebooks written"
          + (f", {kept} kept as they were" if kept else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
