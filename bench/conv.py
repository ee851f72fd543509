"""One convolution layer's training step in minigrad against the same step in PyTorch (CPU).

    python bench/conv.py

The step: y = conv2d(x, W, b) (3 x 3 kernel, padding 1), the mean squared error against a
fixed target, and backward to x, W and b (x needs its gradient, as in any layer but the first),
in float32. minigrad computes it as im2col (a sliding-window view, copied into the patch
matrix), one matrix product, and col2im for dL/dx; PyTorch CPU uses its own kernels (oneDNN).

Both run on one thread (OpenBLAS for NumPy, intra-op threads for PyTorch): the comparison is
of the two engines on one core, and on a shared 2-core machine extra threads mostly add noise
(OpenBLAS threads waiting for a busy core made small products hundreds of times slower).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

# PyTorch's OpenMP threads otherwise spin after each of its steps and, on a
# 2-core machine, starve the NumPy (OpenBLAS) threads of the contender timed next.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import table, time_alternately, write_results  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None

# (batch, in_channels, out_channels, image size): the first layer of notebook 16's CNN on the
# 8 x 8 digits, a middle layer, and a layer of a CIFAR-sized network.
CONFIGS = [(32, 1, 16, 8), (64, 16, 32, 16), (32, 64, 64, 32)]


def make_problem(batch, c_in, c_out, size, seed=0):
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(c_in * 9)
    x = rng.standard_normal((batch, c_in, size, size)).astype(np.float32)
    W = rng.uniform(-bound, bound, (c_out, c_in, 3, 3)).astype(np.float32)
    b = rng.uniform(-bound, bound, c_out).astype(np.float32)
    target = rng.standard_normal((batch, c_out, size, size)).astype(np.float32)
    return x, W, b, target


def step(functional, x, W, b, target):
    """Forward, loss, backward; the gradients land in x.grad, W.grad, b.grad."""
    for t in (x, W, b):
        t.grad = None
    loss = functional.mse_loss(functional.conv2d(x, W, b, 1, 1), target)
    loss.backward()
    return loss


def tensors(lib, arrays, grads=(True, True, True, False)):
    return [lib.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]


def check_same_step(arrays):
    """Both libraries compute the same loss and gradients from the same numbers."""
    ours = tensors(mg, arrays)
    loss = step(F, *ours)
    if torch is None:
        return
    theirs = tensors(torch, arrays)
    ref = step(torch.nn.functional, *theirs)
    assert abs(loss.item() - ref.item()) < 1e-5 * max(1.0, abs(ref.item())), (loss.item(), ref.item())
    for mine, reference in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-3, atol=1e-5)


def bench(config, repeats):
    arrays = make_problem(*config)
    check_same_step(arrays)
    ours = tensors(mg, arrays)
    contenders = {"minigrad": lambda: step(F, *ours)}
    if torch is not None:
        theirs = tensors(torch, arrays)
        contenders["pytorch"] = lambda: step(torch.nn.functional, *theirs)
    return time_alternately(contenders, repeats=repeats, warmup=5)


def main() -> None:
    results, rows = {}, []
    for config in CONFIGS:
        batch, c_in, c_out, size = config
        name = f"{c_in}->{c_out} channels, {size}x{size}, batch {batch}"
        r = bench(config, repeats=200 if size <= 16 else 30)
        results[name] = r
        ms = lambda k: f"{r[k]['median_s'] * 1e3:.2f} ms" if k in r else "-"  # noqa: E731
        ratio = f"{r['minigrad']['median_s'] / r['pytorch']['median_s']:.2f}" if "pytorch" in r else "-"
        if "pytorch" in r:
            r["minigrad_over_pytorch"] = r["minigrad"]["median_s"] / r["pytorch"]["median_s"]
        rows.append([name, ms("minigrad"), ms("pytorch"), ratio])
    if torch is not None:
        results["pytorch_threads"] = torch.get_num_threads()
        results["pytorch_version"] = torch.__version__
    print(table(rows, ["conv 3x3, padding 1", "minigrad", "pytorch", "minigrad / pytorch"]))
    path = write_results("conv", "python bench/conv.py", results)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
