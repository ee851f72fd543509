"""The nbgrader course made from the instructor notebooks (tools/nbgrader_export.py).

The round trip runs nbgrader itself on two notebooks, 02 and 15 (each has two exercises
and runs in a few seconds; all sixteen would take minutes): `generate_assignment`, then
`autograde` of two submissions, the reference solutions (full marks) and the student
version that nbgrader hands out (zero: every checker answers "not done yet").
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import editions  # noqa: E402
import nbgrader_export  # noqa: E402

ROUND_TRIP = ["02", "15"]


def test_solution_bodies_sit_between_the_delimiters():
    source = ('import math\n\n\ndef f(x):\n    """Docstring."""\n    y = x + 1\n    return y\n\n\n'
              "def g(x):\n    return math.sin(x)\n")
    marked = nbgrader_export.mark_solution(source)
    assert marked == ('import math\n\n\ndef f(x):\n    """Docstring."""\n    ### BEGIN SOLUTION\n    y = x + 1\n'
                      "    return y\n    ### END SOLUTION\n\n\ndef g(x):\n    ### BEGIN SOLUTION\n"
                      "    return math.sin(x)\n    ### END SOLUTION\n")
    with pytest.raises(ValueError, match="only functions and imports"):
        nbgrader_export.mark_solution("answer = 42\n")


def test_a_check_becomes_an_assertion():
    assert nbgrader_export.assert_check("# check it\nchecks.check_f(f)") == (
        '# check it\nassert checks.check_f(f), "the check above did not pass"\n')
    with pytest.raises(ValueError, match="must end with a call to a checker"):
        nbgrader_export.assert_check("print(f(2))")


def test_every_exercise_becomes_a_solution_cell_and_a_graded_check(tmp_path):
    written = nbgrader_export.export(ROOT / "notebooks", tmp_path, points=2)
    with_exercises = [p for p in editions.course_notebooks(ROOT / "notebooks")
                      if any(editions.is_solution(c) for c in nbformat.read(p, 4).cells)]
    assert [p.name for p in written] == [p.name for p in with_exercises]
    for instructor, source in zip(with_exercises, written):
        n_exercises = sum(editions.is_solution(c) for c in nbformat.read(instructor, 4).cells)
        graded = [c for c in nbformat.read(source, 4).cells if "nbgrader" in c.metadata]
        assert [c.metadata.nbgrader.grade_id for c in graded] == [
            f"{kind}_{k}" for k in range(1, n_exercises + 1) for kind in ("exercise", "check")]
        for solution, check in zip(graded[::2], graded[1::2]):
            assert solution.metadata.nbgrader.solution and "### BEGIN SOLUTION" in solution.source
            assert check.metadata.nbgrader.points == 2 and check.source.splitlines()[-1].startswith("assert checks.")
    assert "NotImplementedError" in (tmp_path / "nbgrader_config.py").read_text()


def nbgrader(course: Path, *args: str) -> None:
    # nbgrader runs the environment's `alembic` command: the environment's bin/ goes first on PATH
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path, "MINIGRAD_PROGRESS": "0", "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"


@pytest.mark.slow
def test_autograde_gives_the_reference_full_marks_and_the_blanks_zero(tmp_path):
    pytest.importorskip("nbgrader", reason="nbgrader is not installed (make setup installs it: the grading extra)")
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    assignments = [p.parent.name for p in nbgrader_export.export(ROOT / "notebooks", course, only=ROUND_TRIP)]
    assert [a[:2] for a in assignments] == ROUND_TRIP
    for assignment in assignments:
        nbgrader(course, "generate_assignment", assignment)
        released = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", 4)
        stubs = [c.source for c in released.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
        assert stubs and all(editions.STUB_PROMPT in s and "BEGIN SOLUTION" not in s for s in stubs)
        for student, version in [("reference", course / "source"), ("blank", course / "release")]:
            shutil.copytree(version / assignment, course / "submitted" / student / assignment)
    for assignment in assignments:
        nbgrader(course, "autograde", "--create", assignment)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for assignment in assignments:
            scores = {s.student_id: (s.score, s.max_score) for s in gradebook.assignment_submissions(assignment)}
            assert scores["reference"][0] == scores["reference"][1] > 0, f"{assignment}: {scores}"
            assert scores["blank"][0] == 0, f"{assignment}: {scores}"
