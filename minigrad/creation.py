"""Ways to make tensors: from data, filled with constants, or random (seeded with `manual_seed`)."""
from __future__ import annotations

from typing import Any, Sequence

from .backend import get_backend, manual_seed
from .tensor import Tensor, _shape_arg

__all__ = ["tensor", "zeros", "ones", "full", "randn", "rand", "arange", "zeros_like", "ones_like", "manual_seed"]


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, device: str = "cpu") -> Tensor:
    """Same as `Tensor(...)`, as `torch.tensor`."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def _filled(fill, shape: tuple, dtype: Any, requires_grad: bool, device: str) -> Tensor:
    backend = get_backend(device)
    array = fill(backend, _shape_arg(shape), backend.dtype(dtype or "float32"))
    return Tensor._wrap(array, backend).requires_grad_(requires_grad)


def zeros(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """A tensor of zeros (float32 unless `dtype` says otherwise)."""
    return _filled(lambda b, s, d: b.xp.zeros(s, dtype=d), shape, dtype, requires_grad, device)


def ones(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """A tensor of ones (float32 unless `dtype` says otherwise)."""
    return _filled(lambda b, s, d: b.xp.ones(s, dtype=d), shape, dtype, requires_grad, device)


def full(shape: Sequence[int], value: float, dtype: Any = None, requires_grad: bool = False,
         device: str = "cpu") -> Tensor:
    """A tensor with every entry equal to `value`."""
    return _filled(lambda b, s, d: b.xp.full(s, value, dtype=d), (tuple(shape),), dtype, requires_grad, device)


def randn(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """Samples of N(0, 1), drawn on the device from the generator that `manual_seed` seeds."""
    return _filled(lambda b, s, d: b.randn(s, d), shape, dtype, requires_grad, device)


def rand(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """Samples of U[0, 1), drawn on the device from the generator that `manual_seed` seeds."""
    return _filled(lambda b, s, d: b.rand(s, d), shape, dtype, requires_grad, device)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None, device: str = "cpu") -> Tensor:
    """start, start+step, ... < stop (as `range`; int64 for whole numbers, else float32)."""
    if stop is None:
        start, stop = 0, start
    whole = all(isinstance(v, int) for v in (start, stop, step))
    backend = get_backend(device)
    dtype = backend.dtype(dtype or ("int64" if whole else "float32"))
    return Tensor._wrap(backend.xp.arange(start, stop, step, dtype=dtype), backend)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return zeros(t.shape, dtype=t.dtype, requires_grad=requires_grad, device=t.device)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return ones(t.shape, dtype=t.dtype, requires_grad=requires_grad, device=t.device)
