"""interactive_figure: controls redraw the figure that the drawing function returns."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from minigrad_course.widgets import figure_png, interactive_figure  # noqa: E402

widgets = pytest.importorskip("ipywidgets")


def line(slope, label):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, slope], label=label)
    calls.append((slope, label))
    return fig


calls = []


def test_redraws_with_the_controls_values():
    calls.clear()
    slope = widgets.FloatSlider(value=1.0, min=0, max=2)
    label = widgets.Text(value="a")
    box = interactive_figure(line, slope=slope, label=label)
    assert calls == [(1.0, "a")]
    first = box.image.value
    assert bytes(first).startswith(b"\x89PNG")
    slope.value = 2.0
    assert calls[-1] == (2.0, "a") and box.image.value != first
    label.value = "b"
    assert calls[-1] == (2.0, "b")
    assert plt.get_fignums() == [], "every drawn figure is closed"


def test_figure_png_closes_the_figure():
    fig, _ = plt.subplots()
    assert figure_png(fig).startswith(b"\x89PNG")
    assert not plt.fignum_exists(fig.number)
