"""interactive_figure: controls redraw the figure that the drawing function returns."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import minigrad_course.widgets as widgets_module  # noqa: E402
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


def test_static_text_says_how_to_use_the_explorer_not_a_widget_repr():
    box = interactive_figure(line, slope=widgets.FloatSlider(value=1.0, description="slope"),
                             label=widgets.Text(value="a", description="label"))
    bundle = box._repr_mimebundle_()
    text = bundle["text/plain"]
    assert text == repr(box)
    assert text.startswith("Run this cell to use the explorer (controls: slope, label)")
    assert "VBox" not in text and "children" not in text
    assert "application/vnd.jupyter.widget-view+json" in bundle, "live, it is still a widget"


def test_static_text_lists_a_few_controls_and_counts_the_rest():
    names = [f"c{i}" for i in range(9)]
    assert "c0, c1, c2, c3, c4, c5 and 3 more" in widgets_module.static_text(names)
    assert "controls" not in widgets_module.static_text([])


def leaky(kind, slope):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([-1, 0, 1], [-slope if kind == "leaky" else 0, 0, 1])
    return fig


def test_a_control_is_disabled_while_its_rule_says_it_does_nothing():
    kind = widgets.Dropdown(options=["relu", "leaky"], value="relu")
    slope = widgets.FloatSlider(value=0.1, min=0, max=0.5)
    box = interactive_figure(leaky, kind=kind, slope=slope,
                             enabled_when={"slope": lambda values: values["kind"] == "leaky"})
    assert slope.disabled and not kind.disabled
    kind.value = "leaky"
    assert not slope.disabled
    before = box.image.value
    slope.value = 0.4
    assert box.image.value != before, "an enabled control redraws"
    kind.value = "relu"
    assert slope.disabled


def test_enabled_when_must_name_a_control():
    with pytest.raises(ValueError, match="'slop'.*not controls here.*'kind', 'slope'"):
        interactive_figure(leaky, kind=widgets.Dropdown(options=["relu"]), slope=widgets.FloatSlider(),
                           enabled_when={"slop": lambda values: True})


def test_explorer_wraps_a_ready_made_widget():
    choose = widgets.SelectMultiple(options=["a", "b"], value=("a",), description="which")
    rate_a = widgets.FloatSlider(description="lr a")
    rate_b = widgets.FloatSlider(description="lr b")
    inner = widgets.VBox([choose, widgets.VBox([rate_a, rate_b])])
    inner.controls = {"which": choose, "a": rate_a, "b": rate_b}
    box = widgets_module.explorer(inner, enabled_when={name: (lambda v, name=name: name in v["which"])
                                                       for name in "ab"})
    assert isinstance(box, widgets_module.Explorer) and box.children == (inner,)
    assert box.controls is inner.controls
    assert repr(box).startswith("Run this cell to use the explorer (controls: which, lr a, lr b)")
    assert not rate_a.disabled and rate_b.disabled
    choose.value = ("b",)
    assert rate_a.disabled and not rate_b.disabled


def test_explorer_rules_need_named_controls():
    with pytest.raises(ValueError, match="a .controls dict"):
        widgets_module.explorer(widgets.VBox([]), enabled_when={"x": lambda v: True})


def test_static_text_names_the_controls_that_hold_a_value():
    box = widgets_module.explorer(widgets.HBox([widgets.Button(description="Next ▶"),
                                                widgets.IntSlider(description="step")]))
    assert "(controls: step)" in repr(box)
