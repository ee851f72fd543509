"""Pictures of computational graphs and of the backward pass, drawn with matplotlib only.

    from minigrad_course.viz import draw_graph, backward_frames, draw_backward_step, backward_explorer

    draw_graph(L)                  # the graph: values in boxes, operations in circles
    frames = backward_frames(L)    # the backward pass, step by step, as data
    draw_backward_step(L, 2)       # the picture of step 2
    backward_explorer(L)           # a slider and Prev/Next buttons over those pictures (ipywidgets)
"""
from .backward import Frame, backward_explorer, backward_frames, draw_backward_step
from .drawing import draw_graph

__all__ = ["draw_graph", "backward_frames", "draw_backward_step", "backward_explorer", "Frame"]
