"""minigrad_course.stored finds a sweep's stored results from wherever a notebook runs."""
import json

import pytest

from minigrad_course import stored


def test_found_in_a_folder_above(tmp_path):
    results = tmp_path / "experiments" / "results"
    results.mkdir(parents=True)
    (results / "99_sweep.json").write_text(json.dumps({"command": "python experiments/99_sweep.py"}))
    notebooks = tmp_path / "student" / "notebooks"
    notebooks.mkdir(parents=True)
    assert stored.load_results("99_sweep", start=notebooks) == {"command": "python experiments/99_sweep.py"}


def test_falls_back_to_the_course_checkout(tmp_path):
    path = stored.results_path("16_cnn_vs_mlp", start=tmp_path)      # tmp_path has no experiments/ above it
    assert path.parent.parent.parent == stored.Path(stored.__file__).resolve().parent.parent


def test_missing_results_say_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"python experiments/00_nothing.py"):
        stored.load_results("00_nothing", start=tmp_path)
