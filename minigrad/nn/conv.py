"""Layers for images, as `torch.nn`: `Conv2d` (with parameters), `MaxPool2d`, `AvgPool2d` and `Flatten`.

    model = nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),     # (N, 8, 4, 4)
        nn.Flatten(), nn.Linear(8 * 4 * 4, 10))                                   # (N, 10)
"""
from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..creation import zeros
from ..ops.conv import _pair
from ..tensor import Tensor
from . import init
from .module import Module

__all__ = ["Conv2d", "MaxPool2d", "AvgPool2d", "Flatten"]


class Conv2d(Module):
    """A 2-D convolution: `weight` of shape (out_channels, in_channels, kH, kW), `bias` of shape (out_channels,).

    Input (N, in_channels, H, W), output (N, out_channels, OH, OW), OH = (H + 2 padding - kH) // stride + 1.
    Initialised as PyTorch does: `kaiming_uniform_(weight, a=sqrt(5))`, that is U(-b, b) with
    b = 1 / sqrt(fan_in), fan_in = in_channels * kH * kW, and the bias from the same U(-b, b).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, bias: bool = True,
                 dtype: Any = "float32", device: str = "cpu") -> None:
        super().__init__()
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size", minimum=1)
        self.stride = _pair(stride, "stride", minimum=1)
        self.padding = _pair(padding, "padding")
        self.weight = zeros(out_channels, in_channels, *self.kernel_size, dtype=dtype, requires_grad=True,
                            device=device)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = None
        if bias:
            fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            self.bias = init.uniform_(zeros(out_channels, dtype=dtype, requires_grad=True, device=device),
                                      -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        return text + (", bias=False" if self.bias is None else "")


class MaxPool2d(Module):
    """The maximum of each (kH, kW) window, windows every `stride` (default: kernel_size). No parameters."""

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0, *, return_indices: bool = False) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Any:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """The mean of each (kH, kW) window, windows every `stride` (default: kernel_size). No parameters."""

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0, *, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, count_include_pad=self.count_include_pad,
                            divisor_override=self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Flatten(Module):
    """Merge the axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default, for a Linear layer."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
