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


def test_solutions_handout_imports_what_it_uses(tmp_path):
    """Every name a handout uses is imported in it or named in its docstring as the notebook's own;
    a handout that needs nothing from the notebook runs on its own."""
    import runpy

    for path in editions.build_solutions(ROOT / "notebooks", tmp_path):
        text = path.read_text()
        docstring = text.split('"""')[1]
        missing = [name for name in editions.free_names(text) if name not in docstring.split("They use")[-1]]
        assert not missing, f"{path.name} uses {missing} without importing them"
        if "They use" not in docstring:
            runpy.run_path(str(path))


def test_import_lines_keep_the_notebooks_spelling():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%matplotlib inline"),
                nbformat.v4.new_code_cell("import numpy as np\nimport os.path\nfrom minigrad import Tensor, nn as mnn")]
    assert editions.import_lines(nb, {"np", "mnn", "os"}) == {
        "np": "import numpy as np", "os": "import os.path", "mnn": "from minigrad import nn as mnn"}
    assert editions.free_names("import math\ndef f(x):\n    return np.sqrt(x) + math.pi + len(x)\n") == {"np"}


def two_notebook_course(folder: Path) -> Path:
    """A course folder with two small notebooks, one with an exercise."""
    notebooks = folder / "notebooks"
    notebooks.mkdir(parents=True)
    (folder / "figures").mkdir()
    (folder / "figures" / "f.png").write_bytes(b"png")
    exercise = nbformat.v4.new_notebook()
    exercise.cells = [nbformat.v4.new_code_cell("def f():\n    return 1\n", metadata={"tags": ["solution"]}),
                      nbformat.v4.new_code_cell("checks.check_f(f)")]
    nbformat.write(exercise, notebooks / "01_one.ipynb")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# two")]), notebooks / "02_two.ipynb")
    return notebooks


def test_student_edition_is_built_once_and_kept(tmp_path):
    notebooks = two_notebook_course(tmp_path / "course")
    out = tmp_path / "student"
    assert len(editions.build_student(notebooks, out, keep_existing=True)) == 2
    assert (out / "figures" / "f.png").read_bytes() == b"png"
    mine = out / "notebooks" / "01_one.ipynb"
    work = nbformat.read(mine, 4)
    work.cells[0].source = "def f():\n    return 1  # my answer\n"
    nbformat.write(work, mine)
    (out / "notebooks" / "notes.txt").write_text("my notes")
    (out / "notebooks" / "02_two.ipynb").unlink()
    assert editions.build_student(notebooks, out, keep_existing=True) == [out / "notebooks" / "02_two.ipynb"]
    assert "my answer" in mine.read_text(), "the learner's work is never overwritten"
    assert (out / "notebooks" / "notes.txt").read_text() == "my notes"


def test_rebuild_refuses_to_overwrite_the_learners_work(tmp_path):
    notebooks = two_notebook_course(tmp_path / "course")
    out = tmp_path / "student"
    editions.build_student(notebooks, out)
    mine = out / "notebooks" / "01_one.ipynb"
    work = nbformat.read(mine, 4)
    work.cells.append(nbformat.v4.new_code_cell("print('my experiment')"))
    nbformat.write(work, mine)
    before = mine.read_bytes()
    with pytest.raises(editions.LearnersWorkError, match=r"(?s)01_one.ipynb.*Nothing was overwritten.*mv .*student"):
        editions.build_student(notebooks, out)
    assert mine.read_bytes() == before
    assert editions.main(["student", "--notebooks", str(notebooks), "--out", str(out)]) == 1


def test_rebuild_of_an_untouched_edition_is_allowed(tmp_path):
    """Running cells changes outputs, not the learner's code: a rebuild may replace such a notebook."""
    notebooks = two_notebook_course(tmp_path / "course")
    out = tmp_path / "student"
    editions.build_student(notebooks, out)
    ran = nbformat.read(out / "notebooks" / "01_one.ipynb", 4)
    ran.cells[1].outputs = [nbformat.v4.new_output("stream", text="not done yet")]
    nbformat.write(ran, out / "notebooks" / "01_one.ipynb")
    assert len(editions.build_student(notebooks, out)) == 2


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
