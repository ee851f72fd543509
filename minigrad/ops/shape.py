"""Operations that move numbers around without changing them: reshaping, reordering axes,
indexing, joining. Their gradients move the numbers of g back to where they came from.

Indexing follows PyTorch: slices, integers, None, Ellipsis, bool masks and integer
arrays (lists, NumPy arrays or Tensors). When integers and index arrays are mixed,
the integers are applied first, as torch does (x[0, :, [0, 1]] on shape (2, 3, 4)
has shape (3, 2); NumPy would give (2, 3)).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from ..backend import DeviceError, host_array, python_number
from ..dtypes import category, result_type
from ..tensor import ShapeError, Tensor, _axis

__all__ = ["reshape", "view", "transpose", "permute", "squeeze", "unsqueeze", "flatten", "expand", "index_put",
           "gather", "tril", "triu", "split", "chunk", "cat", "concatenate", "stack"]


def _shape_arg(shape: tuple) -> tuple:
    """Accept f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


# --- shapes and axes ---------------------------------------------------------------------


def reshape(x: Tensor, *shape: int | Sequence[int]) -> Tensor:
    """The same numbers in a new shape (one length may be -1: inferred); the gradient is reshaped back."""
    xp, old = x._backend.xp, x.shape
    shape = tuple(int(n) for n in _shape_arg(shape))
    try:
        out = xp.reshape(x.data, shape)
    except ValueError:
        raise ShapeError(f"cannot reshape a tensor of shape {old} ({x.numel()} elements) to {shape}") from None
    return _view(x, out, lambda g: (xp.reshape(g, old),), "reshape")


view = reshape


def _view(x: Tensor, array: Any, backward, op: str) -> Tensor:
    """An op whose output may share x's memory: an in-place change of either is seen in both."""
    out = x._result(array, (x,), backward, op)
    out._base = x._root()
    return out


def permute(x: Tensor, *dims: int | Sequence[int]) -> Tensor:
    """Reorder the axes: output axis i is input axis dims[i]; the gradient is permuted back."""
    xp, ndim = x._backend.xp, x.ndim
    dims = tuple(_axis(d, ndim) for d in _shape_arg(dims))
    if sorted(dims) != list(range(ndim)):
        raise ShapeError(f"permute{dims} is not a permutation of the {ndim} axes of shape {x.shape}")
    inverse = tuple(sorted(range(ndim), key=dims.__getitem__))
    return _view(x, xp.permute_dims(x.data, dims), lambda g: (xp.permute_dims(g, inverse),), "permute")


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two axes (as torch's transpose); `permute` reorders all of them."""
    dims = list(range(x.ndim))
    a, b = _axis(dim0, x.ndim), _axis(dim1, x.ndim)
    if not x.ndim:
        return x
    dims[a], dims[b] = dims[b], dims[a]
    return permute(x, dims)


def _reversed_axes(x: Tensor) -> Tensor:
    """x.T: every axis reversed (for a matrix, its transpose)."""
    return permute(x, tuple(range(x.ndim - 1, -1, -1))) if x.ndim > 1 else x


def _last_two_swapped(x: Tensor) -> Tensor:
    """x.mT: the last two axes swapped (a batch of matrices, each transposed)."""
    if x.ndim < 2:
        raise ShapeError(f"mT needs at least 2 axes, got shape {x.shape}")
    return transpose(x, -2, -1)


def squeeze(x: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop axes of length 1 (all of them, or those in `dim` that have length 1)."""
    if dim is None:
        axes = {i for i, n in enumerate(x.shape) if n == 1}
    else:
        axes = {_axis(d, x.ndim) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
        axes = {a for a in axes if x.ndim and x.shape[a] == 1}
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert an axis of length 1 at position `dim` (from -ndim-1 to ndim)."""
    d = _axis(dim, x.ndim + 1)
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes start_dim..end_dim into one."""
    if not x.ndim:
        return reshape(x, (1,))
    start, end = _axis(start_dim, x.ndim), _axis(end_dim, x.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:])


def expand(x: Tensor, *sizes: int | Sequence[int]) -> Tensor:
    """x repeated along axes of length 1 (and new leading axes) to `sizes`, without copying; -1 keeps
    an axis. Every repeated element gets the gradient of all its copies (the engine sums them)."""
    sizes = tuple(int(n) for n in _shape_arg(sizes))
    if len(sizes) < x.ndim:
        raise ShapeError(f"expand{sizes}: give at least as many sizes as the tensor has axes ({x.shape})")
    lead = len(sizes) - x.ndim
    shape = sizes[:lead] + tuple(n if s == -1 else s for n, s in zip(x.shape, sizes[lead:]))
    if any(n == -1 for n in sizes[:lead]) or any(n != 1 and n != s for n, s in zip(x.shape, shape[lead:])):
        raise ShapeError(f"cannot expand shape {x.shape} to {sizes}: only axes of length 1 can grow")
    return _view(x, x._backend.xp.broadcast_to(x.data, shape), lambda g: (g,), "expand")


# --- indexing ------------------------------------------------------------------------------


def _index_part(x: Tensor, part: Any) -> Any:
    """One entry of an index as the backend understands it."""
    if isinstance(part, Tensor):
        if part._backend is not x._backend:
            raise DeviceError(f"an index on {part.device} cannot index a tensor on {x.device}")
        if category(part.dtype_name) == 2:
            raise IndexError("tensors used as indices must be integer or bool tensors, got " + part.dtype_name)
        if part.dtype_name == "uint8":  # torch reads uint8 as a mask (deprecated), NumPy as positions
            raise IndexError("a uint8 tensor as an index is ambiguous (PyTorch reads it as a mask, NumPy as "
                             "positions): use a bool mask, index.bool(), or int64 positions, index.long()")
        return int(part.item()) if part.ndim == 0 and part.dtype_name != "bool" else part.data
    if isinstance(part, (list, tuple)):
        array = host_array(part) if len(part) else host_array(part, "int64")
        if category(array.dtype.name) == 2:
            raise IndexError(f"index lists must hold integers or bools, got {array.dtype.name}")
        return x._backend.asarray(array)
    if part is None or part is Ellipsis or isinstance(part, (slice, bool)):
        return part
    number = python_number(part)
    if number is not None:
        return int(number)
    if hasattr(part, "shape"):
        return x._backend.asarray(part)
    raise IndexError(f"cannot index with a {type(part).__name__}")


def _is_array(part: Any) -> bool:
    return hasattr(part, "shape") and not isinstance(part, (int, slice))


def _index(x: Tensor, index: Any) -> tuple[tuple, tuple | None]:
    """The index as one backend index, or as two (integers first, then the arrays) when both are in it."""
    parts = tuple(_index_part(x, p) for p in (index if isinstance(index, tuple) else (index,)))
    has_array = any(_is_array(p) for p in parts)
    if not has_array or not any(isinstance(p, int) and not isinstance(p, bool) for p in parts):
        return parts, None
    first, second = [], []
    for p in parts:
        if _is_array(p):
            first += [slice(None)] * (p.ndim if p.dtype == x._backend.xp.bool else 1)
            second.append(p)
        elif isinstance(p, int) and not isinstance(p, bool):
            first.append(p)
        else:
            first.append(p)
            second.append(Ellipsis if p is Ellipsis else slice(None))
    return tuple(first), tuple(second)


def _describe(index: Any) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(f"array of shape {tuple(p.shape)}" if _is_array(p) else repr(p) for p in parts) + "]"


def _pick(x: Tensor, index: tuple) -> Tensor:
    """x[index] for one backend index; the backward puts g back where the elements came from."""
    backend, shape = x._backend, x.shape
    try:
        out = backend.getitem(x.data, index)
    except IndexError as exc:
        raise IndexError(f"index {_describe(index)} does not fit a tensor of shape {shape}: {exc}") from None
    advanced = any(_is_array(p) for p in index)

    def backward(g):
        grad = backend.xp.zeros(shape, dtype=g.dtype)
        if advanced:  # an element picked twice gets both gradients
            return (backend.scatter_add(grad, index, g),)
        backend.setitem(grad, index, g)
        return (grad,)
    if advanced:
        return x._result(out, (x,), backward, "index")
    return _view(x, out, backward, "index")


def getitem(x: Tensor, index: Any) -> Tensor:
    """x[index] (see the module docstring for what an index may hold)."""
    first, second = _index(x, index)
    out = _pick(x, first)
    return out if second is None else _pick(out, second)


def index_put(x: Tensor, index: Any, value: Any) -> Tensor:
    """A copy of x with x[index] = value (broadcast, cast to x's dtype); what `x[index] = value` records.

    Gradients: x gets g except where it was overwritten; value gets g of the region it filled.
    """
    backend = x._backend
    xp = backend.xp
    value = x._tensor_operand(value)
    first, second = _index(x, index)
    v = xp.astype(value.data, x.data.dtype) if value.data.dtype != x.data.dtype else value.data

    def region(array):
        return backend.getitem(array, first)

    def assign(array, values):
        if second is None:
            backend.setitem(array, first, values)
        else:
            backend.setitem(backend.getitem(array, first), second, values)

    out = xp.asarray(x.data, copy=True)
    try:
        assign(out, v)
    except (ValueError, IndexError) as exc:
        raise ShapeError(f"cannot assign a value of shape {value.shape} to x{_describe(index)} of a tensor "
                         f"of shape {x.shape}: {exc}") from None

    def backward(g):
        gx = xp.asarray(g, copy=True)
        assign(gx, xp.zeros((), dtype=g.dtype))
        picked = region(g) if second is None else backend.getitem(region(g), second)
        return gx, picked
    return x._result(out, (x, value), backward, "index_put")


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """out[i][j] = x[i][index[i][j]] for dim=1 (likewise for any dim, as torch.gather).

    The backward adds g into the gathered positions (twice for an index used twice).
    """
    ax = _axis(dim, x.ndim)
    idx = index.data if isinstance(index, Tensor) else x._backend.asarray(host_array(index))
    if idx.ndim != x.ndim:
        raise ShapeError(f"gather: index must have as many axes as the input ({x.ndim}), got shape {tuple(idx.shape)}")
    xp = x._backend.xp
    grids = [xp.reshape(xp.arange(n), tuple(n if i == d else 1 for i in range(idx.ndim)))
             for d, n in enumerate(idx.shape)]
    grids[ax] = idx
    return _pick(x, tuple(xp.broadcast_to(g, tuple(idx.shape)) for g in grids))


def _triangle(x: Tensor, diagonal: int, lower: bool) -> Tensor:
    if x.ndim < 2:
        raise ShapeError(f"{'tril' if lower else 'triu'} needs at least 2 axes, got shape {x.shape}")
    xp = x._backend.xp
    rows, cols = x.shape[-2], x.shape[-1]
    offset = xp.reshape(xp.arange(cols), (1, cols)) - xp.reshape(xp.arange(rows), (rows, 1))
    keep = offset <= diagonal if lower else offset >= diagonal
    zero = xp.zeros((), dtype=x.data.dtype)
    return x._result(xp.where(keep, x.data, zero), (x,), lambda g: (xp.where(keep, g, xp.zeros_like(g)),),
                     "tril" if lower else "triu")


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes (j - i <= diagonal), zeros above; gradient likewise masked."""
    return _triangle(x, diagonal, True)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes (j - i >= diagonal), zeros below."""
    return _triangle(x, diagonal, False)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces along `dim`: each of `split_size` (the last may be shorter), or of the given lengths."""
    ax = _axis(dim, x.ndim)
    n = x.shape[ax]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        lengths = [min(step, n - start) for start in range(0, n, step)] or [0]
    else:
        lengths = list(split_size_or_sections)
        if sum(lengths) != n:
            raise ShapeError(f"split: lengths {lengths} do not add up to the axis length {n}")
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    lead = (slice(None),) * ax
    return tuple(getitem(x, lead + (slice(s, s + k), Ellipsis)) for s, k in zip(starts, lengths))


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """`chunks` pieces of (nearly) equal length along `dim` (as torch.chunk)."""
    n = x.shape[_axis(dim, x.ndim)]
    return split(x, max(1, -(-n // chunks)), dim)


# --- joining tensors ---------------------------------------------------------------------------


def _same_device(tensors: Any) -> list[Tensor]:
    tensors = list(tensors)
    if not tensors:
        raise ValueError("need at least one tensor")
    if not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError("expected a sequence of Tensors, got " + ", ".join(type(t).__name__ for t in tensors))
    if len({t._backend for t in tensors}) > 1:
        raise DeviceError(f"tensors on different devices: {sorted({t.device for t in tensors})}")
    return tensors


def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing axis (dtypes promoted); each gets back its slice of the gradient."""
    tensors = _same_device(tensors)
    first = tensors[0]
    if any(t.ndim == 0 for t in tensors):
        raise ShapeError("zero-dimensional tensors cannot be concatenated: use stack, or reshape them to (1,)")
    ax = _axis(dim if axis is None else axis, first.ndim)
    if any(t.ndim != first.ndim or t.shape[:ax] + t.shape[ax + 1:] != first.shape[:ax] + first.shape[ax + 1:]
           for t in tensors):
        raise ShapeError(f"cannot concatenate shapes {[t.shape for t in tensors]} along axis {ax}: "
                         "all other axes must match")
    xp = first._backend.xp
    name = result_type(*((t.dtype_name, t.ndim) for t in tensors))
    arrays = [t.data if t.dtype_name == name else xp.astype(t.data, first._backend.dtype(name)) for t in tensors]
    out = xp.concat(arrays, axis=ax)
    bounds = [0]
    for t in tensors:
        bounds.append(bounds[-1] + t.shape[ax])
    lead = (slice(None),) * ax

    def backward(g):
        return tuple(g[lead + (slice(lo, hi), Ellipsis)] for lo, hi in zip(bounds[:-1], bounds[1:]))
    return first._result(out, tuple(tensors), backward, "cat")


concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis at position `dim`."""
    tensors = _same_device(tensors)
    if len({t.shape for t in tensors}) != 1:
        raise ShapeError(f"stack needs tensors of one shape, got {[t.shape for t in tensors]}")
    ax = _axis(dim if axis is None else axis, tensors[0].ndim + 1)
    return cat([unsqueeze(t, ax) for t in tensors], ax)


for _fn in (reshape, permute, transpose, squeeze, unsqueeze, flatten, expand, gather, tril, triu, split, chunk):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.view = reshape  # torch's view never copies and refuses some strides; here it is reshape
Tensor.__getitem__ = getitem
Tensor.T = property(_reversed_axes)
Tensor.mT = property(_last_two_swapped)
