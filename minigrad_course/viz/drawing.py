"""Drawing a computational graph with matplotlib alone (no Graphviz).

Each value is a rounded box: its name, then `data` and `grad` (for a tensor:
its shape, and its numbers when it has four or fewer). Each operation is a
small circle (an oval for long names such as `tanh`) between a value and its
inputs, as in micrograd's drawings. Arrows point the way the forward pass goes.

Sizes are worked out in inches, so text never outgrows its box: the figure is
made just big enough, then scaled (fonts too) to fit 12.5 x 9 inches.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

try:
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Ellipse, FancyArrowPatch, FancyBboxPatch
except ImportError as error:  # pragma: no cover - matplotlib is in the course extras
    raise ImportError("minigrad_course.viz draws with matplotlib: pip install matplotlib") from error

from .graph import Graph, build_graph, place

MONO = "DejaVu Sans Mono"     # ships with matplotlib: every character has the same width
FONT = 9.0                    # points, before scaling
CHAR_W = 0.6 * FONT / 72      # inches per character of MONO
LINE_H = 1.3 * FONT / 72      # inches per line
PAD_X, PAD_Y = 0.08, 0.07     # inside a box
ROW_GAP, MARGIN = 0.22, 0.3   # between boxes of one column; around the drawing
TITLE_H, KEY_H, LEGEND_H = 0.55, 0.3, 0.35
OP_D = 0.3                    # diameter of an op circle (height of an op oval)
MAX_W, MAX_H, MAX_GROW = 12.5, 9.0, 1.25  # a notebook has room to scroll, not to widen
OP_SYMBOLS = {"*": "×", "-": "−", "/": "÷", "neg": "−x", "sigmoid": "σ", "concatenate": "cat", "transpose": "T"}


@dataclass
class Style:
    """How one box, circle or arrow looks."""
    face: str = "white"
    edge: str = "#333333"
    lw: float = 1.0
    ls: str = "-"
    text: str = "black"
    weight: str = "bold"


LEAF = Style(face="#dbe9f6")
COMPUTED = Style()
OP = Style(face="#f2f2f2", edge="#555555")
EDGE = Style(edge="#555555", lw=1.0)


@dataclass
class Picture:
    """Everything to draw: text and style per node, per op, per edge, plus title and notes.

    `rows[i]` holds the (key, value) lines of node i's box under its name, such as
    ("data", "2.000"). `size_rows`, when given, are rows the boxes must also fit:
    the steps of the backward pass pass the last step's, so that every step is laid
    out the same way. Edge keys are (input, node, slot); (i, i, -1) is the arrow
    from node i's operation to node i.
    """
    g: Graph
    rows: list[list[tuple[str, str]]]
    node_style: list[Style]
    size_rows: list[list[tuple[str, str]]] | None = None
    op_style: dict[int, Style] = field(default_factory=dict)
    edge_style: dict[tuple[int, int, int], Style] = field(default_factory=dict)
    badges: dict[int, list[str]] = field(default_factory=dict)   # small tags under a node's box
    title: str = ""
    notes: list[str] = field(default_factory=list)  # printed in a box under the graph
    notes_room: int = 0                             # lines of room kept for notes (the most of any step)
    min_width: float = 0.0                          # inches, before scaling
    legend: list[tuple[str, Style]] = field(default_factory=list)


# --- text in the boxes ----------------------------------------------------------

def fmt_number(x: float) -> str:
    """3 decimals; scientific notation for very large or very small numbers."""
    x = float(x)
    if math.isfinite(x) and x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-3):
        return f"{x:.2e}"
    return f"{x:.3f}" if math.isfinite(x) else str(x)


def fmt_array(a, limit: int = 4) -> str | None:
    """A small array written out (`[1.00 2.00]`); None when it has more than `limit` numbers."""
    a = np.asarray(a)
    if a.ndim == 0:
        return fmt_number(a)
    if a.size > limit:
        return None
    if a.ndim == 1:
        return "[" + " ".join(f"{float(v):.2f}" for v in a) + "]"
    return "[" + " ".join(fmt_array(row, limit) for row in a) + "]"


def node_rows(g: Graph, i: int, grad, known: bool = True) -> list[tuple[str, str]]:
    """What the box of node i says: data and grad (a tensor: shape, data if small, grad); `?` if not known."""
    node = g.nodes[i]
    if not g.is_tensor:
        return [("data", fmt_number(node.data)), ("grad", fmt_number(grad) if known else "?")]
    data = fmt_array(node.numpy())
    rows_ = [("shape", str(tuple(node.shape)))] + ([("data", data)] if data else [])
    return rows_ + [("grad", _tensor_grad_text(node, grad, known))]


def _tensor_grad_text(node, grad, known: bool) -> str:
    """`—` for a tensor that needs no gradient, `?` if not known yet, else the array (or its shape)."""
    if not node.requires_grad:
        return "—"
    if not known:
        return "?"
    if grad is None:
        return "None"
    return fmt_array(grad) or f"{tuple(np.shape(grad))} array"


def box_lines(name: str, rows_: list[tuple[str, str]], words: bool = True) -> list[str]:
    """The name, then one line per row: `data  2.000` (or just `2.000` when `words` is False)."""
    width = max(len(v) for _, v in rows_)
    if not words:  # numbers aligned on the right; a tensor's lines each centred
        return [name] + [v if rows_[0][0] == "shape" else f"{v:>{width}}" for _, v in rows_]
    return [name] + [f"{k} {v}" if k == "shape" else f"{k:<5}{v:>{width}}" for k, v in rows_]


def op_text(op: str) -> str:
    return OP_SYMBOLS.get(op, op)


# --- geometry ---------------------------------------------------------------------

@dataclass
class Layout:
    """Centres of boxes and op circles, in inches from the top-left corner."""
    x: list[float]
    y: list[float]
    box_w: list[float]
    box_h: float
    op_x: dict[int, float]
    op_w: dict[int, float]
    lanes: dict[tuple[int, int], list[tuple[float, float]]]   # (input, node): points a long edge runs through
    width: float
    height: float


def layout(g: Graph, lines: list[list[str]], top: float, sizing: list[list[str]] | None = None) -> Layout:
    """Place boxes by column (x) and row (y), from `top` down; each column as wide as its widest box.

    Boxes are made wide enough for `lines` and, if given, for `sizing` too.
    """
    pl = place(g)
    col, ncol = pl.col, max(pl.col) + 1
    sizing = sizing or lines
    chars = [max((len(s) for i in range(len(g.nodes)) if col[i] == c for s in lines[i] + sizing[i]), default=4)
             for c in range(ncol)]
    col_w = [n * CHAR_W + 2 * PAD_X for n in chars]
    op_w = {i: max(OP_D, len(op_text(g.op(i))) * CHAR_W + 0.14) for i, ins in enumerate(g.inputs) if ins}
    gap = [0.0] + [_gap(g, col, op_w, c) for c in range(1, ncol)]
    left = [MARGIN]
    for c in range(1, ncol):
        left.append(left[-1] + col_w[c - 1] + gap[c])
    box_h = max(len(s) for s in lines) * LINE_H + 2 * PAD_Y
    def to_y(r):
        return top + box_h / 2 + r * (box_h + ROW_GAP)
    x = [left[col[i]] + col_w[col[i]] / 2 for i in range(len(g.nodes))]
    y = [to_y(r) for r in pl.row]
    op_x = {i: left[col[i]] - gap[col[i]] / 2 for i in op_w}
    lanes = {edge: [(x_, to_y(r)) for c, r in points for x_ in (left[c], left[c] + col_w[c])]
             for edge, points in pl.lanes.items()}
    width = left[-1] + col_w[-1] + MARGIN
    height = max(y + [p[1] for points in lanes.values() for p in points]) + box_h / 2 + MARGIN
    return Layout(x, y, [col_w[c] for c in col], box_h, op_x, op_w, lanes, width, height)


def _gap(g: Graph, col: list[int], op_w: dict[int, float], c: int) -> float:
    """Room left of column c for its op circles and arrows (more when an input is used twice)."""
    in_col = [i for i in op_w if col[i] == c]
    twice = any(len(set(g.inputs[i])) < len(g.inputs[i]) for i in in_col)
    return max([op_w[i] for i in in_col], default=0.0) + (0.7 if twice else 0.34)


# --- drawing ----------------------------------------------------------------------

class Canvas:
    """An Axes whose data units are inches of the unscaled drawing (y grows downwards).

    Shapes go in with `add_artist`, not `add_patch`: the limits are set here,
    and working them out from hundreds of curved shapes would be slow.
    """

    def __init__(self, width: float, height: float, ax=None):
        if ax is None:
            self.scale = min(MAX_GROW, MAX_W / width, MAX_H / height)
            self.fig = plt.figure(figsize=(width * self.scale, height * self.scale))
            ax = self.fig.add_axes((0, 0, 1, 1))
            ax.set_xlim(0, width)
            ax.set_ylim(height, 0)
        else:
            self.fig = ax.figure
            box = ax.get_window_extent().transformed(self.fig.dpi_scale_trans.inverted())
            self.scale = min(box.width / width, box.height / height)
            half_w, half_h = box.width / self.scale / 2, box.height / self.scale / 2
            ax.set_xlim(width / 2 - half_w, width / 2 + half_w)
            ax.set_ylim(height / 2 + half_h, height / 2 - half_h)
        ax.set_axis_off()
        self.ax = ax

    def pt(self, size: float) -> float:
        """A font size or line width, scaled with the drawing."""
        return size * self.scale

    def text(self, x, y, s, size=FONT, **kw):
        return self.ax.text(x, y, s, fontsize=self.pt(size), **kw)

    def box(self, x, y, w, h, lines: list[str], st: Style, gid: str = ""):
        """A rounded box centred at (x, y): a bold name line over mono body lines (all tagged `gid`)."""
        patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.07",
                               facecolor=st.face, edgecolor=st.edge, linewidth=self.pt(st.lw), linestyle=st.ls,
                               zorder=3, gid=gid)
        self.ax.add_artist(patch)
        top = y - h / 2 + PAD_Y
        self.text(x, top, lines[0], ha="center", va="top", family=MONO, weight=st.weight, color=st.text,
                  zorder=4, gid=gid)
        if len(lines) > 1:
            self.text(x, top + LINE_H, "\n".join(lines[1:]), ha="center", va="top", family=MONO,
                      color=st.text, linespacing=1.3 * 0.85, zorder=4, gid=gid)
        return patch

    def op(self, x, y, w, symbol: str, st: Style, gid: str = ""):
        """The operation as a circle (an oval when its name is long)."""
        shape = Circle((x, y), OP_D / 2) if w <= OP_D else Ellipse((x, y), w, OP_D)
        shape.set(facecolor=st.face, edgecolor=st.edge, linewidth=self.pt(st.lw), linestyle=st.ls, zorder=3, gid=gid)
        self.ax.add_artist(shape)
        self.text(x, y, symbol, ha="center", va="center_baseline", family=MONO, weight="bold", zorder=4, gid=gid)
        return shape

    def arrow(self, start, end, st: Style):
        """An arrow from the point `start` to the point `end`."""
        arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=self.pt(9), color=st.edge,
                                linewidth=self.pt(st.lw), linestyle=st.ls, shrinkA=0, shrinkB=0, zorder=2)
        self.ax.add_artist(arrow)
        return arrow

    def line(self, points, st: Style):
        """A plain polyline through `points` (the route of a long edge; nothing for a single point)."""
        if len(points) > 1:
            xs, ys = zip(*points)
            self.ax.plot(xs, ys, color=st.edge, linewidth=self.pt(st.lw), linestyle=st.ls, zorder=2,
                         solid_joinstyle="round", solid_capstyle="round")

    def badge(self, x, y, text: str, st: Style, gid: str = ""):
        """A small tag with its top-right corner at (x, y)."""
        self.text(x, y, text, size=FONT - 1, ha="right", va="top", family=MONO, weight="bold", zorder=6, gid=gid,
                  bbox=dict(boxstyle="round,pad=0.2", facecolor=st.face, edgecolor=st.edge, linewidth=self.pt(1.2)))


def render(p: Picture, ax=None):
    """Draw a Picture; returns the matplotlib Figure.

    A graph too wide for the page drops the words `data` and `grad` from its
    boxes (a key under the title says what the numbers are), so that the numbers
    stay big enough to read.
    """
    g = p.g
    for words in (True, False):
        top = MARGIN + (TITLE_H if p.title else 0) + (0 if words else KEY_H) + (LEGEND_H if p.legend else 0)
        lines = [box_lines(name, r, words) for name, r in zip(g.names, p.rows)]
        sizing = None if p.size_rows is None else [box_lines(n, r, words) for n, r in zip(g.names, p.size_rows)]
        lay = layout(g, lines, top, sizing)
        if lay.width <= MAX_W:
            break
    notes_h = (max(len(p.notes), p.notes_room) * LINE_H * 1.15 + 0.35) if p.notes else 0.0
    width = max(lay.width, text_width(p.title, p.notes), _legend_width(p.legend) + 2 * MARGIN, p.min_width, 6.0)
    cv = Canvas(width, lay.height + notes_h, ax)
    _draw_graph_part(cv, p, lay, lines, dx=(width - lay.width) / 2)
    y = MARGIN
    if p.title:
        cv.text(width / 2, y, p.title, size=12, ha="center", va="top", weight="bold")
        y += TITLE_H
    if not words:
        key = "each box: name, " + ("shape, data (if small), grad" if g.is_tensor else "data, grad")
        cv.text(width / 2, y - 0.15, key, ha="center", va="top", style="italic", color="#444444")
        y += KEY_H
    if p.legend:
        _legend(cv, p.legend, width, y)
    if p.notes:
        _notes(cv, p.notes, lay.height)
    return cv.fig


def text_width(title: str, notes: list[str]) -> float:
    """Inches needed by a title (12 pt bold) and by a box of notes (mono)."""
    notes_w = max((len(s) for s in notes), default=0) * CHAR_W + 2 * MARGIN + 0.3
    return max(notes_w, len(title) * 0.62 * 12 / 72 + 2 * MARGIN)


def _draw_graph_part(cv, p: Picture, lay: Layout, lines, dx: float) -> None:
    """Boxes, op circles, arrows and badges, shifted right by dx."""
    g = p.g
    for i in range(len(g.nodes)):
        cv.box(lay.x[i] + dx, lay.y[i], lay.box_w[i], lay.box_h, lines[i], p.node_style[i], f"node:{g.names[i]}")
    for i, w in lay.op_w.items():
        centre = (lay.op_x[i] + dx, lay.y[i])
        cv.op(*centre, w, op_text(g.op(i)), p.op_style.get(i, OP), f"op:{g.names[i]}")
        cv.arrow((centre[0] + w / 2, centre[1]), (lay.x[i] + dx - lay.box_w[i] / 2, lay.y[i]),
                 p.edge_style.get((i, i, -1), EDGE))
        for slot, j in enumerate(g.inputs[i]):
            shift, st = _port_shift(g.inputs[i], slot), p.edge_style.get((j, i, slot), EDGE)
            path = [(lay.x[j] + dx + lay.box_w[j] / 2, lay.y[j] + shift)]
            path += [(x + dx, y + shift) for x, y in lay.lanes.get((j, i), [])]
            cv.line(path, st)
            cv.arrow(path[-1], _on_border(path[-1], centre, max(w, OP_D) / 2, OP_D / 2), st)
    for i, tags in p.badges.items():
        right, bottom = lay.x[i] + dx + lay.box_w[i] / 2, lay.y[i] + lay.box_h / 2
        for tag in tags:
            cv.badge(right - 0.04, bottom - 0.02, tag, p.node_style[i], f"badge:{g.names[i]}")
            right -= len(tag) * CHAR_W * (FONT - 1) / FONT + 0.14


def _on_border(start, centre, a: float, b: float):
    """Where the segment from `start` to `centre` enters the ellipse of half-axes a, b around `centre`."""
    ux, uy = centre[0] - start[0], centre[1] - start[1]
    length = math.hypot(ux, uy)
    if length == 0:
        return centre
    ux, uy = ux / length, uy / length
    t = min(length, 1 / math.hypot(ux / a, uy / b))
    return centre[0] - ux * t, centre[1] - uy * t


def _port_shift(inputs: list[int], slot: int) -> float:
    """Vertical shift of the arrow from inputs[slot]: 0, or spread apart when one input is used twice (a + a)."""
    same = [s for s, j in enumerate(inputs) if j == inputs[slot]]
    return 0.13 * (same.index(slot) - (len(same) - 1) / 2)


LEGEND_CHAR_W = 0.55 * FONT / 72  # about the mean width of a character of matplotlib's sans-serif font


def _legend_width(items) -> float:
    return sum(0.4 + len(label) * LEGEND_CHAR_W + 0.3 for label, _ in items)


def _legend(cv, items, width, y):
    """A centred row of small squares styled like the boxes, each with its meaning."""
    x = (width - _legend_width(items)) / 2
    for label, st in items:
        cv.ax.add_artist(FancyBboxPatch((x, y - 0.08), 0.28, 0.16, boxstyle="round,pad=0,rounding_size=0.03",
                                       facecolor=st.face, edgecolor=st.edge, linewidth=cv.pt(st.lw), linestyle=st.ls))
        cv.text(x + 0.4, y, label, size=FONT - 0.5, va="center")
        x += 0.4 + len(label) * LEGEND_CHAR_W + 0.3


def _notes(cv, notes, top):
    """The lines of `notes` in a framed box across the bottom."""
    cv.text(MARGIN + 0.1, top + 0.15, "\n".join(notes), va="top", ha="left", family=MONO, linespacing=1.15 * 0.85,
            gid="notes",
            bbox=dict(boxstyle="round,pad=0.5", facecolor="#fff8e6", edgecolor="#999999", linewidth=cv.pt(1)))


# --- the public drawing function ------------------------------------------------------

def draw_graph(root, ax=None, show_grad: bool = True, title: str | None = None, labels: dict | None = None):
    """Draw the computational graph that computes `root` (a Value or a Tensor).

    Inputs are on the left, `root` on the right. Each value is a box with its
    name (its label, else n0, n1, ... in topological order), its data and, when
    `show_grad`, its current `.grad`; leaves (inputs and parameters) are blue.
    Each operation is a circle between a value and its inputs. `labels` names
    nodes that have no label of their own, such as tensors: {"W": W, "b": b}.
    Returns the matplotlib Figure (drawn into `ax` if one is given).
    """
    g = build_graph(root, labels)
    rows_ = [[r for r in node_rows(g, i, node.grad) if show_grad or r[0] != "grad"] for i, node in enumerate(g.nodes)]
    styles = [LEAF if not ins else COMPUTED for ins in g.inputs]
    title = title if title is not None else f"Computational graph of {g.names[-1]} ({len(g.nodes)} values)"
    return render(Picture(g, rows_, styles, title=title), ax)
