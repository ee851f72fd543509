"""One MLP training step in minigrad, against the same step in hand-written NumPy and in PyTorch (CPU).

    python bench/mlp.py

The step: forward, cross-entropy (binary with logits for one output), backward,
SGD update, all in float32. Hand-written NumPy is the floor for any NumPy
engine (no graph, no Python objects per op); "matmuls only" times the step's
matrix products alone, the BLAS floor.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

# PyTorch's OpenMP threads otherwise spin after each of its steps and, on a
# 2-core machine, starve the NumPy (OpenBLAS) threads of the contender timed next.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import table, time_alternately, write_results  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402
from minigrad import nn, optim  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

CONFIGS = [((2, 16, 16, 1), 100), ((64, 256, 256, 10), 128), ((784, 1024, 1024, 10), 256)]
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
    if h.shape[1] == 1:
        p = 1 / (1 + np.exp(-h[:, 0]))
        loss = np.mean(np.maximum(h[:, 0], 0) - h[:, 0] * y + np.log1p(np.exp(-np.abs(h[:, 0]))))
        g = ((p - y) / n)[:, None].astype(np.float32)
    else:
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
    logits = model(X)
    if logits.shape[1] == 1:
        loss = F.binary_cross_entropy_with_logits(logits.reshape(-1), y.astype(np.float32))
    else:
        loss = F.cross_entropy(logits, y)
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
    logits = model(X)
    if logits.shape[1] == 1:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits.reshape(-1), y.float())
    else:
        loss = torch.nn.functional.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def check_same_first_step(sizes, batch):
    """All three implementations compute the same loss from the same weights."""
    X, y, weights = make_problem(sizes, batch)
    model, opt = minigrad_model(sizes, weights)
    ours = float(minigrad_step(model, opt, mg.tensor(X), y).item())
    ref = float(numpy_step(X, y, [(W.copy(), b.copy()) for W, b in weights]))
    assert abs(ours - ref) < 1e-5 * max(1, abs(ref)), (ours, ref)
    if torch is not None:
        tmodel, topt = torch_model(sizes, weights)
        theirs = float(torch_step(tmodel, topt, torch.from_numpy(X), torch.from_numpy(y)).item())
        assert abs(ours - theirs) < 1e-5 * max(1, abs(ref)), (ours, theirs)


def bench(sizes, batch, repeats):
    check_same_first_step(sizes, batch)
    X, y, weights = make_problem(sizes, batch)
    model, opt = minigrad_model(sizes, weights)
    Xt = mg.tensor(X)
    np_weights = [(W.copy(), b.copy()) for W, b in weights]
    contenders = {
        "numpy": lambda: numpy_step(X, y, np_weights),
        "minigrad": lambda: minigrad_step(model, opt, Xt, y),
        "matmuls only": lambda: matmuls_only(X, y, weights),
    }
    if torch is not None:
        tmodel, topt = torch_model(sizes, weights)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y)
        contenders["pytorch"] = lambda: torch_step(tmodel, topt, tX, ty)
    return time_alternately(contenders, repeats=repeats, warmup=5)


def main() -> None:
    results, rows = {}, []
    for sizes, batch in CONFIGS:
        name = "-".join(map(str, sizes)) + f" (batch {batch})"
        r = bench(sizes, batch, repeats=200 if sizes[1] < 1000 else 30)
        results[name] = r
        base = r["numpy"]["median_s"]
        us = lambda k: f"{r[k]['median_s'] * 1e6:.0f} us" if k in r else "-"  # noqa: E731
        ratio = lambda k: f"{r[k]['median_s'] / base:.2f}" if k in r else "-"  # noqa: E731
        rows.append([name, us("numpy"), us("minigrad"), ratio("minigrad"), us("pytorch"), ratio("pytorch"),
                     us("matmuls only"), ratio("matmuls only")])
    print(table(rows, ["MLP", "numpy", "minigrad", "/numpy", "pytorch", "/numpy", "matmuls", "/numpy"]))
    path = write_results("mlp", "python bench/mlp.py", results)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
