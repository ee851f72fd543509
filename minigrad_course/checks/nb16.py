"""Checkers for notebook 16: a convolutional network.

Conventions of the notebook (PyTorch's): images x of shape (N, C, H, W), a convolution's weight
of shape (C_out, C_in, kH, kW), G = dL/dY of the output's shape (N, C_out, OH, OW). The patch
matrix P has one row per output position, in the order (n, i, j), and one column per weight of
a filter, in the order (c, a, b), so that Y = P W^T + b with W = weight.reshape(C_out, -1).

    check_im2col              exercise 1: im2col(x, kh, kw, stride, padding), the patch matrix P
    check_conv2d_backward     exercise 2: conv2d_backward(x, weight, grad_out, stride, padding) -> (dx, dw, db)
    check_max_pool_backward   exercise 3: max_pool_backward(x, grad_out, k) -> dx

The reference patches come from loops written here; the reference gradients from minigrad's
autograd (F.conv2d, F.max_pool2d), never from the formulas the learner derives. Each checker
also replays the usual slips to name the one the learner made.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

import minigrad.functional as F
from minigrad.autograd import Function
from minigrad.gradcheck import GradcheckError, gradcheck
from .verdict import (Verdict, allclose, answer, arrays, autograd_gradients, compare, failed, first_slip,
                      float64_leaves, hint, hint_if_approximate, method_allowed, one_array, passed)

__all__ = ["check_im2col", "check_conv2d_backward", "check_max_pool_backward"]

# A formula agrees with autograd to rounding (about 1e-15 here); a finite difference, at best, to about 1e-10.
_ATOL, _RTOL = 1e-12, 1e-12
_FORMULAS = "for the gradients from your own formulas, which agree with autograd to the last digits"
_close = partial(allclose, atol=1e-8, rtol=1e-6)  # close enough to recognise a slip

_AUTOGRAD = ("backward", "grad", "gradcheck", "autograd_gradients", "_fold")


def _output_size(h: int, w: int, kh: int, kw: int, stride: int, padding: int) -> tuple[int, int]:
    return (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


# --- exercise 1: im2col ----------------------------------------------------------------------------

_IM2COL_CASES = [  # (N, C, H, W, kh, kw, stride, padding)
    (1, 1, 4, 4, 3, 3, 1, 0),   # one image, one channel: the notebook's first example
    (2, 2, 5, 4, 2, 3, 1, 0),   # two images and two channels: the orders of rows and columns matter
    (2, 1, 5, 5, 3, 3, 2, 1),   # stride and padding
    (1, 3, 3, 4, 2, 2, 1, 1),
]


def _im2col(x: np.ndarray, kh: int, kw: int, stride: int, padding: int, *, flip: bool = False,
            channels_last: bool = False, positions_first: bool = False) -> np.ndarray:
    """P by loops: row (n, i, j), column (c, a, b). The flags replay slips: a flipped patch, columns in
    the order (a, b, c), rows in the order (i, j, n)."""
    n, c, h, w = x.shape
    oh, ow = _output_size(h, w, kh, kw, stride, padding)
    padded = _pad(x, padding)
    rows = {}
    for m in range(n):
        for i in range(oh):
            for j in range(ow):
                patch = padded[m, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                if flip:
                    patch = patch[:, ::-1, ::-1]
                rows[(i, j, m) if positions_first else (m, i, j)] = (patch.transpose(1, 2, 0) if channels_last
                                                                     else patch).ravel()
    return np.stack([rows[key] for key in sorted(rows)])


def check_im2col(fn: Callable) -> Verdict:
    """Exercise 1: `fn(x, kh, kw, stride, padding)` for a NumPy x of shape (N, C, H, W) returns the patch
    matrix P of shape (N*OH*OW, C*kh*kw): row n*OH*OW + i*OW + j holds the patch under output position
    (i, j) of image n, flattened in the order (c, a, b), as weight.reshape(C_out, -1) is.

    Tested on four shapes, two of them with several images and channels, one with stride 2 and padding.
    """
    for case, (n, c, h, w, kh, kw, stride, padding) in enumerate(_IM2COL_CASES, start=1):
        x = np.random.default_rng(case).permutation(n * c * h * w).reshape(n, c, h, w) + 1.0  # distinct, nonzero
        where = f"test {case} (x of shape {x.shape}, kernel {kh} x {kw}, stride {stride}, padding {padding})"
        mine = answer(one_array, f"{where}: im2col", fn, x.copy(), kh, kw, stride, padding, name="im2col")
        if mine is None:
            return Verdict(False)
        ref = _im2col(x, kh, kw, stride, padding)
        if compare(f"{where}: P", mine, ref, atol=1e-12, rtol=0):
            continue
        _hint_im2col(mine, ref, x, kh, kw, stride, padding)
        return Verdict(False)
    return passed("im2col is right on 4 tests: one row per output position, one column per weight of a filter; "
                  "P @ weight.reshape(C_out, -1).T is the convolution.")


def _hint_im2col(mine: np.ndarray, ref: np.ndarray, x: np.ndarray, kh: int, kw: int, stride: int,
                 padding: int) -> None:
    n, c, h, w = x.shape
    oh, ow = _output_size(h, w, kh, kw, stride, padding)
    if mine.shape == ref.T.shape and mine.shape != ref.shape:
        hint(f"your P is transposed: it needs one ROW per output position (N*OH*OW = {n * oh * ow}) and one "
             f"column per weight of a filter (C*kh*kw = {c * kh * kw}).")
        return
    slips = [(_im2col(x, kh, kw, stride, 0), "the padding is missing: pad x with `padding` zeros on each side of "
                                             "H and W first (np.pad), then cut the patches."),
             (_im2col(x, kh, kw, 1, padding), "the stride is ignored: output position (i, j) starts at row "
                                              "i * stride and column j * stride."),
             (_im2col(x, kh, kw, stride, padding, channels_last=True),
              "the columns are in the order (a, b, c); flatten each patch as patch[c, a, b], channel first, "
              "the order of weight.reshape(C_out, -1)."),
             (_im2col(x, kh, kw, stride, padding, positions_first=True),
              "the rows are in the order (i, j, n); the images come first: all positions of image 0, then of "
              "image 1."),
             (_im2col(x, kh, kw, stride, padding, flip=True),
              "your patches are flipped. The patch of position (i, j) is x[n, :, i*s : i*s+kh, j*s : j*s+kw] "
              "as it is: deep learning's convolution does not flip.")]
    message = first_slip(mine, ((wrong, text) for wrong, text in slips if wrong.shape == mine.shape), 1e-12, 0)
    if message:
        hint(message)
    elif mine.shape != ref.shape:
        hint(f"P has one row per output position, N*OH*OW = {n}*{oh}*{ow} = {n * oh * ow}, and one column per "
             f"weight of a filter, C*kh*kw = {c}*{kh}*{kw} = {c * kh * kw}: shape {ref.shape}. "
             f"OH = (H + 2 padding - kh) // stride + 1.")


# --- exercise 2: a convolution's backward pass ---------------------------------------------------------

_CONV_CASES = [  # (N, C_in, H, W, C_out, kh, kw, stride, padding)
    (2, 1, 5, 5, 2, 3, 3, 1, 0),    # small: the notebook's sizes
    (2, 3, 6, 5, 3, 3, 3, 1, 1),    # padding, C_in = C_out (a transposed dW keeps its shape)
    (1, 2, 7, 7, 2, 3, 3, 2, 1),    # stride 2, one image
    (3, 2, 5, 6, 4, 2, 3, 1, 0),    # a kernel that is not square
]


def _conv_gradients(x: np.ndarray, weight: np.ndarray, g: np.ndarray, stride: int, padding: int) -> list:
    """[dx, dw, db] of sum(conv2d(x, weight, b) * g), by minigrad's autograd."""
    bias = np.zeros(weight.shape[0])
    return autograd_gradients(lambda x, w, b: F.conv2d(x, w, b, stride, padding), [x, weight, bias], upstream=g)[1]


def _overwritten(patch_grads: np.ndarray, shape: tuple, kh: int, kw: int, stride: int, padding: int,
                 by_offset: bool) -> np.ndarray:
    """dx when the patches' gradients are written with = instead of added with +=, looping over the kernel
    offsets (by_offset) or over the output positions: where patches overlap, the last one written wins."""
    n, c, h, w = shape
    oh, ow = _output_size(h, w, kh, kw, stride, padding)
    dpatches = patch_grads.reshape(n, oh, ow, c, kh, kw)
    out = np.zeros((n, c, h + 2 * padding, w + 2 * padding))
    if by_offset:
        for a in range(kh):
            for b in range(kw):
                out[:, :, a:a + stride * (oh - 1) + 1:stride, b:b + stride * (ow - 1) + 1:stride] = \
                    dpatches[..., a, b].transpose(0, 3, 1, 2)
    else:
        for i in range(oh):
            for j in range(ow):
                out[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] = dpatches[:, i, j]
    return out[:, :, padding:padding + h, padding:padding + w]


def check_conv2d_backward(fn: Callable) -> Verdict:
    """Exercise 2: `fn(x, weight, grad_out, stride, padding)` with NumPy arrays x (N, C_in, H, W), weight
    (C_out, C_in, kh, kw) and grad_out = dL/dY (N, C_out, OH, OW) returns (dx, dw, db), the gradients of
    L for Y = conv2d(x, weight, b, stride, padding): each of the shape of x, weight and b (C_out,).

    Written by hand (autograd is the reference, so it is turned down); tested on four convolutions (with
    padding, stride, one image, a kernel that is not square) against autograd, then with finite differences.
    """
    if not method_allowed(fn, "conv2d_backward", _AUTOGRAD,
                          "for the gradients from your own formulas (dW = G^T P, db = the sums of G, dX by adding "
                          "the rows of G W back where their patches came from): minigrad's autograd is what the "
                          "checker compares them with."):
        return Verdict(False)
    rng = np.random.default_rng(16)
    for case, (n, c, h, w, c_out, kh, kw, stride, padding) in enumerate(_CONV_CASES, start=1):
        oh, ow = _output_size(h, w, kh, kw, stride, padding)
        x, weight = rng.normal(size=(n, c, h, w)).round(2), rng.normal(size=(c_out, c, kh, kw)).round(2)
        g = rng.normal(size=(n, c_out, oh, ow)).round(2)
        where = (f"test {case} (x {x.shape}, weight {weight.shape}, stride {stride}, padding {padding}, "
                 f"grad_out {g.shape})")
        mine = answer(partial(arrays, names=("dx", "dw", "db")), where, fn, x.copy(), weight.copy(), g.copy(),
                      stride, padding, name="conv2d_backward")
        if mine is None:
            return Verdict(False)
        ref = dict(zip(("dx", "dw", "db"), _conv_gradients(x, weight, g, stride, padding)))
        mine = dict(zip(("dx", "dw", "db"), mine))
        if not _conv_case_right(where, mine, ref, x, weight, g, stride, padding):
            return Verdict(False)
    if not _finite_differences_agree(fn):
        return Verdict(False)
    return passed("conv2d_backward is right on 4 convolutions: dW = G^T P, db = G summed over the batch and every "
                  "position, dX = the rows of G W added back onto their patches (overlaps add up); autograd and "
                  "finite differences agree.")


def _conv_case_right(where: str, mine: dict, ref: dict, x: np.ndarray, weight: np.ndarray, g: np.ndarray,
                     stride: int, padding: int) -> bool:
    """Compare dw, db, dx (in the order they are derived) with autograd's; after each wrong one, its hint."""
    if all(allclose(mine[k], ref[k], _ATOL, _RTOL) for k in ref):
        return True
    if not any(mine[k].shape != ref[k].shape for k in ref):
        unordered = _unordered_g_gradients(x, weight, g, stride, padding)
        if all(_close(mine[k], unordered[k]) for k in ("dw", "db")):
            failed(f"{where}: dw and db are wrong, and G's rows are not in the order of P's")
            hint("grad_out.reshape(-1, C_out) mixes channels and positions: move the channel axis last first, "
                 "G = grad_out.transpose(0, 2, 3, 1).reshape(-1, C_out), so that row (n, i, j) of G goes with row "
                 "(n, i, j) of P.")
            return False
    hints = {"dw": _hint_dw, "db": _hint_db, "dx": _hint_dx}
    for name in ("dw", "db", "dx"):
        if compare(f"{where}: {name}", mine[name], ref[name], _ATOL, _RTOL):
            continue
        if not hint_if_approximate(mine[name], ref[name], _FORMULAS + "."):
            hints[name](mine, ref, x, weight, g, stride, padding)
    return False


def _unordered_g_gradients(x: np.ndarray, weight: np.ndarray, g: np.ndarray, stride: int, padding: int) -> dict:
    """dw and db when G is made with grad_out.reshape(-1, C_out), without moving the channel axis last."""
    c_out, _, kh, kw = weight.shape
    G = g.reshape(-1, c_out)
    return {"dw": (G.T @ _im2col(x, kh, kw, stride, padding)).reshape(weight.shape), "db": G.sum(axis=0)}


def _hint_dw(mine: dict, ref: dict, x: np.ndarray, weight: np.ndarray, g: np.ndarray, stride: int,
             padding: int) -> None:
    n = len(x)
    first_image = _conv_gradients(x[:1], weight, g[:1], stride, padding)[1]
    slips = [(ref["dw"].transpose(1, 0, 2, 3), "dW is transposed: it has the shape of the weight, (C_out, C_in, kh, "
                                               "kw), and is G^T P (one row per output channel), not P^T G."),
             (ref["dw"][..., ::-1, ::-1], "dW is flipped: each weight w[o, c, u, v] met the pixels at offset (u, v) "
                                          "of every patch, so dW = G^T P with P cut as in the forward pass, nothing "
                                          "reversed."),
             (ref["dw"] / n, "dW is the right one divided by N: the batch is summed, not averaged (the loss already "
                             "carries any 1/N inside G)."),
             (first_image, "dW holds the first image only: every image of the batch used the same weights, so their "
                           "contributions add up (G^T P sums over all N*OH*OW rows).")]
    fallback = ("dW = G^T P, with P = patches(x, kh, kw, stride, padding) and G with one row per output position, "
                "grad_out.transpose(0, 2, 3, 1).reshape(-1, C_out); then reshape it to weight.shape.")
    if mine["dw"].shape != weight.shape:
        fallback = f"dw has the shape of the weight, {weight.shape}: G^T P has shape (C_out, C_in*kh*kw); reshape it."
    _hint_slip(mine["dw"], slips, fallback)


def _hint_db(mine: dict, ref: dict, x: np.ndarray, weight: np.ndarray, g: np.ndarray, stride: int,
             padding: int) -> None:
    db, n, c_out = mine["db"], len(x), weight.shape[0]
    if db.shape == (n, c_out):
        hint("db has one row per image: the missing sum is over the batch. Every image used the same bias, so "
             "db = G.sum(axis=(0, 2, 3)).")
    elif db.shape == (c_out, g.shape[2], g.shape[3]):
        hint("db still has the positions (OH, OW): each output channel's bias was added at every position too, so "
             "sum over them as well, G.sum(axis=(0, 2, 3)).")
    else:
        slips = [(ref["db"] / n, "db is averaged over the batch; it is a sum: G.sum(axis=(0, 2, 3))."),
                 (g[0].sum(axis=(1, 2)), "db holds the first image only: the sum over the batch is missing, "
                                         "G.sum(axis=(0, 2, 3))."),
                 (g.sum(axis=(0, 2, 3)) / (g.shape[2] * g.shape[3]),
                  "db is averaged over the positions: the bias was added at every one of them, so sum.")]
        _hint_slip(db, slips, f"db has one number per output channel, shape ({c_out},): G summed over the batch and "
                              "every position, G.sum(axis=(0, 2, 3)).")


def _hint_dx(mine: dict, ref: dict, x: np.ndarray, weight: np.ndarray, g: np.ndarray, stride: int,
             padding: int) -> None:
    n, c, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    patch_grads = g.transpose(0, 2, 3, 1).reshape(-1, c_out) @ weight.reshape(c_out, -1)     # G W
    flipped = _conv_gradients(x, weight[..., ::-1, ::-1].copy(), g, stride, padding)[0]
    overlap = ("where patches overlap, only one of them reached dX: a pixel inside several patches gets the gradient "
               "of each, so add (+=), do not assign (=).")
    slips = [(flipped, "dX is the one of a flipped kernel. Adding the rows of G W back onto their patches needs no "
                       "flip; written as a convolution of G, dX = a 'full' convolution with the kernel rotated by 180 "
                       "degrees: one of the two flips is missing or extra."),
             (_overwritten(patch_grads, x.shape, kh, kw, stride, padding, by_offset=True), overlap),
             (_overwritten(patch_grads, x.shape, kh, kw, stride, padding, by_offset=False), overlap)]
    fallback = ("compute G W (one row per output position: the gradient of that position's patch), then add each row "
                "back onto the pixels its patch was cut from, and cut the padding off.")
    if mine["dx"].shape == (n, c, h + 2 * padding, w + 2 * padding) and padding:
        fallback = ("dx still has the padding: fold the patches' gradients onto the padded image, then cut `padding` "
                    f"rows and columns off each side, back to {x.shape}.")
    _hint_slip(mine["dx"], slips, fallback)


def _hint_slip(mine: np.ndarray, slips: list, fallback: str) -> None:
    """The hint of the first slip that reproduces `mine` (of the same shape), else the fallback."""
    hint(first_slip(mine, ((w, m) for w, m in slips if w.shape == mine.shape), 1e-8, 1e-6) or fallback)


class _ByHand(Function):
    """conv2d whose backward is the learner's function (for the finite-difference check)."""

    @staticmethod
    def forward(ctx, x, weight, stride, padding, fn):
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding, ctx.fn = stride, padding, fn
        return F.conv2d(x, weight, None, stride, padding)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        dx, dw, _ = ctx.fn(x.numpy(), weight.numpy(), g.numpy(), ctx.stride, ctx.padding)
        return np.asarray(dx, dtype=np.float64), np.asarray(dw, dtype=np.float64), None, None, None


def _finite_differences_agree(fn: Callable) -> bool:
    """mg.gradcheck on a convolution whose backward is fn: finite differences of the forward pass."""
    rng = np.random.default_rng(61)
    x, weight = float64_leaves([rng.normal(size=(2, 2, 5, 4)), rng.normal(size=(3, 2, 3, 2))])
    try:
        gradcheck(lambda x, w: _ByHand.apply(x, w, 2, 1, fn), [x, weight])
    except GradcheckError as error:
        failed(f"conv2d_backward matches autograd but not finite differences, with stride 2 and padding 1: {error}")
        return False
    except Exception as error:  # the learner's function, on a shape the tests above did not use
        failed(f"conv2d_backward raised {type(error).__name__}: {error} (x of shape (2, 2, 5, 4), weight (3, 2, 3, 2), "
               "stride 2, padding 1)")
        return False
    return True


# --- exercise 3: max pooling's backward pass ----------------------------------------------------------

_POOL_CASES = [(1, 1, 4, 4, 2), (2, 3, 6, 4, 2), (1, 2, 6, 6, 3)]  # (N, C, H, W, k): windows k x k, stride k


def _pool_reference(x: np.ndarray, g: np.ndarray, k: int) -> np.ndarray:
    return autograd_gradients(lambda t: F.max_pool2d(t, k), [x], upstream=g)[1][0]


def _pool_slip(x: np.ndarray, g: np.ndarray, k: int, rule: str) -> np.ndarray:
    """dx by a wrong routing rule: 'all' maxima of a window, the 'last' one, the first in 'column' order,
    the gradient to 'every' pixel, or spread evenly ('mean', average pooling's gradient)."""
    n, c, h, w = x.shape
    windows = x.reshape(n, c, h // k, k, w // k, k).transpose(0, 1, 2, 4, 3, 5)     # (n, c, oh, ow, k, k)
    up = g[..., None, None] * np.ones((k, k))
    if rule == "all":
        routed = up * (windows == windows.max(axis=(-2, -1), keepdims=True))
    elif rule == "every":
        routed = up
    elif rule == "mean":
        routed = up / (k * k)
    else:
        flat = (windows.swapaxes(-2, -1) if rule == "column" else windows).reshape(n, c, h // k, w // k, k * k)
        index = k * k - 1 - flat[..., ::-1].argmax(axis=-1) if rule == "last" else flat.argmax(axis=-1)
        chosen = (np.arange(k * k) == index[..., None]).reshape(n, c, h // k, w // k, k, k)
        routed = up * (chosen.swapaxes(-2, -1) if rule == "column" else chosen)
    return routed.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)


def check_max_pool_backward(fn: Callable) -> Verdict:
    """Exercise 3: `fn(x, grad_out, k)` for NumPy x (N, C, H, W) pooled in k x k windows side by side
    (stride k, H and W multiples of k) and grad_out (N, C, H/k, W/k) returns dx of the shape of x: each
    window's gradient goes to its maximum, the first one in row-major order when several are equal
    (as PyTorch). Tested on three inputs with ties, against minigrad's autograd.
    """
    if not method_allowed(fn, "max_pool_backward", _AUTOGRAD + ("max_pool2d",),
                          "to find each window's maximum yourself and send the gradient there: F.max_pool2d and "
                          "autograd give the checker's reference."):
        return Verdict(False)
    rng = np.random.default_rng(3)
    for case, (n, c, h, w, k) in enumerate(_POOL_CASES, start=1):
        x = rng.integers(0, 4, size=(n, c, h, w)).astype(np.float64)     # small integers: many ties
        g = rng.normal(size=(n, c, h // k, w // k)).round(2)
        where = f"test {case} (x {x.shape}, {k} x {k} windows)"
        mine = answer(one_array, f"{where}: max_pool_backward", fn, x.copy(), g.copy(), k, name="max_pool_backward")
        if mine is None:
            return Verdict(False)
        ref = _pool_reference(x, g, k)
        if compare(f"{where}: dx", mine, ref, _ATOL, _RTOL):
            continue
        slips = [(_pool_slip(x, g, k, "all"), "every maximum of a tied window got the gradient; only one element "
                                              "was the output (PyTorch's: the first in row-major order), so only "
                                              "it gets the gradient."),
                 (_pool_slip(x, g, k, "last"), "among equal maxima you chose the last; PyTorch (and argmax) take "
                                               "the first in row-major order."),
                 (_pool_slip(x, g, k, "column"), "among equal maxima you chose the first in column order: flatten "
                                                 "each k x k window row by row (a, b) before the argmax."),
                 (_pool_slip(x, g, k, "every"), "every pixel of a window got its gradient: only the maximum "
                                                "decided the output, the others get 0."),
                 (_pool_slip(x, g, k, "mean"), "this is the gradient of average pooling (g / k^2 to every "
                                               "pixel); max pooling sends g to the maximum alone.")]
        _hint_slip(mine, slips, f"dx has the shape of x, {x.shape}: zero everywhere except at the maximum of "
                                "each window, which gets that window's gradient.")
        return Verdict(False)
    return passed("max_pool_backward is right on 3 inputs with ties: each window's gradient goes to its first "
                  "maximum, every other pixel gets 0.")

