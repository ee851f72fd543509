"""The graph behind a drawing: its nodes, their names, and where each one goes.

Works for both engines: a `Value` and a `Tensor` each know their inputs
(`_prev`) and the name of the operation that made them (`_op`).

Layout, in two steps, both deterministic:

1. columns: an operation's output sits one column right of its rightmost
   input (x = depth from the inputs); a leaf sits just left of its first
   consumer, so a constant added late is drawn next to where it is used;
2. rows: a few sweeps that sort each column by the mean row of its neighbours
   (the barycentre heuristic, which removes most edge crossings), then move
   every node as close to that mean as the spacing between boxes allows. An
   edge that skips columns takes part as a chain of thin waypoints (a lane),
   so it is routed between the boxes of the columns it crosses.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from minigrad.autograd import topological_order


@dataclass
class Graph:
    """Nodes in topological order (inputs first, root last), with names and edges.

    `inputs[i]` lists the positions of node i's inputs, with repeats (for
    `a + a` it holds a's position twice); `consumers[i]` the nodes that use i.
    """
    nodes: list
    names: list[str]
    inputs: list[list[int]]
    consumers: list[list[int]] = field(default_factory=list)
    is_tensor: bool = False

    @property
    def root(self) -> int:
        return len(self.nodes) - 1

    def op(self, i: int) -> str:
        return self.nodes[i]._op


def build_graph(root, labels: dict | None = None) -> Graph:
    """Collect every node `root` depends on, named by its label, else n0, n1, ... by position.

    `labels` ({"W": W, ...}) names nodes from outside: tensors have no label of their own.
    """
    nodes = topological_order(root)
    position = {id(n): i for i, n in enumerate(nodes)}
    inputs = [[position[id(p)] for p in n._prev] for n in nodes]
    consumers: list[list[int]] = [[] for _ in nodes]
    for i, ins in enumerate(inputs):
        for j in dict.fromkeys(ins):  # once per consumer, in order
            consumers[j].append(i)
    is_tensor = not hasattr(root, "_local")
    return Graph(nodes, node_names(nodes, labels), inputs, consumers, is_tensor)


def node_names(nodes: list, given: dict | None = None) -> list[str]:
    """A unique name per node: its label; `w_1, w_2` for a repeated label; `n<i>` without one."""
    by_id = {id(node): name for name, node in (given or {}).items()}
    labels = [by_id.get(id(n)) or getattr(n, "label", "") or "" for n in nodes]
    counts, seen = Counter(labels), Counter()
    taken = {label for label in labels if label}
    names = []
    for i, label in enumerate(labels):
        if not label:
            name = f"n{i}"
        elif counts[label] == 1:
            name = label
        else:
            seen[label] += 1
            name = f"{label}_{seen[label]}"
        if name != label and name in taken:
            name = f"node{i}"
        names.append(name)
    return names


def columns(g: Graph) -> list[int]:
    """Column of each node: 1 + its rightmost input's; a leaf just left of its first consumer."""
    col = [0] * len(g.nodes)
    for i, ins in enumerate(g.inputs):
        if ins:
            col[i] = 1 + max(col[j] for j in ins)
    for i, ins in enumerate(g.inputs):
        if not ins and g.consumers[i]:
            col[i] = min(col[c] for c in g.consumers[i]) - 1
    return col


@dataclass
class Placement:
    """Where things go, in grid units: a column and a row per node, and lanes for long edges.

    An edge that skips columns gets a waypoint in each column it crosses (its
    lane), placed like a thin node, so it runs between boxes instead of behind them.
    `lanes[(input, node)]` lists those waypoints as (column, row).
    """
    col: list[int]
    row: list[float]
    lanes: dict[tuple[int, int], list[tuple[int, float]]]


LANE = 0.3  # height of a lane, in rows (a box is 1)


def place(g: Graph, sweeps: int = 6) -> Placement:
    """Columns, then rows by barycentre sweeps, for nodes and lane waypoints together."""
    col = columns(g)
    left = [list(dict.fromkeys(ins)) for ins in g.inputs]
    right = [list(c) for c in g.consumers]
    size = [1.0] * len(g.nodes)
    chains = {}
    for i in range(len(g.nodes)):
        for j in [j for j in left[i] if col[i] - col[j] > 1]:
            chain = list(range(len(col), len(col) + col[i] - col[j] - 1))
            col += [col[j] + 1 + k for k in range(len(chain))]
            size += [LANE] * len(chain)
            left += [[j]] + [[d] for d in chain[:-1]]
            right += [[d] for d in chain[1:]] + [[i]]
            left[i][left[i].index(j)] = chain[-1]
            right[j][right[j].index(i)] = chain[0]
            chains[(j, i)] = chain
    y = _rows(col, left, right, size, sweeps)
    return Placement(col[:len(g.nodes)], y[:len(g.nodes)],
                     {edge: [(col[d], y[d]) for d in chain] for edge, chain in chains.items()})


def _rows(col, left, right, size, sweeps) -> list[float]:
    """Row of each item: sort each column by its neighbours' mean row, then place it near that mean."""
    layers = [[i for i in range(len(col)) if col[i] == c] for c in range(max(col) + 1)]
    y = [0.0] * len(col)
    for layer in layers:
        for r, i in enumerate(layer):
            y[i] = r - (len(layer) - 1) / 2
    for _ in range(sweeps):
        for layer in layers[1:]:
            _place(layer, left, y, size)
        for layer in reversed(layers[:-1]):
            _place(layer, right, y, size)
    both = [a + b for a, b in zip(left, right)]
    for layer in layers:
        _place(layer, both, y, size, reorder=False)
    top = min(y[i] - size[i] / 2 for i in range(len(col))) + 0.5
    return [v - top for v in y]


def _place(layer, neighbours, y, size, reorder: bool = True) -> None:
    """Sort `layer` by the mean row of each item's neighbours, then place it as near those means as it fits."""
    wish = {i: sum(y[j] for j in neighbours[i]) / len(neighbours[i]) if neighbours[i] else y[i] for i in layer}
    if reorder:
        layer.sort(key=lambda i: (wish[i], y[i]))
    for i, v in zip(layer, _spaced([wish[i] for i in layer], [size[i] for i in layer])):
        y[i] = v


def _spaced(wish: list[float], size: list[float]) -> list[float]:
    """Positions y_0 < y_1 < ..., item k taking `size[k]`, as close as possible to `wish` (least squares).

    With z_k = y_k - offset_k (offset_k: where item k would sit if all were packed
    tight) the constraint becomes z nondecreasing: an isotonic regression, solved
    by pooling adjacent violators into their mean.
    """
    offset = [0.0]
    for a, b in zip(size, size[1:]):
        offset.append(offset[-1] + (a + b) / 2)
    blocks: list[list[float]] = []  # [mean, count]
    for w, off in zip(wish, offset):
        blocks.append([w - off, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m2, c2), (m1, c1) = blocks.pop(), blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    z = [m for m, c in blocks for _ in range(c)]
    return [zk + off for zk, off in zip(z, offset)]
