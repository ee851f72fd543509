"""An MLP training step on NumPy (CPU), on minigrad with CuPy (GPU) and on PyTorch (CUDA), over sizes.

    python bench/gpu.py            (on a machine with an NVIDIA GPU, CuPy and optionally PyTorch)

For each (width, batch), one step of a 3-layer MLP (784 -> width -> width -> 10,
ReLU, cross-entropy, SGD) in float32, timed correctly on the GPU: the device is
synchronised before the clock stops, since kernels run asynchronously. Also
float32 against float64 on the GPU. Prints a table, writes bench/results/gpu.json
and figures/13_gpu_speedup.png (the figure notebook 13 shows where no GPU is found).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import table, write_results  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402
from minigrad import nn, optim  # noqa: E402

SIZES = [(128, 64), (512, 256), (1024, 512), (2048, 1024), (4096, 2048), (8192, 4096)]
ROOT = Path(__file__).resolve().parent.parent


def synchronize(device: str) -> None:
    if device != "cpu":
        import cupy
        cupy.cuda.Device().synchronize()


def minigrad_step_timer(device, width, batch, dtype="float32"):
    mg.manual_seed(0)
    model = nn.MLP([784, width, width, 10], activation="relu")
    model.to(device, dtype=dtype)
    opt = optim.SGD(model.parameters(), lr=0.01)
    x = mg.randn(batch, 784, dtype=dtype, device=device)
    y = mg.Tensor(np.random.default_rng(0).integers(0, 10, batch), device=device)

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def torch_step_timer(width, batch):
    import torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, width), torch.nn.ReLU(), torch.nn.Linear(width, width),
                                torch.nn.ReLU(), torch.nn.Linear(width, 10)).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, 784, device="cuda")
    y = torch.randint(0, 10, (batch,), device="cuda")

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def median_time(step, sync, repeats=20, warmup=3):
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    ok, why = mg.cuda_status()
    if not ok:
        sys.exit(f"bench/gpu.py needs a GPU: {why}")
    try:
        import torch
        has_torch = torch.cuda.is_available()
    except ImportError:
        has_torch = False
    rows, results = [], []
    for width, batch in SIZES:
        cpu = median_time(minigrad_step_timer("cpu", width, batch), lambda: None, repeats=5 if width > 2048 else 10)
        gpu = median_time(minigrad_step_timer("cuda", width, batch), lambda: synchronize("cuda"))
        gpu64 = median_time(minigrad_step_timer("cuda", width, batch, "float64"), lambda: synchronize("cuda"))
        tch = median_time(torch_step_timer(width, batch), torch.cuda.synchronize) if has_torch else None
        results.append({"width": width, "batch": batch, "numpy_cpu_s": cpu, "minigrad_cupy_s": gpu,
                        "minigrad_cupy_float64_s": gpu64, "pytorch_cuda_s": tch})
        rows.append([f"{width}", f"{batch}", f"{cpu * 1e3:.2f}", f"{gpu * 1e3:.2f}", f"{cpu / gpu:.1f}x",
                     f"{gpu64 / gpu:.1f}x", f"{tch * 1e3:.2f}" if tch else "-", f"{gpu / tch:.1f}" if tch else "-"])
    print(f"GPU: {why}")
    print(table(rows, ["width", "batch", "numpy ms", "cupy ms", "speed-up", "f64/f32", "torch ms", "cupy/torch"]))
    path = write_results("gpu", "python bench/gpu.py", {"gpu": why, "steps": results})
    print(f"wrote {path}")
    plot(results, why)


def plot(results, gpu_name):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    widths = [r["width"] for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.loglog(widths, [r["numpy_cpu_s"] * 1e3 for r in results], "o-", label="minigrad on NumPy (CPU)")
    left.loglog(widths, [r["minigrad_cupy_s"] * 1e3 for r in results], "s-", label="minigrad on CuPy (GPU)")
    if results[0]["pytorch_cuda_s"]:
        left.loglog(widths, [r["pytorch_cuda_s"] * 1e3 for r in results], "^-", label="PyTorch (GPU)")
    left.set(xlabel="layer width (batch = width / 2)", ylabel="one training step (ms)", title="Time per step")
    left.legend()
    right.semilogx(widths, [r["numpy_cpu_s"] / r["minigrad_cupy_s"] for r in results], "o-", label="GPU speed-up")
    right.semilogx(widths, [r["minigrad_cupy_float64_s"] / r["minigrad_cupy_s"] for r in results], "s--",
                   label="float64 time / float32 time (GPU)")
    right.axhline(1, color="gray", lw=0.8)
    right.set(xlabel="layer width (batch = width / 2)", ylabel="ratio", title="GPU vs CPU, and float64 vs float32")
    right.legend()
    fig.suptitle(f"MLP 784-w-w-10 training step, {gpu_name}")
    fig.tight_layout()
    out = ROOT / "figures" / "13_gpu_speedup.png"
    fig.savefig(out, dpi=100, bbox_inches="tight")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
