"""Interactive figures: controls that redraw a matplotlib figure, shown as a PNG image.

    interactive_figure(draw, lr=FloatLogSlider(...), steps=IntSlider(...))

works like `ipywidgets.interact`, except that `draw(**values)` *returns* its
figure, which is shown in an `ipywidgets.Image`. An image widget holds plain
bytes, so a notebook executed without a browser (the tests, `make execute`)
renders it in one go; the Output widget that `interact` draws into needs a
round trip to the kernel that a headless runner can miss.
"""
from __future__ import annotations

import io
from typing import Any, Callable

__all__ = ["figure_png", "interactive_figure"]


def figure_png(fig: Any, dpi: int = 80) -> bytes:
    """The figure as PNG bytes; the figure is closed, so it is not also drawn below the cell."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def interactive_figure(draw: Callable[..., Any], dpi: int = 80, **controls: Any):
    """Controls above an image of `draw(**values)`, redrawn whenever a control changes.

    Each keyword is an ipywidgets control (its `.value` is passed to `draw`
    under that name). Returns the widget box; `box.image` is the Image widget
    and `box.redraw()` draws again.
    """
    try:
        import ipywidgets as widgets
    except ImportError:
        raise ImportError("interactive figures need ipywidgets (pip install ipywidgets); without it, "
                          "call the drawing function yourself with the values you want") from None
    image = widgets.Image(format="png")

    def redraw(_change: Any = None) -> None:
        image.value = figure_png(draw(**{name: control.value for name, control in controls.items()}), dpi)

    for control in controls.values():
        control.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox(list(controls.values())), image])
    box.image, box.redraw = image, redraw
    redraw()
    return box
