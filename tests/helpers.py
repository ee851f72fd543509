"""Shared tools for the tests: random float64 tensors, the PyTorch cross-check, the sweep scripts."""
import importlib.util
from pathlib import Path

import numpy as np

import minigrad as mg

try:
    import torch
except ImportError:  # the cross-checks skip themselves
    torch = None


def leaf(array, requires_grad=True):
    return mg.Tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def grad_of(t):
    """t.grad as a NumPy array, whatever the backend."""
    return t._backend.to_numpy(t.grad)


def grads_match_torch(fn_mg, fn_torch, arrays, atol=1e-9, rtol=1e-7):
    """Run the same function in minigrad and PyTorch (float64), compare outputs and input gradients."""
    if torch is None:
        return
    ours = [leaf(a) for a in arrays]
    theirs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, ref = fn_mg(*ours), fn_torch(*theirs)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), atol=atol, rtol=rtol)
    weights = np.random.default_rng(7).normal(size=ref.shape)
    (out * mg.Tensor(weights)).sum().backward()
    (ref * torch.tensor(weights)).sum().backward()
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(grad_of(mine), reference.grad.numpy(), atol=atol, rtol=rtol)


EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


def experiment_script(filename):
    """The sweep script experiments/<filename>, imported as a module (its main() does not run)."""
    spec = importlib.util.spec_from_file_location("experiment_" + Path(filename).stem, EXPERIMENTS / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
