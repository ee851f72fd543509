"""Convolution and pooling over images, each with its gradient next to its forward (as torch.nn.functional).

Shapes are PyTorch's: a batch of images x is (N, C, H, W) (one image, (C, H, W), also works),
a convolution's weight is (C_out, C_in, kH, kW). `kernel_size`, `stride` and `padding` are an
int or a pair (rows, columns). Along an axis of length H the output has

    OH = (H + 2 padding - kH) // stride + 1      positions.

A convolution is a matrix product on patches (im2col). Each (C_in, kH, kW) patch of the
padded input, one per output position, becomes a row of P, of shape (N*OH*OW, C_in*kH*kW);
with the weight flattened to W, of shape (C_out, C_in*kH*kW),

    Y = P W^T + b        (N*OH*OW, C_out), one row per output position, then (N, C_out, OH, OW).

That is a linear layer applied to every patch, so with G = dL/dY in the same row layout:

    dL/dW = G^T P        every patch, weighted by its output's gradient, summed
    dL/db = sum of G over its rows (the batch and every position)
    dL/dP = G W          the gradient of each patch

(The code stores P transposed, one column per output position, and computes Y^T = W P^T:
the same products, but copying the patches in that order reads the image row by row,
several times faster than the other order.)

and dL/dx adds each patch's gradient back where the patch was cut from (col2im, `_fold`):
an input pixel inside several patches collects the gradient of each. Pooling cuts the same
patches and reduces each one (a max, a mean); its backward sends g back through the reduction,
then folds it the same way.
"""
from __future__ import annotations

import math
import operator
from typing import Any

from ..backend import DeviceError
from ..dtypes import is_floating
from ..tensor import ShapeError, Tensor

__all__ = ["conv2d", "max_pool2d", "avg_pool2d"]


# --- arguments ---------------------------------------------------------------------------


def _pair(value: Any, name: str, minimum: int = 0) -> tuple[int, int]:
    """An int or a pair of ints as (rows, columns), each at least `minimum`."""
    parts = value if isinstance(value, (tuple, list)) else (value, value)
    try:
        if len(parts) != 2 or any(isinstance(p, bool) for p in parts):
            raise TypeError
        pair = (operator.index(parts[0]), operator.index(parts[1]))
    except TypeError:
        raise TypeError(f"{name} must be an int or a pair of ints (rows, columns), got {value!r}") from None
    if min(pair) < minimum:
        raise ValueError(f"{name} must be {'positive' if minimum else 'at least 0'}, got {value!r}")
    return pair


def _batched(input: Any, name: str) -> tuple[Tensor, bool]:
    """The input as a batch (N, C, H, W), and whether it was one image (C, H, W) to unbatch at the end."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name} takes a Tensor of images (N, C, H, W), got a {type(input).__name__}: wrap the data "
                        "first, e.g. mg.tensor(X.reshape(-1, 1, 8, 8))")
    if not is_floating(input.dtype_name):
        raise TypeError(f"{name} needs floating-point images, got {input.dtype_name}: convert them, e.g. x.float()")
    if input.ndim == 4:
        return input, False
    if input.ndim == 3:
        return input.reshape((1,) + input.shape), True
    example = " (rows of 64 pixels? X.reshape(-1, 1, 8, 8) makes N one-channel 8 x 8 images)" if input.ndim == 2 else ""
    raise ShapeError(f"{name} expects images of shape (N, C, H, W), or one image (C, H, W), got a tensor of shape "
                     f"{input.shape}{example}")


def _output_size(name: str, size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
                 padding: tuple[int, int]) -> tuple[int, int]:
    """(OH, OW), after checking that the kernel fits in the padded input."""
    (h, w), (kh, kw), (ph, pw) = size, kernel, padding
    if kh > h + 2 * ph or kw > w + 2 * pw:
        raise ShapeError(f"{name}: the kernel ({kh} x {kw}) is larger than the padded input ({h + 2 * ph} x "
                         f"{w + 2 * pw}: {h} x {w} with padding {padding}). Use a smaller kernel, more padding, or "
                         "pool less often: each pooling layer divides the image size.")
    return (h + 2 * ph - kh) // stride[0] + 1, (w + 2 * pw - kw) // stride[1] + 1


# --- cutting patches and putting them back ---------------------------------------------------


def _padded(backend: Any, array: Any, padding: tuple[int, int], value: float) -> Any:
    """`array` with `padding` rows above and below and columns left and right, filled with `value`."""
    ph, pw = padding
    if not ph and not pw:
        return array
    h, w = array.shape[-2:]
    out = backend.xp.full(tuple(array.shape[:-2]) + (h + 2 * ph, w + 2 * pw), value, dtype=array.dtype)
    backend.setitem(out, (Ellipsis, slice(ph, ph + h), slice(pw, pw + w)), array)
    return out


def _fold(backend: Any, patches: Any, size: tuple[int, int], stride: tuple[int, int],
          padding: tuple[int, int]) -> Any:
    """col2im, the adjoint of cutting patches: patches (..., OH, OW, kH, kW) added back onto an image
    of `size` (the unpadded H, W) where each was cut from; overlapping patches add up; the padding is
    dropped. One strided slice per kernel offset (a, b):  out[..., i sH + a, j sW + b] += patches[..., i, j, a, b].
    """
    xp = backend.xp
    oh, ow, kh, kw = patches.shape[-4:]
    (sh, sw), (ph, pw) = stride, padding
    h, w = size
    out = xp.zeros(tuple(patches.shape[:-4]) + (h + 2 * ph, w + 2 * pw), dtype=patches.dtype)
    for a in range(kh):
        for b in range(kw):
            where = (Ellipsis, slice(a, a + sh * (oh - 1) + 1, sh), slice(b, b + sw * (ow - 1) + 1, sw))
            backend.setitem(out, where, backend.getitem(out, where) + backend.getitem(patches, (Ellipsis, a, b)))
    if not ph and not pw:
        return out
    return backend.getitem(out, (Ellipsis, slice(ph, ph + h), slice(pw, pw + w)))


def _unbatched(out: Tensor, unbatched: bool) -> Tensor:
    return out.reshape(out.shape[1:]) if unbatched else out


# --- convolution ---------------------------------------------------------------------------


def _check_conv(x: Tensor, weight: Any, bias: Any) -> None:
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        shape = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ShapeError(f"conv2d: the weight must be a Tensor of shape (out_channels, in_channels, kH, kW), "
                         f"got {shape}")
    if x._backend is not weight._backend or (isinstance(bias, Tensor) and bias._backend is not x._backend):
        raise DeviceError(f"conv2d: the input is on {x.device} but the weight is on {weight.device}: move one with "
                          ".to(device) first (model.to(device) moves every parameter)")
    if x.shape[1] != weight.shape[1]:
        layout = (f" It looks channels-last (N, H, W, C): x.permute(0, 3, 1, 2) makes it (N, C, H, W)."
                  if x.shape[-1] == weight.shape[1] else "")
        raise ShapeError(f"conv2d: the input of shape {x.shape} has {x.shape[1]} channels (axis 1), but the weight of "
                         f"shape {weight.shape} expects in_channels = {weight.shape[1]}. Give the layer in_channels="
                         f"{x.shape[1]}, or feed it images with {weight.shape[1]} channels.{layout}")
    if x.dtype != weight.dtype:
        raise TypeError(f"conv2d: the input is {x.dtype_name} but the weight is {weight.dtype_name} (PyTorch refuses "
                        "this too): convert the input, e.g. x.float() (NumPy data: X.astype(np.float32)), or the "
                        "model, model.double()")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (weight.shape[0],)):
        shape = bias.shape if isinstance(bias, Tensor) else type(bias).__name__
        raise ShapeError(f"conv2d: the bias must be a Tensor of shape ({weight.shape[0]},), one per output channel, "
                         f"got {shape}")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> Tensor:
    """out[n, o, i, j] = b[o] + sum over c, a, b' of weight[o, c, a, b'] * x_pad[n, c, i sH + a, j sW + b'].

    A cross-correlation, as in PyTorch (the kernel is not flipped), on the input zero-padded by
    `padding`. Computed as the matrix product of the patches and the flattened weight; the
    backward is the linear layer's on the patches, then the patches' gradients folded back
    (see the module docstring).
    """
    if isinstance(padding, str):
        raise TypeError(f"padding={padding!r} is not supported: give the number of zeros added on each side, "
                        "e.g. padding=1 keeps the size of the image for a 3 x 3 kernel with stride 1")
    x, unbatched = _batched(input, "conv2d")
    _check_conv(x, weight, bias)
    stride, padding = _pair(stride, "stride", minimum=1), _pair(padding, "padding")
    backend = x._backend
    xp = backend.xp
    n, c, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    oh, ow = _output_size("conv2d", (h, w), (kh, kw), stride, padding)
    windows = backend.sliding_windows(_padded(backend, x.data, padding, 0.0), (kh, kw), stride)
    patches_t = xp.reshape(xp.permute_dims(windows, (1, 4, 5, 0, 2, 3)), (c * kh * kw, n * oh * ow))  # P^T
    W = xp.reshape(weight.data, (c_out, c * kh * kw))
    out_t = xp.matmul(W, patches_t)                                                  # Y^T = W P^T
    if bias is not None:
        out_t = out_t + xp.reshape(bias.data, (c_out, 1))
    out = xp.permute_dims(xp.reshape(out_t, (c_out, n, oh, ow)), (1, 0, 2, 3))

    def backward(g):
        G_t = xp.reshape(xp.permute_dims(g, (1, 0, 2, 3)), (c_out, n * oh * ow))       # G^T
        gx = gw = gb = None
        if x.requires_grad:
            patch_grads = xp.reshape(xp.matmul(W.mT, G_t), (c, kh, kw, n, oh, ow))      # (G W)^T
            gx = _fold(backend, xp.permute_dims(patch_grads, (3, 0, 4, 5, 1, 2)), (h, w), stride, padding)
        if weight.requires_grad:
            gw = xp.reshape(xp.matmul(G_t, patches_t.mT), weight.shape)                 # G^T P
        if bias is not None and bias.requires_grad:
            gb = xp.sum(G_t, axis=1)
        return gx, gw, gb
    parents = (x, weight) if bias is None else (x, weight, bias)
    return _unbatched(x._result(out, parents, backward, "conv2d"), unbatched)


# --- pooling -----------------------------------------------------------------------------------


def _pool_args(name: str, kernel_size: Any, stride: Any, padding: Any) -> tuple[tuple, tuple, tuple]:
    """(kernel, stride, padding) as pairs; stride defaults to the kernel (windows side by side), and the
    padding may be at most half the kernel (as PyTorch), so every window holds a real pixel."""
    kernel = _pair(kernel_size, "kernel_size", minimum=1)
    stride = kernel if stride is None else _pair(stride, "stride", minimum=1)
    padding = _pair(padding, "padding")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{name}: the padding {padding} must be at most half the kernel size {kernel} (as in PyTorch)")
    return kernel, stride, padding


def _first_inside(backend: Any, size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
                  padding: tuple[int, int]) -> Any:
    """For each window (OH, OW), the position (0 .. kH*kW-1) of its first element inside the unpadded image."""
    xp = backend.xp
    inside = _padded(backend, xp.ones(size, dtype=xp.float32), padding, 0.0)
    windows = backend.sliding_windows(inside, kernel, stride)
    return xp.argmax(xp.reshape(windows, tuple(windows.shape[:2]) + (kernel[0] * kernel[1],)), axis=-1)


def _torch_choice(backend: Any, flat: Any, values: Any, first_inside: Any) -> Any:
    """Which element of each window (..., k) is its maximum, as PyTorch picks it: the first one in
    row-major order among ties; the last nan if there is one; the first pixel inside the image when
    every element is -inf."""
    xp = backend.xp
    k = flat.shape[-1]
    choice = xp.argmax(flat, axis=-1)
    last_nan = (k - 1) - xp.argmax(xp.astype(xp.flip(xp.isnan(flat), axis=-1), xp.int8), axis=-1)
    choice = xp.where(xp.isnan(values), last_nan, choice)
    return xp.where(values == -math.inf, xp.astype(first_inside, choice.dtype), choice)


def max_pool2d(input: Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0, *, return_indices: bool = False) -> Any:
    """The maximum of each (kH, kW) window, windows every `stride` (default: kernel_size, side by side).

    Padding counts as -inf (it is never the maximum). The gradient of each output goes to the
    one input element that was its maximum (PyTorch's choice among ties: the first in row-major
    order), summed where windows overlap. With return_indices=True, also returns where each
    maximum is, as a flat index into its image's H x W pixels (int64), as PyTorch.
    """
    x, unbatched = _batched(input, "max_pool2d")
    kernel, stride, padding = _pool_args("max_pool2d", kernel_size, stride, padding)
    backend = x._backend
    xp = backend.xp
    n, c, h, w = x.shape
    oh, ow = _output_size("max_pool2d", (h, w), kernel, stride, padding)
    k = kernel[0] * kernel[1]
    windows = backend.sliding_windows(_padded(backend, x.data, padding, -math.inf), kernel, stride)
    flat = xp.reshape(windows, (n, c, oh, ow, k))
    values = xp.max(flat, axis=-1)
    choice = _torch_choice(backend, flat, values, _first_inside(backend, (h, w), kernel, stride, padding))

    def backward(g):
        picked = xp.arange(k, dtype=choice.dtype) == xp.expand_dims(choice, axis=-1)
        spread = xp.where(picked, xp.expand_dims(g, axis=-1), xp.zeros((), dtype=g.dtype))
        return (_fold(backend, xp.reshape(spread, (n, c, oh, ow) + kernel), (h, w), stride, padding),)
    out = _unbatched(x._result(values, (x,), backward, "max_pool2d"), unbatched)
    if not return_indices:
        return out
    rows = xp.reshape(xp.arange(oh, dtype=choice.dtype), (oh, 1)) * stride[0] - padding[0] + choice // kernel[1]
    cols = xp.reshape(xp.arange(ow, dtype=choice.dtype), (1, ow)) * stride[1] - padding[1] + choice % kernel[1]
    indices = Tensor._wrap(xp.astype(rows * w + cols, xp.int64), backend)
    return out, (indices.reshape(indices.shape[1:]) if unbatched else indices)


def avg_pool2d(input: Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0, *, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean of each (kH, kW) window, windows every `stride` (default: kernel_size).

    Padding counts as zeros. The divisor is kH*kW (count_include_pad=True, PyTorch's default), or
    the number of pixels of the window inside the image (False), or `divisor_override`. Each
    input element of a window gets g / divisor, summed where windows overlap.
    """
    x, unbatched = _batched(input, "avg_pool2d")
    kernel, stride, padding = _pool_args("avg_pool2d", kernel_size, stride, padding)
    if divisor_override is not None and (isinstance(divisor_override, bool) or operator.index(divisor_override) == 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a nonzero int, got {divisor_override!r}")
    backend = x._backend
    xp = backend.xp
    n, c, h, w = x.shape
    oh, ow = _output_size("avg_pool2d", (h, w), kernel, stride, padding)
    windows = backend.sliding_windows(_padded(backend, x.data, padding, 0.0), kernel, stride)
    if divisor_override is not None:
        divisor = float(divisor_override)
    elif count_include_pad:
        divisor = float(kernel[0] * kernel[1])
    else:
        inside = backend.sliding_windows(_padded(backend, xp.ones((h, w), dtype=x.data.dtype), padding, 0.0),
                                         kernel, stride)
        divisor = xp.sum(inside, axis=(-2, -1))
    out = xp.sum(windows, axis=(-2, -1)) / divisor

    def backward(g):
        share = xp.expand_dims(xp.expand_dims(g / divisor, axis=-1), axis=-1)
        return (_fold(backend, xp.broadcast_to(share, (n, c, oh, ow) + kernel), (h, w), stride, padding),)
    return _unbatched(x._result(out, (x,), backward, "avg_pool2d"), unbatched)
