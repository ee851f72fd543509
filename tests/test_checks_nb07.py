"""The checkers of notebook 07 reject wrong gradients saying which, where and which slip, and exercise 2
(undo a broadcast) turns down minigrad's `unbroadcast` and autograd's backward()."""
import numpy as np

import minigrad as mg
from checks_references import linear_backward_xw, run, unbroadcast_to, two_layer_backward
from minigrad_course.checks import check_linear_backward_xw, check_two_layer_backward, check_unbroadcast


def test_accepts_tensors_and_lists(capsys):
    def as_tensors(X, W, G):
        return tuple(mg.Tensor(a) for a in linear_backward_xw(X, W, G))

    def as_lists(g, shape):
        return unbroadcast_to(g, shape).tolist()
    assert check_linear_backward_xw(as_tensors)
    assert check_unbroadcast(as_lists)


# --- exercise 1: which gradient, which element, which slip -----------------------


def test_linear_names_the_wrong_element(capsys):
    def one_off(X, W, G):
        dX, dW, db = linear_backward_xw(X, W, G)
        dW = dW.copy()
        dW[2, 1] += 0.25
        return dX, dW, db
    assert not check_linear_backward_xw(one_off)
    out = capsys.readouterr().out
    assert "test 1 (N=5, in=3, out=4): dV at index (2, 1)" in out
    assert "off by 0.25" in out and "1 of 12 values differ" in out


def test_linear_other_convention_is_recognised(capsys):
    assert not check_linear_backward_xw(lambda X, W, G: (G @ W.T, G.T @ X, G.sum(axis=0)))
    out = capsys.readouterr().out
    assert "dV: shape (4, 3), expected (3, 4)" in out and "X^T G" in out


def test_linear_transpose_caught_on_square_shapes(capsys):
    def transposed_when_square(X, W, G):
        dX, dW, db = linear_backward_xw(X, W, G)
        return dX, (dW.T if dW.shape[0] == dW.shape[1] else dW), db
    assert not check_linear_backward_xw(transposed_when_square)
    out = capsys.readouterr().out
    assert "test 3 (N=3, in=3, out=3): dV at index" in out and "G^T X" in out


def test_linear_bias_not_summed(capsys):
    assert not check_linear_backward_xw(lambda X, W, G: (G @ W.T, X.T @ G, G))
    out = capsys.readouterr().out
    assert "db: shape (5, 4), expected (4,)" in out and "axis 0" in out


def test_linear_bias_averaged(capsys):
    assert not check_linear_backward_xw(lambda X, W, G: (G @ W.T, X.T @ G, G.mean(axis=0)))
    out = capsys.readouterr().out
    assert "db at index" in out and "averaged" in out


def test_linear_bias_wrong_axis_on_square(capsys):
    def wrong_axis(X, W, G):
        return G @ W.T, X.T @ G, (G.sum(axis=1) if G.shape[0] == G.shape[1] else G.sum(axis=0))
    assert not check_linear_backward_xw(wrong_axis)
    assert "over axis 0" in capsys.readouterr().out


def test_linear_dx_shape(capsys):
    assert not check_linear_backward_xw(lambda X, W, G: (G, X.T @ G, G.sum(axis=0)))
    out = capsys.readouterr().out
    assert "dX: shape (5, 4), expected (5, 3)" in out and "G @ V.T" in out


def test_linear_wrong_return_type(capsys):
    assert not check_linear_backward_xw(lambda X, W, G: X.T @ G)
    assert "expected 3 arrays (dX, dV, db), got an ndarray" in capsys.readouterr().out
    assert not check_linear_backward_xw(lambda X, W, G: (G @ W.T, None, G.sum(0)))
    assert "dV is None" in capsys.readouterr().out


# --- exercise 2: unbroadcast ------------------------------------------------------


def test_unbroadcast_unchanged_g(capsys):
    assert not check_unbroadcast(lambda g, shape: g)
    out = capsys.readouterr().out
    assert "unbroadcast_to(g of shape (4, 3), (3,)): shape (4, 3), expected (3,)" in out and "sum it down" in out


def test_unbroadcast_mean(capsys):
    def mean(g, shape):
        s = unbroadcast_to(g, shape)
        return s * (s.size / g.size)
    assert not check_unbroadcast(mean)
    out = capsys.readouterr().out
    assert "you averaged" in out and "at index (0,)" in out


def test_unbroadcast_drops_the_ones(capsys):
    assert not check_unbroadcast(lambda g, shape: np.squeeze(unbroadcast_to(g, shape)))
    out = capsys.readouterr().out
    assert "(4, 3), (4, 1)): shape (4,), expected (4, 1)" in out and "keeping its 1s" in out


def test_unbroadcast_forgets_stretched_axes(capsys):
    def leading_only(g, shape):
        extra = g.ndim - len(shape)
        return g.sum(axis=tuple(range(extra))) if extra else g
    assert not check_unbroadcast(leading_only)
    out = capsys.readouterr().out
    assert "(4, 3), (4, 1)): shape (4, 3), expected (4, 1)" in out


def test_unbroadcast_in_place(capsys):
    def in_place(g, shape):
        out = unbroadcast_to(g.copy(), shape)
        g *= 0
        return out
    assert not check_unbroadcast(in_place)
    assert "changed g in place" in capsys.readouterr().out


OWN_SUMS = "asks for your own sums"


def test_unbroadcast_turns_down_minigrads_unbroadcast(capsys):
    """As in notebook 07, which imports `unbroadcast` (xp, g, shape) from minigrad to show it."""
    namespace = {"__name__": "__main__", "np": np}
    exec("def unbroadcast(xp, g, shape):\n"
         "    extra = g.ndim - len(shape)\n"
         "    g = g.sum(axis=tuple(range(extra))) if extra else g\n"
         "    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)\n"
         "    return g.sum(axis=axes, keepdims=True) if axes else g\n"
         "def unbroadcast_to(g, shape):\n"
         "    return unbroadcast(np, g, shape)\n", namespace)
    ok, out = run(check_unbroadcast, namespace["unbroadcast_to"], capsys=capsys)
    assert not ok and out.count("\n") == 1
    assert out.startswith("❌ unbroadcast_to uses `unbroadcast`") and OWN_SUMS in out and "keepdims=True" in out


def test_unbroadcast_turns_down_autograd(capsys):
    def by_autograd(g, shape):
        t = mg.Tensor(np.zeros(shape), requires_grad=True)
        (t + mg.Tensor(np.zeros(g.shape))).backward(g)
        return t.grad
    ok, out = run(check_unbroadcast, by_autograd, capsys=capsys)
    assert not ok and "uses `backward`" in out and OWN_SUMS in out


def test_unbroadcast_returns_none(capsys):
    assert not check_unbroadcast(lambda g, shape: None)
    assert "forget `return`" in capsys.readouterr().out


# --- exercise 3: the two-layer network -------------------------------------------


def test_two_layer_missing_relu_mask(capsys):
    def no_mask(X, T, W1, b1, W2, b2):
        H = np.maximum(X @ W1.T + b1, 0.0)
        dY = 2 * (H @ W2.T + b2 - T) / T.size
        dZ1 = dY @ W2
        return dZ1.T @ X, dZ1.sum(axis=0), dY.T @ H, dY.sum(axis=0)
    assert not check_two_layer_backward(no_mask)
    out = capsys.readouterr().out
    assert "test 1 (N=6, sizes 3-5-1): dW1 at index" in out and "expected" in out
    assert "dW2" not in out.split("Hint")[0] and "ReLU's derivative is missing" in out


def test_two_layer_sum_instead_of_mean(capsys):
    def summed(X, T, *params):
        return tuple(g * T.size for g in two_layer_backward(X, T, *params))
    assert not check_two_layer_backward(summed)
    assert "6 times the right ones" in capsys.readouterr().out


def test_two_layer_mean_over_batch_only(capsys):
    def per_example(X, T, *params):
        return tuple(g * T.shape[1] for g in two_layer_backward(X, T, *params))
    assert not check_two_layer_backward(per_example)
    out = capsys.readouterr().out
    assert "test 2 (N=4, sizes 2-3-2)" in out and "2 times the right ones" in out and "N*out = 8" in out


def test_two_layer_wrong_order(capsys):
    def swapped(*args):
        dW1, db1, dW2, db2 = two_layer_backward(*args)
        return dW2, db2, dW1, db1
    assert not check_two_layer_backward(swapped)
    assert "in the order (dW1, db1, dW2, db2)" in capsys.readouterr().out


def test_two_layer_hidden_bias_wrong(capsys):
    def bad_db1(*args):
        dW1, db1, dW2, db2 = two_layer_backward(*args)
        return dW1, db1 + 0.1, dW2, db2
    assert not check_two_layer_backward(bad_db1)
    out = capsys.readouterr().out
    assert "db1 at index (0,)" in out and "off by 0.1" in out and "output layer (dW2, db2) is right" in out


def test_two_layer_output_wrong(capsys):
    def bad_dw2(*args):
        dW1, db1, dW2, db2 = two_layer_backward(*args)
        return dW1, db1, dW2 * 0 + 1.0, db2
    assert not check_two_layer_backward(bad_dw2)
    out = capsys.readouterr().out
    assert "dW2 at index (0, 0)" in out and "start at the output" in out
