"""Interactive figures: controls that redraw a matplotlib figure, shown as a PNG image.

    interactive_figure(draw, lr=FloatLogSlider(...), steps=IntSlider(...))

works like `ipywidgets.interact`, except that `draw(**values)` *returns* its
figure, which is shown in an `ipywidgets.Image`. An image widget holds plain
bytes, so a notebook executed without a browser (the tests, `make execute`)
renders it in one go; the Output widget that `interact` draws into needs a
round trip to the kernel that a headless runner can miss.

Every explorer is an `Explorer` box: live, it is the controls and the image;
in a saved notebook, where no widget state is stored, its text reads "run this
cell to use the explorer" instead of a widget repr such as `VBox(children=...`.
A control that does nothing in the current state (a leaky-ReLU slope while
sigmoid is shown) is disabled through `enabled_when`.
"""
from __future__ import annotations

import functools
import io
from typing import Any, Callable, Mapping

__all__ = ["Explorer", "control_names", "enable_when", "explorer", "figure_png", "interactive_figure", "static_text"]

Rule = Callable[[dict[str, Any]], bool]


def figure_png(fig: Any, dpi: int = 80) -> bytes:
    """The figure as PNG bytes; the figure is closed, so it is not also drawn below the cell."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError:
        raise ImportError("interactive figures need ipywidgets (pip install ipywidgets); without it, "
                          "call the drawing function yourself with the values you want") from None
    return ipywidgets


def static_text(names: list[str]) -> str:
    """What a saved notebook shows in place of an explorer whose controls are `names`."""
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    controls = f" (controls: {shown})" if shown else ""
    return f"Run this cell to use the explorer{controls}; a saved notebook keeps no widget state."


def control_names(widget: Any) -> list[str]:
    """The descriptions of the controls inside `widget` that hold a value (boxes are searched; buttons
    and unnamed widgets are skipped)."""
    children = getattr(widget, "children", None)
    if children is not None:
        return [name for child in children for name in control_names(child)]
    description = getattr(widget, "description", "")
    return [description] if description and hasattr(widget, "value") else []


@functools.cache
def _explorer_class() -> type:
    """`Explorer`, defined on first use so that importing this module does not need ipywidgets."""
    widgets = _ipywidgets()

    class Explorer(widgets.VBox):
        """A VBox whose text form (a saved notebook, a terminal) says how to use it, not its children."""

        def __repr__(self) -> str:
            return static_text(control_names(self))

        def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
            bundle = super()._repr_mimebundle_(**kwargs)
            if bundle is not None:
                bundle["text/plain"] = repr(self)  # the base class would cut it at 110 characters
            return bundle

    Explorer.__module__, Explorer.__qualname__ = __name__, "Explorer"
    return Explorer


def __getattr__(name: str) -> Any:
    if name == "Explorer":
        return _explorer_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def enable_when(controls: Mapping[str, Any], rules: Mapping[str, Rule]) -> Callable[[], None]:
    """Disable each control named in `rules` while its rule, given every control's value, is false.

    `rules` maps a control's name in `controls` to a function of the dict
    {name: value}; e.g. {"negative_slope": lambda v: v["name"] == "leaky_relu"}.
    The states are set now and again whenever any control changes; the
    returned function sets them on demand.
    """
    unknown = sorted(set(rules) - set(controls))
    if unknown:
        raise ValueError(f"enabled_when names {', '.join(map(repr, unknown))}, which are not controls here; "
                         f"the controls are {', '.join(map(repr, controls))}")

    def update(_change: Any = None) -> None:
        values = {name: control.value for name, control in controls.items()}
        for name, rule in rules.items():
            controls[name].disabled = not rule(values)

    if rules:
        for control in controls.values():
            control.observe(update, names="value")
        update()
    return update


def explorer(widget: Any, enabled_when: Mapping[str, Rule] | None = None):
    """`widget` inside an `Explorer` box, so that a saved notebook shows a sentence instead of its repr.

    The box keeps the widget's `image`, `redraw` and `controls` attributes
    where it has them; `enabled_when` (rules over `widget.controls`, as in
    `enable_when`) disables the controls that do nothing in the current state.
    """
    box = _explorer_class()([widget])
    for attribute in ("image", "redraw", "controls"):
        if hasattr(widget, attribute):
            setattr(box, attribute, getattr(widget, attribute))
    if enabled_when:
        if not hasattr(widget, "controls"):
            raise ValueError("enabled_when needs a widget with a .controls dict of its named controls")
        enable_when(widget.controls, enabled_when)
    return box


def interactive_figure(draw: Callable[..., Any], dpi: int = 80, enabled_when: Mapping[str, Rule] | None = None,
                       **controls: Any):
    """Controls above an image of `draw(**values)`, redrawn whenever a control changes.

    Each keyword is an ipywidgets control (its `.value` is passed to `draw`
    under that name). `enabled_when` maps a control's name to a rule over all
    the values, e.g. {"negative_slope": lambda v: v["name"] == "leaky_relu"}:
    while the rule is false the control is disabled (it still passes its value).
    Returns an `Explorer` box; `box.image` is the Image widget, `box.controls`
    the controls by name, and `box.redraw()` draws again.
    """
    widgets = _ipywidgets()
    image = widgets.Image(format="png")

    def redraw(_change: Any = None) -> None:
        image.value = figure_png(draw(**{name: control.value for name, control in controls.items()}), dpi)

    for control in controls.values():
        control.observe(redraw, names="value")
    enable_when(controls, enabled_when or {})
    box = _explorer_class()([widgets.HBox(list(controls.values())), image])
    box.image, box.redraw, box.controls = image, redraw, dict(controls)
    redraw()
    return box
