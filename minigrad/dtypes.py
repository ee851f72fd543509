"""Which dtype an operation returns: PyTorch's type promotion, on dtype names.

Dtypes fall into three categories, bool < integer < floating. Combining two
operands of one category gives the larger type (int32 with int64 gives int64,
float32 with float64 gives float64); combining categories gives the higher
category. What counts is *which kind of operand* a dtype comes from:

    tensors with at least one axis   >   0-d tensors   >   Python numbers

A weaker operand decides the result only when its category is higher. So a
Python float never turns float32 into float64, and an int tensor times 0.1 is
float32 (the default float type), not int64 and not float64:

    result_type(int64 tensor, 0.1)            = float32
    result_type(float32 tensor, float64 0-d)  = float32
    result_type(int64 tensor, float64 tensor) = float64
    result_type(bool tensor, 1)               = int64

This module knows names only ("float32"); the backend turns them into arrays.
"""
from __future__ import annotations

__all__ = ["DEFAULT_FLOAT", "category", "promote_types", "result_type", "scalar_dtype", "is_floating"]

DEFAULT_FLOAT = "float32"
DEFAULT_INT = "int64"

_CATEGORY = {"bool": 0, "uint8": 1, "int8": 1, "int16": 1, "int32": 1, "int64": 1,
             "float16": 2, "float32": 2, "float64": 2}
_FLOATS = ("float16", "float32", "float64")
_SIGNED = ("int8", "int16", "int32", "int64")


def category(name: str) -> int:
    """0 for bool, 1 for integers, 2 for floating point."""
    try:
        return _CATEGORY[name]
    except KeyError:
        raise TypeError(f"minigrad does not support dtype {name!r}: use bool, (u)int8-64 or float16-64") from None


def is_floating(name: str) -> bool:
    return name in _FLOATS


def promote_types(a: str, b: str) -> str:
    """The smallest dtype that holds both (as `torch.promote_types`)."""
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    if ca == 2:
        return max(a, b, key=_FLOATS.index)
    if "uint8" in (a, b):  # uint8 with a signed type: the signed type, at least int16
        other = b if a == "uint8" else a
        return "int16" if other == "int8" else other
    return max(a, b, key=_SIGNED.index)


def scalar_dtype(value: bool | int | float) -> str:
    """The dtype a Python number stands for: bool, int64, or the default float."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return DEFAULT_INT
    return DEFAULT_FLOAT


def _combine(higher: str | None, lower: str | None) -> str | None:
    """Merge a stronger operand kind with a weaker one: the weaker wins only by a higher category."""
    if higher is None:
        return lower
    if lower is None or category(higher) >= category(lower):
        return higher
    return lower


def result_type(*operands: tuple[str, int | None]) -> str:
    """The dtype of an operation on operands given as (dtype name, ndim), ndim None for a Python number."""
    dim = zero = wrapped = None
    for name, ndim in operands:
        if ndim is None:
            wrapped = name if wrapped is None else promote_types(wrapped, name)
        elif ndim == 0:
            zero = name if zero is None else promote_types(zero, name)
        else:
            dim = name if dim is None else promote_types(dim, name)
    return _combine(dim, _combine(zero, wrapped))
