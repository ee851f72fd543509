"""Run one computation in minigrad and in PyTorch; compare values, dtypes, shapes and gradients.

A computation is written once, as `fn(L, *tensors)`, where `L` is `MG` or `TORCH`:
`L.lib` is `minigrad` or `torch`, `L.F` their functional module, `L.const(array)` a
tensor without gradient (index tensors, masks, targets). Methods with the same name
in both libraries (`x.exp()`, `x.sum(dim=1)`) are simply called on the tensor.

Comparisons treat nan as equal to nan and ±inf as equal to itself only.
"""
from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np

import minigrad as mg
import minigrad.functional as mg_functional

try:
    import torch
    import torch.nn.functional as torch_functional
except ImportError:  # every test that compares with torch skips itself
    torch = torch_functional = None
else:
    # The tensors here are tiny: handing them to a second thread costs more than it saves,
    # and on a busy 2-core machine it makes every torch call many times slower.
    torch.set_num_threads(1)

TOLERANCES = {"float64": (1e-9, 1e-12), "float32": (1e-5, 1e-6)}

MG = SimpleNamespace(name="minigrad", lib=mg, F=mg_functional,
                     const=lambda a: mg.tensor(np.array(a)),
                     leaf=lambda a: mg.tensor(np.array(a), requires_grad=True))
TORCH = SimpleNamespace(name="torch", lib=torch, F=torch_functional,
                        const=lambda a: torch.tensor(np.array(a)),
                        leaf=lambda a: torch.tensor(np.array(a), requires_grad=True))


def to_numpy(x) -> np.ndarray:
    """A NumPy copy of a minigrad Tensor, a torch tensor, a backend array or a number."""
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, mg.Tensor):
        return x.numpy()
    return np.array(x)


def dtype_name(x) -> str:
    """'float32', 'int64', 'bool', ... for a minigrad Tensor, a torch tensor or an array."""
    if torch is not None and isinstance(x, torch.Tensor):
        return str(x.dtype).replace("torch.", "")
    return np.dtype(x.dtype).name


def assert_close(actual, expected, rtol: float, atol: float, what: str = "value") -> None:
    """Same shape and values; nan matches nan, inf matches inf of the same sign."""
    actual, expected = to_numpy(actual), to_numpy(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, torch gives {expected.shape}"
    if expected.dtype.kind in "biu" and actual.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
        return
    np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64),
                               rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def assert_same_tensor(mine, theirs, rtol: float = 0.0, atol: float = 0.0, what: str = "result") -> None:
    """dtype, shape and values of a minigrad result against the torch one."""
    assert hasattr(mine, "dtype") and hasattr(mine, "shape"), \
        f"{what}: minigrad gives {type(mine).__name__} {mine!r}, torch a tensor"
    assert dtype_name(mine) == dtype_name(theirs), \
        f"{what}: dtype {dtype_name(mine)}, torch gives {dtype_name(theirs)}"
    assert_close(mine, theirs, rtol, atol, what)


def _outputs(out) -> list:
    """A result as a list of tensors (a (values, indices) pair counts as two)."""
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _is_float(x) -> bool:
    return dtype_name(x).startswith("float")


def _leaves(lib, arrays) -> list:
    return [lib.leaf(a) if np.asarray(a).dtype.kind == "f" else lib.const(a) for a in arrays]


def _grad(t) -> np.ndarray:
    """A leaf's gradient as NumPy (zeros where none reached it)."""
    g = t.grad
    return np.zeros(tuple(t.shape)) if g is None else to_numpy(g)


def run_forward(fn, arrays):
    """fn on torch and on minigrad leaves made from `arrays` (float arrays require grad).

    Returns (mg outputs, torch outputs, mg leaves, torch leaves).
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        theirs_in = _leaves(TORCH, arrays)
        theirs = _outputs(fn(TORCH, *theirs_in))
        mine_in = _leaves(MG, arrays)
        mine = _outputs(fn(MG, *mine_in))
    assert len(mine) == len(theirs), f"{len(mine)} outputs, torch gives {len(theirs)}"
    return mine, theirs, mine_in, theirs_in


def run_backward(mine, theirs, seed: int = 0) -> None:
    """Backpropagate the same random output gradients through both libraries."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        rng = np.random.default_rng(seed)
        pairs = [(m, t) for m, t in zip(mine, theirs) if t.requires_grad]
        if not pairs:
            return
        weights = [rng.normal(size=tuple(t.shape)).astype(dtype_name(t)) for _, t in pairs]
        torch.autograd.backward([t for _, t in pairs], [torch.tensor(w) for w in weights])
        for (m, _), w in zip(pairs, weights):
            m.backward(MG.const(w))


def check(fn, *arrays, dtype: str | None = None, rtol: float | None = None, atol: float | None = None,
          grads: bool = True, seed: int = 0) -> None:
    """Values, dtypes and shapes of fn's outputs, and the gradients of every float input,
    equal in minigrad and torch. `dtype` casts the float inputs first."""
    if dtype is not None:
        arrays = [np.asarray(a).astype(dtype) if np.asarray(a).dtype.kind == "f" else a for a in arrays]
    floats = [np.asarray(a).dtype.name for a in arrays if np.asarray(a).dtype.kind == "f"]
    default_rtol, default_atol = TOLERANCES["float32" if "float32" in floats else "float64"]
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    mine, theirs, mine_in, theirs_in = run_forward(fn, arrays)
    for i, (m, t) in enumerate(zip(mine, theirs)):
        assert_same_tensor(m, t, rtol, atol, what=f"output {i}")
    if grads:
        run_backward(mine, theirs, seed)
        for i, (m, t) in enumerate(zip(mine_in, theirs_in)):
            if t.requires_grad:
                assert_close(_grad(m), _grad(t), rtol, atol, what=f"gradient of input {i}")
