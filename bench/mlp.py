"""One MLP training step in minigrad, against the same step in hand-written NumPy, PyTorch (CPU) and
JAX with the whole step compiled by jax.jit (CPU), each where installed.

    python bench/mlp.py             the three sizes of the table, and a width sweep (figure)
    python bench/mlp.py --quick     fewer repeats

The step: forward through Linear/ReLU layers, softmax cross-entropy, backward,
SGD update, all in float32, the same output layer and loss everywhere.
Hand-written NumPy is the floor for any NumPy engine (no graph, no Python
objects per op); "matmuls only" times the step's matrix products alone, the
BLAS floor. The width sweep (2-W-W-10, batch 128) shows how minigrad's fixed
cost per op fades as the arrays grow.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

# PyTorch's OpenMP threads otherwise spin after each of its steps and, on a
# 2-core machine, starve the NumPy (OpenBLAS) threads of the contender timed next.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import table, time_alternately, write_results  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402
from minigrad import autograd, nn, optim  # noqa: E402

try:
    import torch
except ImportError:
    torch = None
try:
    import jax
    import jax.numpy as jnp
except ImportError:
    jax = None

CONFIGS = [((2, 16, 16, 2), 100), ((64, 256, 256, 10), 128), ((784, 1024, 1024, 10), 256)]
SWEEP_WIDTHS = [8, 32, 128, 512, 2048]
LR = 0.01


def make_problem(sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, max(sizes[-1], 2), size=batch)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        weights.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                        rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return X, y, weights


# --- hand-written NumPy --------------------------------------------------------


def numpy_step(X, y, weights):
    """Forward, loss, backward and SGD by hand: W has shape (out, in), Y = X W^T + b."""
    activations, h = [X], X
    for i, (W, b) in enumerate(weights):
        h = h @ W.T + b
        if i < len(weights) - 1:
            h = np.maximum(h, 0)
        activations.append(h)
    n = X.shape[0]
    shifted = h - h.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), y]))
    g = p
    g[np.arange(n), y] -= 1
    g /= n
    for i in reversed(range(len(weights))):
        W, b = weights[i]
        a = activations[i]
        dW, db = g.T @ a, g.sum(axis=0)
        if i > 0:
            g = (g @ W) * (a > 0)
        W -= LR * dW
        b -= LR * db
    return loss


def matmuls_only(X, y, weights):
    """Just the step's matrix products: forward X W^T, backward G^T A and G W."""
    acts, h = [X], X
    for W, _ in weights:
        h = h @ W.T
        acts.append(h)
    g = h
    for i in reversed(range(len(weights))):
        W, _ = weights[i]
        _ = g.T @ acts[i]
        if i > 0:
            g = g @ W


# --- minigrad and PyTorch ---------------------------------------------------------


def minigrad_model(sizes, weights):
    model = nn.MLP(list(sizes), activation="relu")
    for layer, (W, b) in zip(model.linears if hasattr(model, "linears") else
                             [m for m in model if isinstance(m, nn.Linear)], weights):
        layer.weight.data[...] = W
        layer.bias.data[...] = b
    return model, optim.SGD(model.parameters(), lr=LR)


def minigrad_step(model, opt, X, y):
    loss = F.cross_entropy(model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def torch_model(sizes, weights):
    layers = []
    for i, (W, b) in enumerate(weights):
        linear = torch.nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear] + ([torch.nn.ReLU()] if i < len(weights) - 1 else [])
    model = torch.nn.Sequential(*layers)
    return model, torch.optim.SGD(model.parameters(), lr=LR)


def torch_step(model, opt, X, y):
    loss = torch.nn.functional.cross_entropy(model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def jax_step_fn():
    """The whole step (forward, loss, gradient, SGD) as one jax.jit-compiled function of (params, X, y)."""
    def loss_fn(params, X, y):
        h = X
        for i, (W, b) in enumerate(params):
            h = h @ W.T + b
            if i < len(params) - 1:
                h = jnp.maximum(h, 0)
        log_p = jax.nn.log_softmax(h, axis=1)
        return -jnp.mean(jnp.take_along_axis(log_p, y[:, None], axis=1))

    @jax.jit
    def step(params, X, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, X, y)
        return [(W - LR * gW, b - LR * gb) for (W, b), (gW, gb) in zip(params, grads)], loss
    return step


def check_same_first_step(sizes, batch):
    """Every implementation computes the same loss from the same weights."""
    X, y, weights = make_problem(sizes, batch)
    model, opt = minigrad_model(sizes, weights)
    ours = float(minigrad_step(model, opt, mg.tensor(X), mg.tensor(y)).item())
    ref = float(numpy_step(X, y, [(W.copy(), b.copy()) for W, b in weights]))
    assert abs(ours - ref) < 1e-5 * max(1, abs(ref)), (ours, ref)
    if torch is not None:
        tmodel, topt = torch_model(sizes, weights)
        theirs = float(torch_step(tmodel, topt, torch.from_numpy(X), torch.from_numpy(y)).item())
        assert abs(ours - theirs) < 1e-5 * max(1, abs(ref)), (ours, theirs)
    if jax is not None:
        _, loss = jax_step_fn()([(jnp.asarray(W), jnp.asarray(b)) for W, b in weights], jnp.asarray(X), jnp.asarray(y))
        assert abs(ours - float(loss)) < 1e-5 * max(1, abs(ref)), (ours, float(loss))


def contenders(sizes, batch, others=True):
    """name -> a function running one training step (state kept in closures)."""
    X, y, weights = make_problem(sizes, batch)
    model, opt = minigrad_model(sizes, weights)
    Xt, yt = mg.tensor(X), mg.tensor(y)
    np_weights = [(W.copy(), b.copy()) for W, b in weights]
    out = {"numpy": lambda: numpy_step(X, y, np_weights), "minigrad": lambda: minigrad_step(model, opt, Xt, yt)}
    if not others:
        return out
    out["matmuls only"] = lambda: matmuls_only(X, y, weights)
    if torch is not None:
        tmodel, topt = torch_model(sizes, weights)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y)
        out["pytorch"] = lambda: torch_step(tmodel, topt, tX, ty)
    if jax is not None:
        step = jax_step_fn()
        state = {"params": [(jnp.asarray(W), jnp.asarray(b)) for W, b in weights]}
        jX, jy = jnp.asarray(X), jnp.asarray(y)

        def jax_step():
            state["params"], loss = step(state["params"], jX, jy)
            loss.block_until_ready()
        out["jax jit"] = jax_step
    return out


def repeats_for(sizes, quick):
    return (60 if quick else 300) if max(sizes) < 1000 else (10 if quick else 30)


def sweep(quick: bool) -> dict:
    """minigrad / NumPy for 2-W-W-10 (batch 128) over the widths."""
    out = {}
    for width in SWEEP_WIDTHS:
        sizes = (2, width, width, 10)
        r = time_alternately(contenders(sizes, 128, others=False), repeats=repeats_for(sizes, quick), warmup=5)
        out[str(width)] = {"numpy_s": r["numpy"]["median_s"], "minigrad_s": r["minigrad"]["median_s"],
                           "ratio": r["minigrad"]["median_s"] / r["numpy"]["median_s"]}
        print(f"  width {width:5d}: minigrad / numpy = {out[str(width)]['ratio']:.2f}")
    return out


def compare_with_numpy_only() -> None:
    """minigrad / NumPy at each size, the two timed alternately with nothing else between them."""
    print(f"minigrad from {Path(mg.__file__).parent}")
    for sizes, batch in CONFIGS:
        check_same_first_step(sizes, batch)
        r = time_alternately(contenders(sizes, batch, others=False), repeats=repeats_for(sizes, False), warmup=5)
        name = "-".join(map(str, sizes)) + f" (batch {batch})"
        ours, theirs = r["minigrad"]["median_s"], r["numpy"]["median_s"]
        print(f"  {name}: numpy {theirs * 1e6:.0f} us, minigrad {ours * 1e6:.0f} us ({(ours - theirs) * 1e6:+.0f} us),"
              f" minigrad / numpy = {ours / theirs:.2f}")


def breakdown(sizes, batch, calls=20000) -> None:
    """minigrad's step in parts, each timed back to back (the best of three loops of `calls`)."""
    def per_call(fn):
        for _ in range(calls // 20):
            fn()
        best = math.inf
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            best = min(best, (time.perf_counter() - start) / calls)
        return best * 1e6

    X, y, weights = make_problem(sizes, batch)
    model, opt = minigrad_model(sizes, weights)
    Xt, yt = mg.tensor(X), mg.tensor(y)
    forward = per_call(lambda: F.cross_entropy(model(Xt), yt))
    with_backward = per_call(lambda: F.cross_entropy(model(Xt), yt).backward())
    step = per_call(lambda: minigrad_step(model, opt, Xt, yt))
    nodes = autograd.topological_order(F.cross_entropy(model(Xt), yt))
    grads = [(node, np.ones(node.shape, dtype=np.float32)) for node in nodes if node._backward is not None]
    formulas = per_call(lambda: [node._backward(g) for node, g in grads])
    np_weights = [(W.copy(), b.copy()) for W, b in weights]
    by_hand = per_call(lambda: numpy_step(X, y, np_weights))
    backward = with_backward - forward
    print(f"{'-'.join(map(str, sizes))} (batch {batch}), microseconds per step, each part timed back to back:")
    print(f"  minigrad step           {step:6.0f}")
    print(f"    forward and loss      {forward:6.0f}  ({len(grads)} operations)")
    print(f"    backward              {backward:6.0f}  = the operations' backward formulas {formulas:.0f}"
          f" + the engine's bookkeeping {backward - formulas:.0f} ({len(nodes)} nodes)")
    print(f"    zero_grad and SGD     {step - with_backward:6.0f}")
    print(f"  hand-written NumPy step {by_hand:6.0f}")


def plot_sweep(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    widths = [int(w) for w in results]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.plot(widths, [results[str(w)]["ratio"] for w in widths], "o-", label="minigrad / hand-written NumPy")
    ax.axhline(1, color="black", linestyle=":", label="no overhead")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("hidden width W (MLP 2-W-W-10, batch 128, float32)")
    ax.set_ylabel("time of one training step, ratio")
    ax.set_title("minigrad's fixed cost per op fades as the arrays grow")
    ax.legend()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--numpy-only", action="store_true",
                        help="time minigrad against NumPy alone, print the ratios and write nothing (to compare "
                             "two versions of the library: PYTHONPATH=path/to/other/checkout python bench/mlp.py "
                             "--numpy-only)")
    parser.add_argument("--breakdown", action="store_true",
                        help="where minigrad's time goes in the smallest step (forward and loss, the backward "
                             "formulas, the engine's bookkeeping, the optimizer); prints, writes nothing")
    args = parser.parse_args()
    if args.numpy_only:
        compare_with_numpy_only()
        return
    if args.breakdown:
        breakdown(*CONFIGS[0])
        return
    results, rows = {}, []
    names = ["numpy", "minigrad", "pytorch", "jax jit", "matmuls only"]
    for sizes, batch in CONFIGS:
        check_same_first_step(sizes, batch)
        name = "-".join(map(str, sizes)) + f" (batch {batch})"
        r = time_alternately(contenders(sizes, batch), repeats=repeats_for(sizes, args.quick), warmup=5)
        results[name] = r
        base = r["numpy"]["median_s"]
        row = [name]
        for k in names:
            row += [f"{r[k]['median_s'] * 1e6:.0f} us", f"{r[k]['median_s'] / base:.2f}"] if k in r else ["-", "-"]
        rows.append(row)
        print(rows[-1])
    header = ["MLP"] + [h for k in names for h in (k, "/numpy")]
    print(table(rows, header))
    print("width sweep:")
    results["width sweep (2-W-W-10, batch 128)"] = sweep(args.quick)
    figure = Path(__file__).resolve().parent / "results" / "mlp_width_sweep.png"
    plot_sweep(results["width sweep (2-W-W-10, batch 128)"], figure)
    command = "python bench/mlp.py" + (" --quick" if args.quick else "")
    print(f"wrote {write_results('mlp', command, results)} and {figure}")


if __name__ == "__main__":
    main()
