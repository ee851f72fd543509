"""A lookup table as an operation: row i of a weight matrix for each index i (as `torch.nn.functional.embedding`).

    out[..., :] = weight[input[...], :]

Looking a row up is the same as multiplying a one-hot vector by the weight,
onehot(i) @ weight, so its gradient is onehot(i)^T g: the upstream gradient
g of each position is added into the row it came from. A row used at several
positions gets the sum of their gradients (a scatter-add), and a row not used
at all gets zero.
"""
from __future__ import annotations

from typing import Any

from ..backend import host_array
from ..dtypes import category, is_floating
from ..tensor import ShapeError, Tensor

__all__ = ["embedding"]


def embedding(input: Any, weight: Tensor) -> Tensor:
    """Rows of `weight` (shape (num_embeddings, embedding_dim)) picked by the integer `input` of any shape.

    Returns a tensor of shape input.shape + (embedding_dim,). With G = dL/d(out):
    dL/dweight[i] = sum of G[p] over the positions p where input[p] == i.
    The indices get no gradient (they are integers).
    """
    indices = _indices(input, weight)
    backend = weight._backend
    xp = backend.xp
    num, dim = weight.shape
    flat = xp.reshape(indices.data, (-1,))
    _check_range(xp, flat, num)
    out = xp.reshape(xp.take(weight.data, flat, axis=0), tuple(indices.shape) + (dim,))

    def backward(g):
        grad = xp.zeros((num, dim), dtype=g.dtype)
        return (backend.scatter_add(grad, flat, xp.reshape(g, (-1, dim))),)
    return weight._result(out, (weight,), backward, "embedding")


def _indices(input: Any, weight: Tensor) -> Tensor:
    """The indices as an integer Tensor on the weight's device, or a clear error."""
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        shape = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ShapeError(f"embedding: the weight must be a Tensor of shape (num_embeddings, embedding_dim), "
                         f"got {shape}")
    if not is_floating(weight.dtype_name):
        raise TypeError(f"embedding: the weight must be a floating-point tensor, got {weight.dtype_name}")
    if isinstance(input, Tensor):
        indices = input
    else:
        try:
            indices = Tensor._wrap(weight._backend.asarray(host_array(input)), weight._backend)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"embedding: the input must be integer indices (a Tensor, an array or a list), "
                            f"got {type(input).__name__} ({exc})") from None
    if category(indices.dtype_name) != 1:
        raise TypeError(f"embedding: the input must hold integer indices (int64, as in PyTorch), got "
                        f"{indices.dtype_name}; convert it with x.long() (NumPy data: X.astype('int64'))")
    if indices._backend is not weight._backend:
        raise RuntimeError(f"embedding: indices on {indices.device} cannot pick rows of a weight on "
                           f"{weight.device}; move one with .to(device) first")
    return indices


def _check_range(xp: Any, flat: Any, num: int) -> None:
    if flat.shape[0] and (int(xp.min(flat)) < 0 or int(xp.max(flat)) >= num):
        raise IndexError(f"embedding: indices must lie in [0, {num - 1}] for a table of {num} rows, "
                         f"got values from {int(xp.min(flat))} to {int(xp.max(flat))}")
