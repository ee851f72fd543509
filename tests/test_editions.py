"""The student edition: solutions become stubs, and every notebook still runs to the end."""
import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import editions  # noqa: E402

NOTEBOOKS = editions.course_notebooks(ROOT / "notebooks")


def test_stub_keeps_signature_docstring_and_imports():
    source = 'import math\n\ndef slope(f, x, h=1e-5):\n    """Central difference."""\n    return (f(x + h) - f(x - h)) / (2 * h)\n'
    stub = editions.stub_source(source)
    assert "import math" in stub
    assert 'def slope(f, x, h=1e-5):\n    """Central difference."""' in stub
    assert "raise NotImplementedError" in stub and "return" not in stub


def test_solution_cells_must_hold_only_functions():
    with pytest.raises(ValueError, match="only functions and imports"):
        editions.stub_source("answer = 42\n")


def test_student_notebook_clears_exercise_outputs():
    nb = nbformat.v4.new_notebook()
    solution = nbformat.v4.new_code_cell("def f():\n    return 1\n", metadata={"tags": ["solution"]})
    solution.outputs = [nbformat.v4.new_output("stream", text="x")]
    check = nbformat.v4.new_code_cell("checks.check_f(f)")
    check.outputs = [nbformat.v4.new_output("stream", text="✅")]
    other = nbformat.v4.new_code_cell("print(2)")
    other.outputs = [nbformat.v4.new_output("stream", text="2")]
    nb.cells = [solution, check, other]
    student = editions.student_notebook(nb)
    assert "raise NotImplementedError" in student.cells[0].source
    assert student.cells[0].outputs == [] and student.cells[1].outputs == []
    assert student.cells[2].outputs, "cells outside exercises keep their outputs"
    assert "solution" in nb.cells[0].metadata["tags"], "the instructor notebook is not modified"


def test_solutions_handout(tmp_path):
    written = editions.build_solutions(ROOT / "notebooks", tmp_path)
    for path in written:
        compile(path.read_text(), str(path), "exec")
    assert len(written) == sum(any(editions.is_solution(c) for c in nbformat.read(p, 4).cells) for p in NOTEBOOKS)


@pytest.fixture(scope="module")
def student_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("course") / "student"
    editions.build_student(ROOT / "notebooks", out)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_student_edition_runs_to_the_end(student_folder, name):
    from nbclient import NotebookClient

    os.environ["MINIGRAD_PROGRESS"] = "0"
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    path = student_folder / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    exercises = [i for i, c in enumerate(nb.cells) if "exercise" in c.metadata.get("tags", [])]
    for i in exercises:
        check = editions._next_code_cell(nb.cells, i)
        if check is None:
            continue
        text = "".join(o.get("text", "") for o in check.outputs)
        assert "not done yet" in text, f"{name}: the check after exercise cell {i} printed {text!r}"
