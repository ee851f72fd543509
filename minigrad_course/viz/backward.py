"""The backward pass, one step at a time: frames, a figure per step, and a widget.

A *step* is one turn of the outer loop of `Value.backward()`:

    for node in reversed(topological_order(root)):        # one step per node with inputs
        for child, local in zip(node._prev, node._local):  # one chain-rule product per edge
            child.grad += local * node.grad

Leaves have no inputs, so they take no step: a graph with K nodes that have
inputs gives K + 1 frames (frame 0 is the start: every gradient 0 except
dL/dL = 1). With `per_edge=True` each chain-rule product is a step of its own,
so a reused node (`b = a + a`) shows its gradient growing by `+=` over two steps.

The gradients are computed on the side, in the frames: the `.grad` of the
nodes in your graph is never touched.
"""
from __future__ import annotations

from dataclasses import dataclass

from minigrad.autograd import input_gradients

from .drawing import Picture, Style, fmt_array, fmt_number, node_rows, render, text_width
from .graph import Graph, build_graph

CURRENT = Style(face="#f4a261", edge="black", lw=3.0)
RECEIVING = Style(face="#ffe3b3", edge="#c2410c", lw=2.2, ls="--")
DONE = Style(face="#b9e0b2", edge="#333333")
REACHED = Style()
NOT_REACHED = Style(face="#eeeeee", edge="#a0a0a0", ls=":", text="#8a8a8a", weight="normal")
HOT_EDGE = Style(edge="#c2410c", lw=2.6)
HOT_OP = Style(face="#f4a261", edge="black", lw=2.0)
LEGEND = [("sending its gradient", CURRENT), ("receiving", RECEIVING), ("done", DONE),
          ("has a gradient", REACHED), ("not reached (?)", NOT_REACHED)]


@dataclass
class Frame:
    """The state of the backward pass after `step` steps.

    node:   name of the node passing its gradient to its inputs in this step (None in frame 0)
    edges:  (input, node, slot) for each edge that carries gradient in this step;
            slot is the input's position (in `a + a`, a arrives at slots 0 and 1)
    added:  the gradient each of those edges adds to its input (a number, or an array)
    grads:  name -> gradient of every node after this step (Value: 0.0 until reached;
            Tensor: a NumPy array, None until reached; frames share unchanged arrays)
    reached: names that have received some gradient so far (the root from the start)
    done:   names whose gradient has been passed on, this step's node included
    lines:  the chain-rule products of this step, written out
    """
    step: int
    node: str | None
    edges: list[tuple[str, str, int]]
    added: list
    grads: dict
    reached: frozenset
    done: frozenset
    lines: list[str]


def backward_frames(root, per_edge: bool = False, labels: dict | None = None) -> list[Frame]:
    """The backward pass from `root` (a Value or a Tensor) as a list of frames, one per step.

    frames[0] is the start (dL/dL = 1); frames[-1] holds the gradients `root.backward()`
    would give. The graph itself is not modified. `labels` names nodes, as in `draw_graph`.
    """
    return _frames(build_graph(root, labels), per_edge)


def _frames(g: Graph, per_edge: bool) -> list[Frame]:
    """Run the backward pass on the side, recording a Frame after each step.

    `shown` holds each gradient as the frames show it (a NumPy copy for tensors),
    refreshed only when it changes, so frames share the arrays that a step left alone.
    """
    grads, reached, done = _start(g), {g.root}, set()
    shown = [_numpy(g, n, grad) for n, grad in enumerate(grads)]
    R = g.names[g.root]
    frames = [_snapshot(g, 0, None, [], [], shown, reached, done, [f"d{R}/d{R} = 1: the pass starts at {R}"])]
    for i in reversed(range(len(g.nodes))):
        terms = _terms(g, i, grads[i]) if g.inputs[i] and grads[i] is not None else []
        groups = [[t] for t in terms] if per_edge else [terms] if terms else []
        for n, group in enumerate(groups):
            lines, edges, added = [], [], []
            for slot, j, local, grad in group:
                lines.append(_chain_text(g, i, j, local, grads[i], grad, grads[j] if j in reached else None))
                grads[j] = grad if grads[j] is None else grads[j] + grad
                shown[j] = _numpy(g, j, grads[j])
                reached.add(j)
                edges.append((j, i, slot))
                added.append(_numpy(g, j, grad))
            if n == len(groups) - 1:
                done.add(i)
            frames.append(_snapshot(g, len(frames), i, edges, added, shown, reached, done, lines))
        if g.inputs[i] and not groups:  # a tensor op none of whose inputs needs a gradient
            done.add(i)
    return frames


def _start(g: Graph) -> list:
    """Gradients before the pass: 0 (Value) or None (Tensor), and 1 for the root."""
    if not g.is_tensor:
        return [0.0] * (len(g.nodes) - 1) + [1.0]
    root = g.nodes[g.root]
    return [None] * (len(g.nodes) - 1) + [root._backend.xp.ones(root.data.shape, dtype=root.dtype)]


def _terms(g: Graph, i: int, grad) -> list[tuple]:
    """(slot, input, local derivative or None, gradient for that input) for each edge into node i."""
    node = g.nodes[i]
    if not g.is_tensor:
        return [(slot, j, local, local * grad) for slot, (j, local) in enumerate(zip(g.inputs[i], node._local))]
    return [(slot, g.inputs[i][slot], None, parent_grad) for slot, _, parent_grad in input_gradients(node, grad)]


def _chain_text(g: Graph, i: int, j: int, local, upstream, grad, before) -> str:
    """`dL/da += dL/dc * dc/da = 2.000 * 3.000 = 6.000`, plus the new total when a adds up."""
    L, node, child = g.names[g.root], g.names[i], g.names[j]
    head = f"d{L}/d{child} += d{L}/d{node} * d{node}/d{child}"
    if local is not None:
        text = f"{head} = {fmt_number(upstream)} * {fmt_number(local)} = {fmt_number(grad)}"
        return text if before is None else f"{text}   (total now {fmt_number(before + grad)})"
    text = f"{head}  (rule of '{g.op(i)}') = {_array_text(g, j, grad)}"
    return text if before is None else f"{text}   (total now {_array_text(g, j, before + grad)})"


def _array_text(g: Graph, j: int, a) -> str:
    a = _numpy(g, j, a)
    return fmt_array(a) or f"an array of shape {a.shape}"


def _numpy(g: Graph, n: int, a):
    """A gradient of node n as a float (Value) or a NumPy copy (Tensor); None stays None."""
    return a if a is None or not g.is_tensor else g.nodes[n]._backend.to_numpy(a)


def _snapshot(g, step, i, edges, added, shown, reached, done, lines) -> Frame:
    names = g.names
    return Frame(step=step, node=None if i is None else names[i],
                 edges=[(names[j], names[k], slot) for j, k, slot in edges], added=list(added),
                 grads=dict(zip(names, shown)),
                 reached=frozenset(names[n] for n in reached), done=frozenset(names[n] for n in done),
                 lines=list(lines))


# --- drawing one step ---------------------------------------------------------------------

def draw_backward_step(root, k: int, ax=None, per_edge: bool = False, labels: dict | None = None):
    """Draw step k of the backward pass from `root` (see `backward_frames`).

    The node passing its gradient on is orange with a thick black border, the
    edges carrying that gradient are thick, and each input receiving it has a
    dashed border and a tag with what this step adds (`+= 6.000`). Gradients
    known so far are filled in, the others read `?`; nodes already done are
    green. The chain-rule products of the step are written underneath.
    Returns the matplotlib Figure.
    """
    g = build_graph(root, labels)
    return draw_frame(g, _frames(g, per_edge), k, ax)


def draw_frame(g: Graph, frames: list[Frame], k: int, ax=None):
    """Draw frames[k] of the graph g (the work behind `draw_backward_step`).

    Every frame is laid out alike (same boxes, same figure size), so that
    stepping through them only changes colours and numbers.
    """
    if not -len(frames) <= k < len(frames):
        raise IndexError(f"step {k} does not exist: this backward pass has steps 0 to {len(frames) - 1}")
    f, last = frames[k], frames[-1]
    position = {name: n for n, name in enumerate(g.names)}
    p = Picture(g, [node_rows(g, n, f.grads[name], known=name in f.reached) for n, name in enumerate(g.names)],
                [_state(f, name, g.names[g.root]) for name in g.names],
                size_rows=[node_rows(g, n, last.grads[name]) for n, name in enumerate(g.names)],
                title=_title(g, frames, f), notes=_notes(g, f), legend=LEGEND,
                notes_room=max(len(fr.lines) for fr in frames),
                min_width=max(text_width(_title(g, frames, fr), _notes(g, fr)) for fr in frames))
    if f.node is None:
        p.badges[g.root] = ["+= " + (fmt_array(f.grads[g.names[g.root]]) or "1") if g.is_tensor else "+= 1.000"]
    else:
        i = position[f.node]
        p.op_style[i] = HOT_OP
        p.edge_style[(i, i, -1)] = HOT_EDGE
    for (child, node, slot), added in zip(f.edges, f.added):
        p.edge_style[(position[child], position[node], slot)] = HOT_EDGE
        tag = fmt_array(added) if g.is_tensor else fmt_number(added)
        if tag:
            p.badges.setdefault(position[child], []).append("+= " + tag)
    return render(p, ax)


def _notes(g: Graph, f: Frame) -> list[str]:
    """The chain-rule lines of frame f, each followed by the rule for its local derivative."""
    position = {name: n for n, name in enumerate(g.names)}
    rules = [local_rule(g, position[node], slot) for _, node, slot in f.edges] or [None] * len(f.lines)
    return [line if rule is None else f"{line}   since {rule}" for line, rule in zip(f.lines, rules)]


def local_rule(g: Graph, i: int, slot: int) -> str | None:
    """The local derivative of scalar node i with respect to its input at `slot`, as a formula.

    `dc/da = b` for c = a * b, `dL/dd = 1 - L²` for L = tanh(d); None where there
    is no short formula to show (tensors, `dot`).
    """
    if g.is_tensor:
        return None
    out, op, ins = g.names[i], g.op(i), [g.names[j] for j in g.inputs[i]]
    x, other = ins[slot], ins[1 - slot] if len(ins) == 2 else ""
    rules = {"+": "1", "sum": "1", "neg": "-1", "-": "1" if slot == 0 else "-1", "*": other,
             "/": f"1/{ins[-1]}" if slot == 0 else f"-{ins[0]}/{ins[-1]}²",
             "**": f"{other}·{x}^({other} - 1)" if slot == 0 else f"{out}·ln({other})",
             "tanh": f"1 - {out}²", "exp": out, "log": f"1/{x}", "sigmoid": f"{out}·(1 - {out})",
             "relu": f"1 if {x} > 0 else 0"}
    if op.startswith("**") and op != "**":
        n = float(op[2:])
        rules[op] = f"{n:g}·{x}^{n - 1:g}"
    return None if op not in rules else f"d{out}/d{x} = {rules[op]}"


def _state(f: Frame, name: str, root: str) -> Style:
    """How a node looks in frame f: the colour and border say where it is in the pass."""
    if name == f.node:
        return CURRENT
    if any(name == child for child, _, _ in f.edges) or (f.node is None and name == root):
        return RECEIVING
    if name in f.done:
        return DONE
    return REACHED if name in f.reached else NOT_REACHED


def _title(g: Graph, frames: list[Frame], f: Frame) -> str:
    last, R = len(frames) - 1, g.names[g.root]
    if f.node is None:
        return f"Backward pass, step 0 of {last}: start with d{R}/d{R} = 1"
    i = g.names.index(f.node)
    n = len(g.inputs[i])
    which = f" (input {f.edges[0][2] + 1} of {n})" if len(f.edges) == 1 and n > 1 else ""
    return f"Backward pass, step {f.step} of {last}: {formula(g, i)} sends gradient to {_targets(f, n)}{which}"


def _targets(f: Frame, n_inputs: int) -> str:
    """`a`, `a and b`, `a, b and c`, or `its 5 inputs`."""
    names = list(dict.fromkeys(child for child, _, _ in f.edges))
    if len(names) > 3 and len(names) == n_inputs:
        return f"its {n_inputs} inputs"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def formula(g: Graph, i: int) -> str:
    """How node i was computed, in words a learner can read: `e = a * b`, `L = tanh(d)`."""
    ins, op = [g.names[j] for j in g.inputs[i]], g.op(i)
    if len(ins) == 2 and op in ("+", "-", "*", "/", "**", "@"):
        rhs = f"{ins[0]} {op} {ins[1]}"
    elif op.startswith("**") and len(ins) == 1:
        rhs = f"{ins[0]}{op}"
    elif op == "neg":
        rhs = f"-{ins[0]}"
    else:
        rhs = f"{op}({', '.join(ins)})"
    return f"{g.names[i]} = {rhs}"


# --- the widget -------------------------------------------------------------------------------

def backward_explorer(root, per_edge: bool = False, labels: dict | None = None):
    """A widget to step through the backward pass: a slider, Prev/Next buttons and the figure.

    Each step is drawn by `draw_backward_step` and shown as a PNG image. Needs
    ipywidgets (imported only here); in a static notebook, call
    `draw_backward_step(root, k)` instead.
    """
    try:
        import ipywidgets as widgets
    except ImportError:
        raise ImportError("backward_explorer needs ipywidgets (pip install ipywidgets, or conda install "
                          "ipywidgets); without it, draw each step with draw_backward_step(root, k)") from None
    from ..widgets import interactive_figure

    g = build_graph(root, labels)
    frames = _frames(g, per_edge)
    slider = widgets.IntSlider(value=0, min=0, max=len(frames) - 1, description="step", continuous_update=False)
    prev = widgets.Button(description="◀ Prev", layout=widgets.Layout(width="90px"))
    nxt = widgets.Button(description="Next ▶", layout=widgets.Layout(width="90px"))

    def draw(step: int):
        prev.disabled, nxt.disabled = step == slider.min, step == slider.max
        return draw_frame(g, frames, step)

    box = interactive_figure(draw, step=slider)
    prev.on_click(lambda _: setattr(slider, "value", max(slider.min, slider.value - 1)))
    nxt.on_click(lambda _: setattr(slider, "value", min(slider.max, slider.value + 1)))
    box.children = (widgets.HBox([prev, slider, nxt]), box.image)
    return box
