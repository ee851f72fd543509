"""Ways to make tensors: from data, filled with constants, or random (seeded with `manual_seed`).

Dtypes as in PyTorch: floats are float32 unless `dtype` says otherwise; `full`
and `arange` take the kind of number they are given (an int fill value gives
int64, a bool one bool).
"""
from __future__ import annotations

from typing import Any, Sequence

from .backend import get_backend, manual_seed, python_number
from .dtypes import DEFAULT_FLOAT, scalar_dtype
from .ops.shape import _shape_arg
from .tensor import Tensor

__all__ = ["tensor", "zeros", "ones", "full", "randn", "rand", "arange", "zeros_like", "ones_like", "full_like",
           "manual_seed"]


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, device: str = "cpu") -> Tensor:
    """Same as `Tensor(...)`, as `torch.tensor`: the data is copied."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def _filled(fill, shape: tuple, dtype: Any, requires_grad: bool, device: str) -> Tensor:
    backend = get_backend(device)
    shape = tuple(int(n) for n in _shape_arg(shape))
    if any(n < 0 for n in shape):
        raise ValueError(f"a shape cannot have negative lengths, got {shape}")
    array = fill(backend, shape, backend.dtype(dtype or DEFAULT_FLOAT))
    return Tensor._wrap(array, backend).requires_grad_(requires_grad)


def zeros(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """A tensor of zeros (float32 unless `dtype` says otherwise)."""
    return _filled(lambda b, s, d: b.xp.zeros(s, dtype=d), shape, dtype, requires_grad, device)


def ones(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """A tensor of ones (float32 unless `dtype` says otherwise)."""
    return _filled(lambda b, s, d: b.xp.ones(s, dtype=d), shape, dtype, requires_grad, device)


def full(shape: Sequence[int], fill_value: Any, dtype: Any = None, requires_grad: bool = False,
         device: str = "cpu") -> Tensor:
    """A tensor with every entry equal to `fill_value` (its dtype follows the value, as in PyTorch)."""
    number = python_number(fill_value)
    if number is None:
        raise TypeError(f"full: fill_value must be a number, got {type(fill_value).__name__}")
    dtype = dtype or scalar_dtype(number)
    return _filled(lambda b, s, d: b.xp.full(s, number, dtype=d), (tuple(shape),), dtype, requires_grad, device)


def randn(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """Samples of N(0, 1), drawn on the device from the generator that `manual_seed` seeds."""
    return _filled(lambda b, s, d: b.randn(s, d), shape, dtype, requires_grad, device)


def rand(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """Samples of U[0, 1), drawn on the device from the generator that `manual_seed` seeds."""
    return _filled(lambda b, s, d: b.rand(s, d), shape, dtype, requires_grad, device)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None, device: str = "cpu",
           requires_grad: bool = False) -> Tensor:
    """start, start+step, ... < end (as `range`; int64 for whole numbers, else float32)."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must not be 0")
    whole = all(isinstance(python_number(v), int) for v in (start, end, step))
    backend = get_backend(device)
    dtype = backend.dtype(dtype or ("int64" if whole else DEFAULT_FLOAT))
    return Tensor._wrap(backend.xp.arange(start, end, step, dtype=dtype), backend).requires_grad_(requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, device=t.device)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, device=t.device)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad, device=t.device)
