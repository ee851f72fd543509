"""Reusable figures are written only when the course is executed for the repository."""
import pytest

plt = pytest.importorskip("matplotlib.pyplot")

from minigrad_course.figures import FIGURES_ENV, save_figure  # noqa: E402


def test_nothing_is_written_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(FIGURES_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    fig, _ = plt.subplots()
    assert save_figure(fig, "01_anything") is None
    plt.close(fig)
    assert list(tmp_path.iterdir()) == []


def test_the_figure_goes_to_the_named_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(FIGURES_ENV, str(tmp_path / "figures"))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    save_figure(fig, "01_line")
    plt.close(fig)
    written = tmp_path / "figures" / "01_line.png"
    assert written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_notebook_writes_into_figures_directly():
    """Every notebook saves through save_figure, so nbval and learners leave figures/ alone."""
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "notebooks"
    offenders = []
    for path in sorted(root.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and ".savefig(" in source:
                offenders.append(path.name)
    assert not offenders, f"notebooks calling savefig directly: {offenders}"
