"""The checkers of notebook 16 reject the usual wrong answers, naming the wrong gradient and the slip."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from checks_references import conv2d_backward, im2col, max_pool_backward, run
from minigrad_course.checks import check_conv2d_backward, check_im2col, check_max_pool_backward


def _rejected(check, fn, capsys, *words):
    ok, out = run(check, fn, capsys=capsys)
    assert not ok, out
    for word in words:
        assert word in out, out
    assert "Traceback" not in out
    return out


# --- exercise 1: im2col -----------------------------------------------------------------------


def test_im2col_transposed(capsys):
    _rejected(check_im2col, lambda *args: im2col(*args).T, capsys, "test 1", "your P is transposed")


def test_im2col_without_padding(capsys):
    _rejected(check_im2col, lambda x, kh, kw, s, p: im2col(x, kh, kw, s, 0), capsys, "test 3", "padding is missing")


def test_im2col_ignores_the_stride(capsys):
    _rejected(check_im2col, lambda x, kh, kw, s, p: im2col(x, kh, kw, 1, p), capsys, "test 3", "stride is ignored")


def test_im2col_channels_last(capsys):
    def channels_last(x, kh, kw, s, p):
        P = im2col(x, kh, kw, s, p)
        return P.reshape(-1, x.shape[1], kh, kw).transpose(0, 2, 3, 1).reshape(P.shape)
    _rejected(check_im2col, channels_last, capsys, "test 2", "order (a, b, c)")


def test_im2col_positions_before_images(capsys):
    def positions_first(x, kh, kw, s, p):
        n = x.shape[0]
        P = im2col(x, kh, kw, s, p)
        return P.reshape(n, -1, P.shape[1]).transpose(1, 0, 2).reshape(P.shape)
    _rejected(check_im2col, positions_first, capsys, "test 2", "order (i, j, n)")


def test_im2col_flipped_patches(capsys):
    def flipped(x, kh, kw, s, p):
        P = im2col(x, kh, kw, s, p)
        return P.reshape(-1, x.shape[1], kh, kw)[:, :, ::-1, ::-1].reshape(P.shape)
    _rejected(check_im2col, flipped, capsys, "test 1", "patches are flipped")


# --- exercise 2: conv2d_backward ---------------------------------------------------------------


def _changed(which, change):
    """The reference, with one of its three gradients changed."""
    def fn(x, weight, g, stride, padding):
        grads = dict(zip(("dx", "dw", "db"), conv2d_backward(x, weight, g, stride, padding)))
        grads[which] = change(grads[which], x, weight, g, stride, padding)
        return grads["dx"], grads["dw"], grads["db"]
    return fn


@pytest.mark.parametrize("which, change, words", [
    ("dw", lambda dw, *_: dw.transpose(1, 0, 2, 3), ["test 1 (", "): dw: shape (1, 2, 3, 3)", "dW is transposed"]),
    ("dw", lambda dw, *_: dw[..., ::-1, ::-1], ["): dw at index", "dW is flipped"]),
    ("dw", lambda dw, x, *_: dw / len(x), ["): dw at index", "divided by N"]),
    ("dw", lambda dw, x, w, g, s, p: conv2d_backward(x[:1], w, g[:1], s, p)[1], ["dW holds the first image only"]),
    ("db", lambda db, x, w, g, s, p: g.sum(axis=(2, 3)), ["): db: shape (2, 2)", "missing sum is over the batch"]),
    ("db", lambda db, x, w, g, s, p: g.sum(axis=0), ["db still has the positions"]),
    ("db", lambda db, x, *_: db / len(x), ["): db at index", "averaged over the batch"]),
    ("dx", lambda dx, x, w, g, s, p: conv2d_backward(x, w[..., ::-1, ::-1], g, s, p)[0],
     ["test 1 (", "): dx at index", "flipped kernel"]),
])
def test_conv2d_backward_names_the_wrong_gradient_and_the_slip(capsys, which, change, words):
    _rejected(check_conv2d_backward, _changed(which, change), capsys, *words)


def test_conv2d_backward_overlaps_assigned_instead_of_added(capsys):
    def assigned(x, weight, g, stride, padding):
        n, c, h, w = x.shape
        c_out, _, kh, kw = weight.shape
        _, _, oh, ow = g.shape
        _, dw, db = conv2d_backward(x, weight, g, stride, padding)
        dP = (g.transpose(0, 2, 3, 1).reshape(-1, c_out) @ weight.reshape(c_out, -1)).reshape(n, oh, ow, c, kh, kw)
        dx = np.zeros((n, c, h + 2 * padding, w + 2 * padding))
        for i in range(oh):
            for j in range(ow):
                dx[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] = dP[:, i, j]
        return dx[:, :, padding:padding + h, padding:padding + w], dw, db
    out = _rejected(check_conv2d_backward, assigned, capsys, "test 1 (", "): dx at index",
                    "add (+=), do not assign (=)")
    assert "dw" not in out and "db" not in out      # only the wrong gradient is named


def test_conv2d_backward_padding_left_on(capsys):
    def padded(x, weight, g, stride, padding):
        dx, dw, db = conv2d_backward(x, weight, g, stride, padding)
        return np.pad(dx, ((0, 0), (0, 0), (padding, padding), (padding, padding))), dw, db
    _rejected(check_conv2d_backward, padded, capsys, "test 2 (", "): dx: shape (2, 3, 8, 7)", "still has the padding")


def test_conv2d_backward_by_autograd_is_turned_down(capsys):
    def by_autograd(x, weight, g, stride, padding):
        xt, wt, bt = (mg.tensor(a, requires_grad=True) for a in (x, weight, np.zeros(len(weight))))
        F.conv2d(xt, wt, bt, stride, padding).backward(g)
        return xt.grad, wt.grad, bt.grad
    _rejected(check_conv2d_backward, by_autograd, capsys, "uses `backward` and `grad`", "your own formulas")


def test_conv2d_backward_by_finite_differences_is_close_but_not_exact(capsys):
    def numeric(x, weight, g, stride, padding):
        dx, dw, db = conv2d_backward(x, weight, g, stride, padding)
        return dx + 3e-10, dw, db                       # what a central difference gets at best
    _rejected(check_conv2d_backward, numeric, capsys, "close, but not exact", "your own formulas")


def test_conv2d_backward_checked_by_finite_differences(capsys):
    """A backward that agrees with autograd on the four tests but not elsewhere: gradcheck catches it."""
    def wrong_elsewhere(x, weight, g, stride, padding):
        dx, dw, db = conv2d_backward(x, weight, g, stride, padding)
        return (dx * 2 if x.shape == (2, 2, 5, 4) else dx), dw, db
    _rejected(check_conv2d_backward, wrong_elsewhere, capsys, "matches autograd but not finite differences")


# --- exercise 3: max_pool_backward ------------------------------------------------------------


def _windows(x, k):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // k, k, w // k, k).transpose(0, 1, 2, 4, 3, 5)


def _unwindows(windows):
    n, c, oh, ow, k, _ = windows.shape
    return windows.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh * k, ow * k)


def test_max_pool_backward_every_tied_maximum(capsys):
    def all_ties(x, g, k):
        win = _windows(x, k)
        return _unwindows((win == win.max(axis=(-2, -1), keepdims=True)) * g[..., None, None])
    _rejected(check_max_pool_backward, all_ties, capsys, "test 1 (", "): dx at index", "every maximum of a tied window")


def test_max_pool_backward_average_pooling(capsys):
    def average(x, g, k):
        return _unwindows(np.broadcast_to(g[..., None, None] / k ** 2, _windows(x, k).shape))
    _rejected(check_max_pool_backward, average, capsys, "gradient of average pooling")


def test_max_pool_backward_last_maximum(capsys):
    def last(x, g, k):
        return max_pool_backward(x[..., ::-1, ::-1], g[..., ::-1, ::-1], k)[..., ::-1, ::-1]
    _rejected(check_max_pool_backward, last, capsys, "you chose the last")


def test_max_pool_backward_by_the_library_is_turned_down(capsys):
    def by_library(x, g, k):
        t = mg.tensor(x, requires_grad=True)
        F.max_pool2d(t, k).backward(g)
        return t.grad
    _rejected(check_max_pool_backward, by_library, capsys, "uses `backward`", "find each window's maximum yourself")


def test_conv2d_backward_g_reshaped_without_moving_the_channels(capsys):
    def unordered(x, weight, g, stride, padding):
        c_out = weight.shape[0]
        mixed = g.reshape(len(x), -1, c_out).reshape(g.shape[0], g.shape[2], g.shape[3], c_out).transpose(0, 3, 1, 2)
        return conv2d_backward(x, weight, mixed, stride, padding)     # G = grad_out.reshape(-1, C_out), in effect
    _rejected(check_conv2d_backward, unordered, capsys, "G's rows are not in the order of P's",
              "grad_out.transpose(0, 2, 3, 1).reshape(-1, C_out)")
