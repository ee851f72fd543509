"""minigrad_course.viz: graph drawings and the step-by-step backward pass.

A frame is one turn of the outer loop of `Value.backward()` (one node with
inputs passing its gradient on), plus frame 0, the start; with per_edge=True
one chain-rule product per frame.
"""
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad import Value  # noqa: E402
from minigrad.scalar import MLP  # noqa: E402
from minigrad_course.viz import backward_explorer, backward_frames, draw_backward_step, draw_graph  # noqa: E402
from minigrad_course.viz.backward import CURRENT, RECEIVING  # noqa: E402
from minigrad_course.viz.graph import build_graph, place  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- expressions, built fresh by each call ----------------------------------------------------

def labelled(v, name):
    v.label = name
    return v


def product():
    """L = (a * b) * k with a=2, b=3, k=2: the step of c = a*b gives dL/da = 2 * 3 = 6."""
    a, b, k = Value(2.0, label="a"), Value(3.0, label="b"), Value(2.0, label="k")
    c = labelled(a * b, "c")
    return labelled(c * k, "L")


def tanh_expr():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = labelled(a * b, "e")
    d = labelled(e + c, "d")
    return labelled((d * 0.1).tanh(), "L")


def reuse():
    """b = a + a; c = b * b: every gradient arrives twice."""
    a = Value(3.0, label="a")
    b = labelled(a + a, "b")
    return labelled(b * b, "c")


def shared():
    """a feeds two different nodes: its gradient arrives in two different steps."""
    a, b = Value(1.5, label="a"), Value(-2.0, label="b")
    d = labelled(a * b, "d")
    e = labelled(d + a, "e")
    return labelled((e ** 2 - 1.0 / b).exp(), "L")


def unlabelled():
    a, b = Value(0.5), Value(-1.5)
    return (a * b + a.sigmoid()).relu() * (-b).log() - b / a


def network():
    """A 2-2-1 network from minigrad.scalar with a squared-error loss (about 20 nodes)."""
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    x = [Value(1.0, label="x1"), Value(-2.0, label="x2")]
    return labelled((model(x) - 0.5) ** 2, "L")


EXPRESSIONS = [product, tanh_expr, reuse, shared, unlabelled, network]


def backward_grads(make):
    """Gradients of every node by root.backward(), keyed by the names the frames use."""
    root = make()
    root.backward()
    g = build_graph(root)
    return {name: node.grad for name, node in zip(g.names, g.nodes)}


# --- frames --------------------------------------------------------------------------------

@pytest.mark.parametrize("make", EXPRESSIONS)
def test_one_frame_per_node_with_inputs_plus_the_start(make):
    root = make()
    nodes = build_graph(root).nodes
    assert len(backward_frames(root)) == 1 + sum(1 for n in nodes if n._prev)
    assert len(backward_frames(root, per_edge=True)) == 1 + sum(len(n._prev) for n in nodes)


@pytest.mark.parametrize("make", EXPRESSIONS)
def test_frame_zero_is_the_start(make):
    root = make()
    f = backward_frames(root)[0]
    names = build_graph(root).names
    assert f.step == 0 and f.node is None and f.edges == []
    assert f.grads[names[-1]] == 1.0
    assert all(f.grads[n] == 0.0 for n in names[:-1])
    assert f.reached == {names[-1]}


@pytest.mark.parametrize("per_edge", [False, True])
@pytest.mark.parametrize("make", EXPRESSIONS)
def test_last_frame_holds_the_gradients_of_backward(make, per_edge):
    g = build_graph(make())
    frames = backward_frames(g.nodes[-1], per_edge=per_edge)
    assert frames[-1].grads == backward_grads(make)  # the same sums in the same order: exactly equal
    assert frames[-1].done == {name for name, node in zip(g.names, g.nodes) if node._prev}


@pytest.mark.parametrize("make", EXPRESSIONS)
def test_frames_leave_the_graph_untouched(make):
    root = make()
    nodes = build_graph(root).nodes
    for k, node in enumerate(nodes):
        node.grad = 0.25 * k  # whatever the user had there
    before = [(n.data, n.grad) for n in nodes]
    backward_frames(root)
    backward_frames(root, per_edge=True)
    draw_backward_step(root, 1)
    assert [(n.data, n.grad) for n in nodes] == before


def test_chain_rule_text_of_a_known_step():
    frames = backward_frames(product())
    step = next(f for f in frames if f.node == "c")
    assert step.lines[0] == "dL/da += dL/dc * dc/da = 2.000 * 3.000 = 6.000"
    assert step.lines[1] == "dL/db += dL/dc * dc/db = 2.000 * 2.000 = 4.000"
    assert step.edges == [("a", "c", 0), ("b", "c", 1)]
    assert step.added == [6.0, 4.0]
    assert frames[1].lines == ["dL/dc += dL/dL * dL/dc = 1.000 * 2.000 = 2.000",
                               "dL/dk += dL/dL * dL/dk = 1.000 * 6.000 = 6.000"]


def test_unlabelled_nodes_are_named_by_position():
    root = unlabelled()
    names = build_graph(root).names
    assert names == [f"n{i}" for i in range(len(names))]
    line = backward_frames(root)[1].lines[0]
    assert line.startswith(f"d{names[-1]}/dn")


def test_a_reused_input_accumulates_with_plus_equals():
    frames = backward_frames(reuse())  # c = b * b, then b = a + a
    assert [f.node for f in frames] == [None, "c", "b"]
    assert frames[1].grads["b"] == 12.0 and frames[1].grads["a"] == 0.0
    assert frames[1].lines[1].endswith("(total now 12.000)")
    assert frames[2].grads["a"] == 24.0
    assert frames[2].edges == [("a", "b", 0), ("a", "b", 1)]


def test_per_edge_shows_the_accumulation_across_two_steps():
    frames = backward_frames(reuse(), per_edge=True)
    assert [f.grads["b"] for f in frames] == [0.0, 6.0, 12.0, 12.0, 12.0]
    assert [f.grads["a"] for f in frames] == [0.0, 0.0, 0.0, 12.0, 24.0]
    assert frames[1].lines == ["dc/db += dc/dc * dc/db = 1.000 * 6.000 = 6.000"]
    assert frames[2].lines == ["dc/db += dc/dc * dc/db = 1.000 * 6.000 = 6.000   (total now 12.000)"]
    assert "c" not in frames[1].done and "c" in frames[2].done


def test_a_node_with_two_consumers_gets_gradient_in_two_steps():
    frames = backward_frames(shared())  # a feeds d = a*b and e = d + a
    steps_to_a = [f.step for f in frames if any(child == "a" for child, _, _ in f.edges)]
    assert len(steps_to_a) == 2
    first, second = (frames[k] for k in steps_to_a)
    assert first.node == "e" and second.node == "d"
    assert "total now" in next(line for line in second.lines if line.startswith("dL/da"))
    assert second.grads["a"] == pytest.approx(first.grads["a"] + second.added[0])


@pytest.mark.parametrize("build, slot, rule", [
    (lambda a, b: a * b, 0, "dc/da = b"),
    (lambda a, b: a / b, 1, "dc/db = -a/b²"),
    (lambda a, b: a - b, 1, "dc/db = -1"),
    (lambda a, b: a ** b, 1, "dc/db = c·ln(a)"),
    (lambda a, b: a ** 3, 0, "dc/da = 3·a^2"),
    (lambda a, b: a.tanh(), 0, "dc/da = 1 - c²"),
    (lambda a, b: a.exp(), 0, "dc/da = c"),
])
def test_local_rules_name_the_local_derivative(build, slot, rule):
    from minigrad_course.viz.backward import local_rule
    g = build_graph(labelled(build(Value(2.0, label="a"), Value(3.0, label="b")), "c"))
    assert local_rule(g, g.root, slot) == rule


# --- drawings ----------------------------------------------------------------------------------

def node_boxes(fig):
    return [p for p in fig.axes[0].patches if str(p.get_gid()).startswith("node:")]


def op_marks(fig):
    return [p for p in fig.axes[0].patches if str(p.get_gid()).startswith("op:")]


@pytest.mark.parametrize("make", EXPRESSIONS)
def test_draw_graph_draws_one_box_per_node_and_one_circle_per_op(make):
    root = make()
    nodes = build_graph(root).nodes
    fig = draw_graph(root)
    assert isinstance(fig, Figure)
    assert len(node_boxes(fig)) == len(nodes)
    assert len(op_marks(fig)) == sum(1 for n in nodes if n._prev)
    assert any(t.get_text().startswith("Computational graph of") for t in fig.axes[0].texts)


def test_boxes_show_label_data_and_grad():
    root = tanh_expr()
    root.backward()
    texts = [t.get_text() for t in draw_graph(root, title="mine").axes[0].texts]
    assert "mine" in texts and "e" in texts
    assert "data -6.000\ngrad  0.086" in texts
    no_grad = [t.get_text() for t in draw_graph(root, show_grad=False).axes[0].texts]
    assert not any("grad" in t for t in no_grad if not t.startswith("Computational"))


def boxes_of(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return renderer, {p.get_gid(): p.get_window_extent(renderer) for p in node_boxes(fig)}


@pytest.mark.parametrize("draw", [lambda r: draw_graph(r), lambda r: draw_backward_step(r, 3)])
def test_a_network_is_drawn_without_overlaps_and_its_text_fits(draw):
    fig = draw(network())
    renderer, boxes = boxes_of(fig)
    items = list(boxes.items())
    for n, (gid, box) in enumerate(items):
        for other_gid, other in items[n + 1:]:
            assert not box.overlaps(other), (gid, other_gid)
    for text in fig.axes[0].texts:
        if str(text.get_gid()).startswith("node:"):
            extent, box = text.get_window_extent(renderer), boxes[text.get_gid()]
            assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0 and extent.y1 <= box.y1
    width, height = fig.get_size_inches()
    assert width <= 12.6 and height <= 9.1
    assert min(t.get_fontsize() for t in fig.axes[0].texts) >= 7  # readable


def test_layout_is_deterministic_and_flows_left_to_right():
    g1, g2 = build_graph(network()), build_graph(network())
    p1, p2 = place(g1), place(g2)
    assert p1 == p2
    assert p1.col[-1] == max(p1.col)  # the output is the rightmost column
    assert all(p1.col[j] < p1.col[i] for i, ins in enumerate(g1.inputs) for j in ins)


def test_an_edge_that_skips_columns_gets_a_lane_between_the_boxes():
    g = build_graph(shared())  # a feeds d = a*b (next column) and e = d + a (two columns on)
    a, e = g.names.index("a"), g.names.index("e")
    pl = place(g)
    assert [c for c, _ in pl.lanes[(a, e)]] == [pl.col[a] + 1]
    _, lane_row = pl.lanes[(a, e)][0]
    in_that_column = [r for i, r in enumerate(pl.row) if pl.col[i] == pl.col[a] + 1]
    assert all(abs(lane_row - r) >= 0.5 + 0.3 / 2 - 1e-9 for r in in_that_column)


def test_draw_backward_step_highlights_the_step():
    root = tanh_expr()
    frames = backward_frames(root)
    k = next(f.step for f in frames if f.node == "e")
    fig = draw_backward_step(root, k)
    assert isinstance(fig, Figure)
    boxes = {p.get_gid(): p for p in node_boxes(fig)}
    assert len(boxes) == len(build_graph(root).nodes)
    assert matplotlib.colors.same_color(boxes["node:e"].get_facecolor(), CURRENT.face)
    assert boxes["node:e"].get_linewidth() > boxes["node:L"].get_linewidth()  # thick border: works in grayscale
    assert matplotlib.colors.same_color(boxes["node:a"].get_facecolor(), RECEIVING.face)
    notes = next(t.get_text() for t in fig.axes[0].texts if t.get_gid() == "notes")
    assert notes.splitlines() == [f"{line}   since de/d{x} = {y}" for line, x, y in zip(frames[k].lines, "ab", "ba")]
    badges = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "badge:a"]
    assert badges == ["+= " + f"{frames[k].added[0]:.3f}"]


def test_nodes_not_reached_show_a_question_mark():
    fig = draw_backward_step(tanh_expr(), 0)
    texts = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "node:a"]
    assert texts[1].endswith("?") and "Backward pass, step 0" in " ".join(t.get_text() for t in fig.axes[0].texts)


def test_every_step_has_the_same_figure_size():
    root = network()
    sizes = {tuple(draw_backward_step(root, k).get_size_inches()) for k in (0, 1, 5, -1)}
    plt.close("all")
    assert len(sizes) == 1


def test_steps_out_of_range_say_which_exist():
    root = reuse()
    assert isinstance(draw_backward_step(root, -1), Figure)
    with pytest.raises(IndexError, match="steps 0 to 2"):
        draw_backward_step(root, 3)


def test_drawing_into_a_given_axes():
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    assert draw_graph(tanh_expr(), ax=left) is fig
    assert draw_backward_step(tanh_expr(), 2, ax=right) is fig
    for ax in (left, right):
        assert sum(str(p.get_gid()).startswith("node:") for p in ax.patches) == 8


def test_a_single_value_is_a_graph_of_one_box():
    a = Value(4.0, label="a")
    assert len(backward_frames(a)) == 1
    assert len(node_boxes(draw_graph(a))) == 1
    assert len(node_boxes(draw_backward_step(a, 0))) == 1


def test_per_edge_steps_highlight_one_edge_each():
    root = reuse()
    fig = draw_backward_step(root, 2, per_edge=True)
    badges = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "badge:b"]
    assert badges == ["+= 6.000"]
    assert "c = b * b sends gradient to b (input 2 of 2)" in " ".join(t.get_text() for t in fig.axes[0].texts)


# --- tensors -----------------------------------------------------------------------------------

def tensor_expr():
    x = mg.Tensor([[1.0, -2.0]], dtype="float64")
    W = mg.Tensor([[0.5, -0.3], [0.2, 0.8]], requires_grad=True, dtype="float64")
    b = mg.Tensor([0.1, -0.1], requires_grad=True, dtype="float64")
    h = (x @ W + b).tanh()
    return (h * h + h).sum(), dict(x=x, W=W, b=b, h=h)


def test_tensor_graph_shows_names_and_shapes():
    root, labels = tensor_expr()
    fig = draw_graph(root, labels=labels)
    assert len(node_boxes(fig)) == len(build_graph(root).nodes)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "W" in texts and "(2, 2)" in texts and "[[0.50 -0.30] [0.20 0.80]]" in texts


def test_tensor_frames_end_with_the_gradients_of_backward(cpu_namespace):
    root, labels = tensor_expr()
    frames = backward_frames(root, labels=labels)
    assert frames[-1].grads["x"] is None  # needs no gradient, gets none
    assert any("rule of '@'" in line for f in frames for line in f.lines)
    assert frames[0].grads["W"] is None and frames[-1].reached >= {"W", "b", "h"}
    root.backward()
    for name in ("W", "b", "h"):
        np.testing.assert_allclose(frames[-1].grads[name], labels[name]._backend.to_numpy(labels[name].grad))
    assert isinstance(draw_backward_step(root, 2, labels=labels), Figure)


def test_a_large_tensor_is_shown_by_its_shape():
    mg.manual_seed(0)
    w = mg.randn(4, 5, requires_grad=True)
    fig = draw_backward_step((w * w).sum(), -1)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "(4, 5)" in texts and "an array of shape (4, 5)" in texts


# --- the widget --------------------------------------------------------------------------------

def test_explorer_steps_with_its_buttons():
    widgets = pytest.importorskip("ipywidgets")
    w = backward_explorer(reuse())
    assert isinstance(w, widgets.VBox)
    prev, slider, nxt = w.children[0].children
    assert isinstance(slider, widgets.IntSlider) and (slider.min, slider.max, slider.value) == (0, 2, 0)
    assert isinstance(w.children[1], widgets.Image) and prev.disabled
    first = w.children[1].value
    assert bytes(first).startswith(b"\x89PNG")
    nxt.click()
    assert w.children[1].value != first, "each step redraws the picture"
    nxt.click()
    nxt.click()
    assert slider.value == 2 and nxt.disabled
    prev.click()
    assert slider.value == 1 and not prev.disabled


def test_explorer_without_ipywidgets_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match="pip install ipywidgets"):
        backward_explorer(reuse())
