"""Normalization layers: rescale activations to mean 0 and variance 1, then learn a scale and shift.

    y = (x - mean) / sqrt(var + eps) * weight + bias

`BatchNorm1d` takes mean and var of each feature over the batch (and keeps
running averages of them for evaluation); `LayerNorm` takes them over the
features of each sample, so it behaves the same in training and evaluation.
Both use the biased variance var = mean((x - mean)^2) to normalise.
The gradients flow through mean and var too: autograd takes care of that.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..autograd import no_grad
from ..creation import ones, zeros
from ..tensor import ShapeError, Tensor
from .module import Module

__all__ = ["LayerNorm", "BatchNorm1d"]


def _normalize(x: Tensor, axes: tuple, eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(x_hat, mean, var) with x_hat = (x - mean) / sqrt(var + eps), statistics over `axes` (kept)."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    return centered / (var + eps).sqrt(), mean, var


class LayerNorm(Module):
    """Normalise each sample over its last axes (`normalized_shape`), then y = x_hat * weight + bias.

    mean and var are taken over the last len(normalized_shape) axes of each
    sample; weight (ones) and bias (zeros) have shape `normalized_shape`.
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, dtype: Any = "float32", device: str = "cpu") -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.weight = ones(shape, dtype=dtype, requires_grad=True, device=device) if elementwise_affine else None
        self.bias = zeros(shape, dtype=dtype, requires_grad=True, device=device) if elementwise_affine else None

    def forward(self, x: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k:] != self.normalized_shape:
            raise ShapeError(f"LayerNorm{self.normalized_shape} needs inputs ending in that shape, got {x.shape}")
        x_hat, _, _ = _normalize(x, tuple(range(x.ndim - k, x.ndim)), self.eps)
        return x_hat * self.weight + self.bias if self.elementwise_affine else x_hat

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class BatchNorm1d(Module):
    """Normalise each feature over the batch: input (N, C) or (N, C, L), statistics per channel C.

    Training: mean and biased var of the batch normalise x, and the running
    statistics move towards the batch's (PyTorch's momentum convention):
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)
    (the unbiased variance, n values per channel). With momentum=None they are
    the plain average over all batches so far.
    Evaluation (`model.eval()`): running_mean and running_var normalise instead,
    so a single sample gives the same output whatever batch it comes in.
    Buffers: `running_mean` (zeros), `running_var` (ones), `num_batches_tracked`.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, dtype: Any = "float32", device: str = "cpu") -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum, self.affine = int(num_features), eps, momentum, affine
        self.weight = ones(num_features, dtype=dtype, requires_grad=True, device=device) if affine else None
        self.bias = zeros(num_features, dtype=dtype, requires_grad=True, device=device) if affine else None
        self.register_buffer("running_mean", zeros(num_features, dtype=dtype, device=device))
        self.register_buffer("running_var", ones(num_features, dtype=dtype, device=device))
        self.register_buffer("num_batches_tracked", zeros((), dtype="int64", device=device))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm1d({self.num_features}) needs input of shape (N, {self.num_features}) "
                             f"or (N, {self.num_features}, L), got {x.shape}")
        axes = (0,) if x.ndim == 2 else (0, 2)
        stat_shape = (1, self.num_features) + (1,) * (x.ndim - 2)
        if self.training:
            x_hat = self._normalize_with_batch(x, axes)
        else:
            mean = self.running_mean.reshape(stat_shape)
            var = self.running_var.reshape(stat_shape)
            x_hat = (x - mean) / (var + self.eps).sqrt()
        if not self.affine:
            return x_hat
        return x_hat * self.weight.reshape(stat_shape) + self.bias.reshape(stat_shape)

    def _normalize_with_batch(self, x: Tensor, axes: tuple) -> Tensor:
        n = x.numel() // self.num_features
        if n < 2:
            raise ValueError(f"BatchNorm1d in training needs more than 1 value per channel, got input {x.shape} "
                             "(use a batch of at least 2, or call model.eval())")
        x_hat, mean, var = _normalize(x, axes, self.eps)
        with no_grad():
            self._update_running_stats(mean.detach().reshape(-1), var.detach().reshape(-1) * (n / (n - 1)))
        return x_hat

    def _update_running_stats(self, mean: Tensor, unbiased_var: Tensor) -> None:
        xp = self.num_batches_tracked._backend.xp
        self.num_batches_tracked.data = self.num_batches_tracked.data + 1
        m = self.momentum if self.momentum is not None else 1.0 / int(self.num_batches_tracked.data)
        self.running_mean.data = (1 - m) * self.running_mean.data + m * xp.astype(mean.data, self.running_mean.dtype)
        self.running_var.data = (1 - m) * self.running_var.data + m * xp.astype(unbiased_var.data, self.running_var.dtype)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"
