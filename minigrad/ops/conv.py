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

and dL/dx adds each patch's gradient back where the patch was cut from (col2im, `_fold`):
an input pixel inside several patches collects the gradient of each.

The code stores P transposed, one column per output position, and computes Y^T = W P^T, with
the rows and columns of P in the orders (kH, kW, C_in) and (OH, OW, N): the same products, but
with the batch innermost in memory the patches are copied and added back several times faster
(see `_full`).

Pooling reduces the same windows, one kernel offset at a time (a running maximum, a sum); its
backward sends g back through the reduction, and folds it onto the image the same way.
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


def _full(backend: Any, shape: tuple[int, int, int, int], value: float, dtype: Any) -> Any:
    """An (N, C, H, W) array of `value`, laid out in memory as (C, H, W, N): the batch innermost.

    The ops below cut and add back (OH, OW) grids of pixels, one per kernel offset. With the batch
    innermost, each such grid is made of contiguous runs of N numbers (or OW * N), which are copied
    and added several times faster than runs of OW numbers (OW = 4 or 8 on the digits).
    """
    n, c, h, w = shape
    return backend.xp.permute_dims(backend.xp.full((c, h, w, n), value, dtype=dtype), (3, 0, 1, 2))


def _padded(backend: Any, array: Any, padding: tuple[int, int], value: float) -> Any:
    """`array` (N, C, H, W) with `padding` rows above and below and columns left and right, filled with `value`."""
    ph, pw = padding
    if not ph and not pw:
        return array
    n, c, h, w = array.shape
    out = _full(backend, (n, c, h + 2 * ph, w + 2 * pw), value, array.dtype)
    backend.setitem(out, (Ellipsis, slice(ph, ph + h), slice(pw, pw + w)), array)
    return out


def _offsets(kernel: tuple[int, int], stride: tuple[int, int], out_size: tuple[int, int]):
    """(a, b, where) for each offset (a, b) inside a window, row by row: `where` indexes, in the padded
    image, the pixel at that offset of every window, an (OH, OW) grid: rows a, a + sH, ..., likewise columns."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out_size
    for a in range(kh):
        for b in range(kw):
            yield a, b, (Ellipsis, slice(a, a + sh * (oh - 1) + 1, sh), slice(b, b + sw * (ow - 1) + 1, sw))


def _fold(backend: Any, piece: Any, shape: tuple[int, int, int, int], kernel: tuple[int, int],
          stride: tuple[int, int], padding: tuple[int, int], dtype: Any) -> Any:
    """col2im, the adjoint of cutting windows: for each offset (a, b), `piece(a, b)` (N, C, OH, OW) is
    added back onto the image where the windows' pixels at that offset came from,

        out[n, c, i sH + a, j sW + b] += piece(a, b)[n, c, i, j],

    so a pixel inside several windows collects all their gradients; the padding is then dropped.
    `shape` is the unpadded (N, C, H, W).
    """
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    n, c, h, w = shape
    out = _full(backend, (n, c, h + 2 * ph, w + 2 * pw), 0.0, dtype)
    out_size = ((h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)
    overlapping = sh < kh or sw < kw
    for a, b, where in _offsets(kernel, stride, out_size):
        value = piece(a, b)
        backend.setitem(out, where, backend.getitem(out, where) + value if overlapping else value)
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
        layout = (" It looks channels-last (N, H, W, C): x.permute(0, 3, 1, 2) makes it (N, C, H, W)."
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
    # P^T, one column per output position: rows in the order (a, b, c), columns (i, j, n)
    patches_t = xp.reshape(xp.permute_dims(windows, (4, 5, 1, 2, 3, 0)), (kh * kw * c, oh * ow * n))
    W = xp.reshape(xp.permute_dims(weight.data, (0, 2, 3, 1)), (c_out, kh * kw * c))  # the same order (a, b, c)
    out_t = xp.matmul(W, patches_t)                                                   # Y^T = W P^T
    if bias is not None:
        out_t = out_t + xp.reshape(bias.data, (c_out, 1))
    out = xp.permute_dims(xp.reshape(out_t, (c_out, oh, ow, n)), (3, 0, 1, 2))

    def backward(g):
        G_t = xp.reshape(xp.permute_dims(g, (1, 2, 3, 0)), (c_out, oh * ow * n))        # G^T
        gx = gw = gb = None
        if x.requires_grad:
            patch_grads = xp.reshape(xp.matmul(W.mT, G_t), (kh, kw, c, oh, ow, n))      # (G W)^T

            def piece(a: int, b: int) -> Any:                      # the patches' pixels at offset (a, b)
                return xp.permute_dims(backend.getitem(patch_grads, (a, b)), (3, 0, 1, 2))
            gx = _fold(backend, piece, x.shape, (kh, kw), stride, padding, g.dtype)
        if weight.requires_grad:
            gw = xp.permute_dims(xp.reshape(xp.matmul(G_t, patches_t.mT), (c_out, kh, kw, c)), (0, 3, 1, 2))  # G^T P
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


def _first_inside(backend: Any, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int],
                  out_size: tuple[int, int]) -> Any:
    """For each window (OH, OW), the offset a kW + b of its first pixel inside the unpadded image (row-major)."""
    xp = backend.xp
    zero = xp.zeros((), dtype=xp.int64)
    rows = xp.maximum(padding[0] - stride[0] * xp.arange(out_size[0], dtype=xp.int64), zero)
    cols = xp.maximum(padding[1] - stride[1] * xp.arange(out_size[1], dtype=xp.int64), zero)
    return xp.reshape(rows, (-1, 1)) * kernel[1] + xp.reshape(cols, (1, -1))


def _pixels_inside(backend: Any, size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
                   padding: tuple[int, int], out_size: tuple[int, int], dtype: Any) -> Any:
    """For each window (OH, OW), how many of its pixels lie inside the unpadded image."""
    xp = backend.xp

    def along(axis: int) -> Any:
        start = xp.arange(out_size[axis], dtype=xp.int64) * stride[axis] - padding[axis]
        end = start + kernel[axis]
        return xp.minimum(end, xp.asarray(size[axis], dtype=xp.int64)) - xp.maximum(start, xp.zeros_like(start))
    return xp.astype(xp.reshape(along(0), (-1, 1)) * xp.reshape(along(1), (1, -1)), dtype)


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
    padded = _padded(backend, x.data, padding, -math.inf)
    values = _full(backend, (n, c, oh, ow), -math.inf, x.data.dtype)
    choice = xp.broadcast_to(_first_inside(backend, kernel, stride, padding, (oh, ow)), (n, c, oh, ow))
    for a, b, where in _offsets(kernel, stride, (oh, ow)):   # PyTorch's scan: a later pixel wins only if larger,
        v = backend.getitem(padded, where)                   # or nan (so ties keep the first, nan the last)
        wins = (v > values) | (v != v)
        values = xp.where(wins, v, values)
        choice = xp.where(wins, xp.asarray(a * kernel[1] + b, dtype=choice.dtype), choice)

    def backward(g):
        zero = xp.zeros((), dtype=g.dtype)
        return (_fold(backend, lambda a, b: xp.where(choice == a * kernel[1] + b, g, zero), x.shape, kernel, stride,
                      padding, g.dtype),)
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
    n, c, h, w = x.shape
    oh, ow = _output_size("avg_pool2d", (h, w), kernel, stride, padding)
    padded = _padded(backend, x.data, padding, 0.0)
    total = None
    for _, _, where in _offsets(kernel, stride, (oh, ow)):
        v = backend.getitem(padded, where)
        total = v if total is None else total + v
    if divisor_override is not None:
        divisor = float(divisor_override)
    elif count_include_pad:
        divisor = float(kernel[0] * kernel[1])
    else:
        divisor = _pixels_inside(backend, (h, w), kernel, stride, padding, (oh, ow), x.data.dtype)
    out = total / divisor

    def backward(g):
        share = g / divisor
        return (_fold(backend, lambda a, b: share, x.shape, kernel, stride, padding, g.dtype),)
    return _unbatched(x._result(out, (x,), backward, "avg_pool2d"), unbatched)
