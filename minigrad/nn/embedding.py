"""`Embedding`: a learned vector for each of a fixed set of tokens (as `torch.nn.Embedding`)."""
from __future__ import annotations

from typing import Any

from .. import functional as F
from ..creation import zeros
from ..tensor import Tensor
from . import init
from .module import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """A table of `num_embeddings` vectors of length `embedding_dim`; `emb(idx)` looks rows up.

    `weight` has shape (num_embeddings, embedding_dim) and starts as N(0, 1) samples,
    as in PyTorch. An integer input of any shape (..., ) gives an output (..., embedding_dim):
    emb(idx)[..., :] = weight[idx[...], :]. It is a Linear layer without bias applied to
    one-hot vectors, computed without building them; its gradient adds each position's
    upstream gradient into the row that position used (see `F.embedding`).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype: Any = "float32", device: str = "cpu") -> None:
        super().__init__()
        if int(num_embeddings) < 0 or int(embedding_dim) < 0:
            raise ValueError(f"Embedding needs non-negative sizes, got num_embeddings={num_embeddings}, "
                             f"embedding_dim={embedding_dim}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.weight = zeros(self.num_embeddings, self.embedding_dim, dtype=dtype, requires_grad=True, device=device)
        init.normal_(self.weight)

    def forward(self, input: Any) -> Tensor:
        return F.embedding(input, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
