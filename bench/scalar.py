"""minigrad.Value against micrograd on micrograd's own demo, and a 1,000,000-node chain.

    python bench/scalar.py            (needs `pip install micrograd`, for the benchmark only)

The demo: an MLP 2-16-16-1 (ReLU) on 100 two-moons points, max-margin loss plus
L2 regularisation (alpha 1e-4), one full step: forward, zero_grad, backward, SGD
update. Both engines start from the same weights and must reach the same loss.
"""
from __future__ import annotations

import gc
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import table, time_alternately, write_results  # noqa: E402

from minigrad import Value  # noqa: E402
from minigrad.data import make_moons  # noqa: E402
from minigrad.scalar import MLP  # noqa: E402

try:
    from micrograd.engine import Value as MicroValue
    from micrograd.nn import MLP as MicroMLP
except ImportError:
    sys.exit("bench/scalar.py compares with micrograd: pip install micrograd")


def demo_step(model, value_type, X, y, learning_rate=0.5):
    """One step of micrograd's demo.ipynb; returns the loss."""
    inputs = [[value_type(float(a)), value_type(float(b))] for a, b in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -float(yi) * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total.data


def chain_backward(value_type, n=1_000_000):
    x = value_type(1.0)
    y = x
    for _ in range(n):
        y = y + 1.0
    y.backward()
    return x.grad


def tree_sum(values):
    """Pairwise sums, so the graph is only log2(n) deep (micrograd's recursive backward can walk it)."""
    while len(values) > 1:
        values = [values[i] + values[i + 1] if i + 1 < len(values) else values[i] for i in range(0, len(values), 2)]
    return values[0]


def node_cost(value_type, n=100_000):
    """Seconds per node to build and to backpropagate, and bytes per node held by the graph.

    The graph: x * c_i for n constants (each constant becomes a node too), summed pairwise:
    3n nodes in all. Time and memory are measured on separate builds (tracing memory slows
    building down).
    """
    import time
    import tracemalloc

    def build():
        return tree_sum([x * float(i % 7) for i in range(n)])

    x = value_type(0.5)
    gc.disable()
    start = time.perf_counter()
    total = build()
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    total.backward()
    backward_s = time.perf_counter() - start
    del total
    tracemalloc.start()
    total = build()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    gc.enable()
    nodes = 3 * n
    return {"nodes": nodes, "build_s_per_node": build_s / nodes, "backward_s_per_node": backward_s / nodes,
            "bytes_per_node": held / nodes}


def node_costs() -> dict:
    """The median of three measurements (tracemalloc slows building; the bytes do not vary)."""
    import statistics

    out = {}
    for name, value_type in (("minigrad", Value), ("micrograd", MicroValue)):
        runs = [node_cost(value_type) for _ in range(3)]
        out[name] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    return out


def main() -> None:
    X, y = make_moons(100, noise=0.1, seed=1)
    y = 2 * y - 1
    random.seed(1337)
    theirs = MicroMLP(2, [16, 16, 1])
    ours = MLP(2, [16, 16, 1], activation="relu", seed=0)
    for mine, reference in zip(ours.parameters(), theirs.parameters()):
        mine.data = reference.data

    losses = [(demo_step(ours, Value, X, y), demo_step(theirs, MicroValue, X, y)) for _ in range(3)]
    worst = max(abs(a - b) for a, b in losses)
    print(f"same start, 3 steps: losses {[f'{a:.12f}' for a, _ in losses]}, largest difference {worst:.2e}")
    assert worst < 1e-9, "the two engines disagree"

    contenders = {"minigrad": lambda: demo_step(ours, Value, X, y),
                  "micrograd": lambda: demo_step(theirs, MicroValue, X, y)}
    demo = time_alternately(contenders, repeats=15, warmup=2)
    gc.disable()  # the same, without Python's cycle collector: micrograd's closures make cycles it keeps scanning
    demo_no_gc = time_alternately(contenders, repeats=15, warmup=2)
    gc.enable()
    sys.setrecursionlimit(10_000)  # micrograd's recursive topological sort needs more; minigrad's is iterative
    chain = time_alternately({"minigrad": lambda: chain_backward(Value)}, repeats=3, warmup=1)
    try:
        chain.update(time_alternately({"micrograd": lambda: chain_backward(MicroValue)}, repeats=3, warmup=1))
    except RecursionError:
        chain["micrograd"] = {"error": "RecursionError: its recursive topological sort cannot walk the chain"}

    speedup = demo["micrograd"]["median_s"] / demo["minigrad"]["median_s"]
    speedup_no_gc = demo_no_gc["micrograd"]["median_s"] / demo_no_gc["minigrad"]["median_s"]
    rows = [[label, f"{r['minigrad']['median_s'] * 1e3:.1f} ms", f"{r['micrograd']['median_s'] * 1e3:.1f} ms",
             f"{r['micrograd']['median_s'] / r['minigrad']['median_s']:.1f}x"]
            for label, r in (("demo step", demo), ("demo step, gc disabled", demo_no_gc))]
    mc = chain["micrograd"]
    rows.append(["1,000,000-node chain", f"{chain['minigrad']['median_s']:.2f} s",
                 f"{mc['median_s']:.2f} s" if "median_s" in mc else "RecursionError",
                 f"{mc['median_s'] / chain['minigrad']['median_s']:.1f}x" if "median_s" in mc else "-"])
    print(table(rows, ["benchmark", "minigrad", "micrograd", "minigrad faster by"]))
    nodes = node_costs()
    print(table([[name, f"{c['build_s_per_node'] * 1e9:.0f} ns", f"{c['backward_s_per_node'] * 1e9:.0f} ns",
                  f"{c['bytes_per_node']:.0f} B"] for name, c in nodes.items()],
                ["engine", "build / node", "backward / node", "memory / node"]))
    path = write_results("scalar", "python bench/scalar.py",
                         {"demo_step": demo, "demo_speedup": speedup, "demo_step_gc_disabled": demo_no_gc,
                          "demo_speedup_gc_disabled": speedup_no_gc, "demo_loss_max_difference": worst,
                          "chain_1e6": chain, "node_cost": nodes})
    print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
