"""The checkers of notebooks 10 and 11 reject wrong answers saying what and where, with the usual slip named."""
import math
from functools import partial

import numpy as np
import pytest

import minigrad as mg
from checks_references import (batch_norm, batch_norm_backward, clip_by_global_norm, deep_backward, gradient_bound,
                               leaky_relu_init_std)
from minigrad import nn
from minigrad_course.checks import (check_batch_norm, check_batch_norm_backward, check_clip_by_global_norm,
                                    check_deep_backward, check_gradient_bound, check_leaky_relu_init_std, nb10, nb11)

try:
    import torch
except ImportError:  # the cross-checks with PyTorch skip themselves
    torch = None


def rejected(check, fn, capsys, *expected):
    """The checker says no, and its message contains each expected phrase."""
    ok = check(fn)
    out = capsys.readouterr().out
    assert not ok, out
    assert "❌" in out, out
    for phrase in expected:
        assert phrase in out, f"{phrase!r} not in:\n{out}"
    return out


# --- notebook 10, exercise 1: the backward pass of a deep sigmoid stack ------------------------------


def sig(z):
    return 1 / (1 + np.exp(-z))


def stack_backward(weights, X, zs, delta_out, slope=lambda z: sig(z) * (1 - sig(z)), inputs=None, transpose=False,
                   scale=1.0, bias=lambda d: d.sum(axis=0), use_W=lambda W: W):
    """The reference with one piece swapped: the slips a learner makes."""
    inputs = [X] + [sig(z) for z in zs[:-1]] if inputs is None else inputs(X, zs)
    deltas = [delta_out]
    for l in range(len(weights) - 2, -1, -1):
        deltas.insert(0, (deltas[0] @ use_W(weights[l + 1])) * slope(zs[l]))
    dW = [scale * (a.T @ d if transpose else d.T @ a) for d, a in zip(deltas, inputs)]
    return dW, [bias(d) for d in deltas]


def test_deep_backward_accepts_the_reference_and_tensors_back(capsys):
    assert check_deep_backward(deep_backward)
    assert check_deep_backward(stack_backward)
    assert check_deep_backward(lambda *a: tuple([list(x) for x in part] for part in deep_backward(*a)))
    assert "central difference" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, phrase", [
    (partial(stack_backward, slope=lambda z: np.ones_like(z)), "sigma'(Z_l) is missing"),
    (partial(stack_backward, slope=lambda z: z * (1 - z)), "written with its *output*"),
    (partial(stack_backward, slope=sig), "multiplied by sigma(Z_l) itself"),
    (partial(stack_backward, transpose=True), "transposed"),
    (partial(stack_backward, scale=None), "divided by the batch size"),
    (partial(stack_backward, inputs=lambda X, zs: [X] + list(zs[:-1])), "not the pre-activation"),
    (partial(stack_backward, inputs=lambda X, zs: [sig(X)] + [sig(z) for z in zs[:-1]]), "X itself"),
    (lambda *a: (deep_backward(*a)[0][::-1], deep_backward(*a)[1]), "reverse order"),
])
def test_deep_backward_names_the_slip(wrong, phrase, capsys):
    if isinstance(wrong, partial) and wrong.keywords.get("scale", 1.0) is None:
        wrong = lambda W, X, zs, d: stack_backward(W, X, zs, d, scale=1 / len(X))  # noqa: E731
    out = rejected(check_deep_backward, wrong, capsys, "Hint", phrase, "deep_backward on 3 layers")
    assert "dL/dW_" in out, "names the gradient that differs"


@pytest.mark.parametrize("bias, phrase", [
    (lambda d: d, "one number per unit"),
    (lambda d: d.mean(axis=0), "do not average"),
    (lambda d: d.sum(axis=1), "summed over the units"),
])
def test_deep_backward_names_the_bias_slip(bias, phrase, capsys):
    out = rejected(check_deep_backward, partial(stack_backward, bias=bias), capsys, "Hint", phrase)
    assert "dL/db_1" in out


def test_deep_backward_transposed_recursion_gets_the_shapes_explained(capsys):
    rejected(check_deep_backward, partial(stack_backward, use_W=lambda W: W.T), capsys, "raised ValueError",
             "no transpose")


def test_deep_backward_must_be_by_hand(capsys):
    def by_autograd(weights, X, zs, delta_out):
        params = [mg.Tensor(W, requires_grad=True) for W in weights]
        h = mg.Tensor(X)
        for k, W in enumerate(params):
            h = h @ W.T
            h = h.sigmoid() if k < len(params) - 1 else h
        h.backward(delta_out)
        return [p.grad for p in params], [d.sum(axis=0) for d in [delta_out] * len(weights)]
    out = rejected(check_deep_backward, by_autograd, capsys, "by hand", "`Tensor`", "`backward`")
    assert "Hint" not in out


def test_deep_backward_must_not_change_its_inputs(capsys):
    def in_place(weights, X, zs, delta_out):
        result = deep_backward(weights, X, zs, delta_out)
        delta_out *= 2
        return result
    rejected(check_deep_backward, in_place, capsys, "changed one of its inputs in place")


def test_deep_backward_wants_a_pair_of_lists(capsys):
    rejected(check_deep_backward, lambda *a: deep_backward(*a)[0], capsys, "expected 2 lists (dW, db)")
    rejected(check_deep_backward, lambda *a: (deep_backward(*a)[0][:-1], deep_backward(*a)[1]), capsys,
             "a list of 3 arrays")


def test_deep_backward_reference_is_autograd_and_agrees_with_finite_differences():
    rng = np.random.default_rng(0)
    shapes = [(4, 3), (5, 4), (2, 5)]
    weights = [rng.normal(size=s) for s in shapes]
    biases = [rng.normal(size=s[0]) for s in shapes]
    X = rng.normal(size=(6, 3))
    zs = nb10._forward(weights, biases, X)
    G = rng.normal(size=zs[-1].shape)
    dW, db = nb10._autograd_reference(weights, biases, X, G)
    for layer in range(3):
        for index in np.ndindex(*shapes[layer]):
            assert nb10._finite_difference(weights, biases, X, G, layer, index) == pytest.approx(
                dW[layer][index], rel=1e-6, abs=1e-8)
    mine_dW, mine_db = deep_backward(weights, X, zs, G)
    for a, b in zip(mine_dW + mine_db, dW + db):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_deep_backward_reference_matches_pytorch():
    rng = np.random.default_rng(1)
    shapes = [(6, 4), (3, 6)]
    weights = [rng.normal(size=s) for s in shapes]
    biases = [rng.normal(size=s[0]) for s in shapes]
    X = rng.normal(size=(5, 4))
    G = rng.normal(size=(5, 3))
    dW, db = nb10._autograd_reference(weights, biases, X, G)
    params = [torch.tensor(a, requires_grad=True) for pair in zip(weights, biases) for a in pair]
    z = torch.tensor(X) @ params[0].T + params[1]
    out = torch.sigmoid(z) @ params[2].T + params[3]
    out.backward(torch.tensor(G))
    for mine, theirs in zip([dW[0], db[0], dW[1], db[1]], params):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


# --- notebook 10, exercise 2 ---------------------------------------------------------------------


@pytest.mark.parametrize("wrong, phrase", [
    (lambda W, s: gradient_bound(W, s)[::-1], "reverse order"),
    (lambda W, s: gradient_bound(W, s)[:-1], "n numbers"),
    (lambda W, s: [float(np.prod([s * np.linalg.norm(w) for w in W][l + 1:])) for l in range(len(W))],
     "Frobenius"),
    (lambda W, s: [float(np.prod([s * np.linalg.norm(w, 2) for w in W][l:])) for l in range(len(W))],
     "above"),
    (lambda W, s: gradient_bound(W, 1.0), "max_slope is missing"),
])
def test_gradient_bound_rejects_with_a_hint(wrong, phrase, capsys):
    rejected(check_gradient_bound, wrong, capsys, "Hint", phrase, "gradient_bound(5 weights, max_slope=0.25)")


# --- notebook 11, exercise 1: the standard deviation for a leaky ReLU ---------------------------------


@pytest.mark.parametrize("wrong, phrase", [
    (lambda n, a: leaky_relu_init_std(n, a) ** 2, "that is the variance"),
    (lambda n, a: math.sqrt(2 / ((1 + a) * n)), "not a z^2"),
    (lambda n, a: math.sqrt(2 / n), "He's rule for the plain ReLU"),
    (lambda n, a: math.sqrt(1 / ((1 + a * a) * n)), "so the 2 stays"),
    (lambda n, a: math.sqrt((1 + a * a) / (2 * n)), "upside down"),
    (lambda n, a: math.sqrt(2 / (1 + a * a)) / n, "not by fan_in"),
    (lambda n, a: math.sqrt(2 / (1 + a * a)), "fan_in is missing"),
])
def test_leaky_relu_init_std_names_the_slip(wrong, phrase, capsys):
    rejected(check_leaky_relu_init_std, wrong, capsys, "Hint", phrase, "leaky_relu_init_std(100, 0.1)")


@pytest.mark.parametrize("shortcut", [
    lambda n, a: nn.init.calculate_gain("leaky_relu", a) / math.sqrt(n),
    lambda n, a: float(nn.init.kaiming_normal_(mg.zeros((2000, n)), a=a).numpy().std()),
])
def test_leaky_relu_init_std_must_be_derived(shortcut, capsys):
    rejected(check_leaky_relu_init_std, shortcut, capsys, "derive the rule")


def test_leaky_relu_init_std_reference_keeps_the_second_moment():
    """The formula the checker wants does what the exercise says: E[h^2] keeps its size through 20 layers,
    where He's rule for the plain ReLU lets it grow by (1 + a^2) per layer."""
    def second_moment_after(std, a=0.5, n=400, layers=20):
        rng = np.random.default_rng(0)
        h = rng.normal(size=(200, n))
        for _ in range(layers):
            z = h @ rng.normal(scale=std, size=(n, n)).T
            h = np.where(z > 0, z, a * z)
        return (h ** 2).mean()
    assert 0.5 < second_moment_after(leaky_relu_init_std(400, 0.5)) < 2
    assert second_moment_after(math.sqrt(2 / 400)) > 20


# --- notebook 11, exercise 2 ---------------------------------------------------------------------


@pytest.mark.parametrize("wrong, phrase", [
    (lambda z, eps=1e-5: (z - z.mean(axis=1, keepdims=True)) / np.sqrt(z.var(axis=1, keepdims=True) + eps),
     "that is LayerNorm"),
    (lambda z, eps=1e-5: (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0, ddof=1) + eps), "biased variance"),
    (lambda z, eps=1e-5: (z - z.mean(axis=0)) / (z.var(axis=0) + eps), "not by the variance"),
    (lambda z, eps=1e-5: (z - z.mean(axis=0)) / (z.std(axis=0) + eps), "under the square root"),
    (lambda z, eps=1e-5: (z - z.mean(axis=0)) / z.std(axis=0), "eps is missing"),
    (lambda z, eps=1e-5: batch_norm(z), "`eps` argument"),
])
def test_batch_norm_rejects_with_a_hint(wrong, phrase, capsys):
    rejected(check_batch_norm, wrong, capsys, "Hint", phrase, "batch_norm on test")


def test_batch_norm_must_not_modify_z(capsys):
    def in_place(z, eps=1e-5):
        z -= z.mean(axis=0)
        return z / np.sqrt(z.var(axis=0) + eps)
    rejected(check_batch_norm, in_place, capsys, "changed z in place")


# --- notebook 11, exercise 3: the backward pass of batch normalization -------------------------------


def bn_backward(g, x, gamma, eps=1e-5, ddof=0, means=lambda a: a.mean(axis=0), keep=(True, True), scale=1.0,
                use_gamma=True, use_eps=True, sign=-1.0, param_sum=lambda a: a.sum(axis=0), gamma_input=None):
    """The compact form with one piece swapped: the slips a learner makes."""
    sigma = np.sqrt(x.var(axis=0, ddof=ddof) + (eps if use_eps else 0.0))
    x_hat = (x - x.mean(axis=0)) / sigma
    inner = g - (means(g) if keep[0] else 0) + (sign * x_hat * means(g * x_hat) if keep[1] else 0)
    dx = scale * (gamma if use_gamma else 1.0) / sigma * inner
    dgamma = param_sum(g * (x_hat if gamma_input is None else gamma_input(x)))
    return dx, dgamma, param_sum(g)


def test_batch_norm_backward_accepts_the_reference(capsys):
    assert check_batch_norm_backward(batch_norm_backward)
    assert check_batch_norm_backward(bn_backward)


@pytest.mark.parametrize("wrong, phrase", [
    (partial(bn_backward, keep=(False, False)), "the terms through the mean and the variance are missing"),
    (partial(bn_backward, keep=(True, False)), "the path through the variance is missing"),
    (partial(bn_backward, keep=(False, True)), "the path through the mean is missing"),
    (lambda g, x, gamma, eps=1e-5: bn_backward(g, x, gamma, eps, scale=len(x)), "N times too large"),
    (partial(bn_backward, means=lambda a: a.sum(axis=0)), "need the factor 1/N"),
    (partial(bn_backward, means=lambda a: a.mean(axis=1, keepdims=True)), "axis 0"),
    (partial(bn_backward, ddof=1), "unbiased variance"),
    (partial(bn_backward, use_gamma=False), "gamma is missing"),
    (partial(bn_backward, use_eps=False), "eps is missing"),
    (partial(bn_backward, sign=1.0), "the sign of the variance term"),
])
def test_batch_norm_backward_names_the_dx_slip(wrong, phrase, capsys):
    rejected(check_batch_norm_backward, wrong, capsys, "Hint", phrase, ": dx at index")


@pytest.mark.parametrize("wrong, kind, phrase", [
    (partial(bn_backward, param_sum=lambda a: a.mean(axis=0)), "dgamma", "do not average"),
    (partial(bn_backward, param_sum=lambda a: a), "dgamma", "one number per feature"),
    (partial(bn_backward, gamma_input=lambda x: x), "dgamma", "not x"),
    (lambda g, x, gamma, eps=1e-5: (*batch_norm_backward(g, x, gamma, eps)[:2], g.mean(axis=0)), "dbeta",
     "do not average"),
    (lambda g, x, gamma, eps=1e-5: (*batch_norm_backward(g, x, gamma, eps)[:2], g.sum(axis=1)), "dbeta",
     "not over the features"),
])
def test_batch_norm_backward_names_the_parameter_slip(wrong, kind, phrase, capsys):
    rejected(check_batch_norm_backward, wrong, capsys, "Hint", phrase, f": {kind}")


def test_batch_norm_backward_must_be_by_hand(capsys):
    def by_autograd(g, x, gamma, eps=1e-5):
        layer = nn.BatchNorm1d(x.shape[1], eps=eps, dtype="float64")
        layer.weight.data = gamma.copy()
        xt = mg.Tensor(x, requires_grad=True)
        layer(xt).backward(g)
        return xt.grad, layer.weight.grad, layer.bias.grad
    out = rejected(check_batch_norm_backward, by_autograd, capsys, "by hand", "`BatchNorm1d`")
    assert "Hint" not in out


def test_batch_norm_backward_must_not_change_its_inputs(capsys):
    def in_place(g, x, gamma, eps=1e-5):
        result = batch_norm_backward(g, x, gamma, eps)
        x -= x.mean(axis=0)
        return result
    rejected(check_batch_norm_backward, in_place, capsys, "changed g, x or gamma in place")


def test_batch_norm_backward_wants_three_arrays(capsys):
    rejected(check_batch_norm_backward, lambda g, x, gamma, eps=1e-5: batch_norm_backward(g, x, gamma, eps)[:2],
             capsys, "expected 3 arrays (dx, dgamma, dbeta), got 2 values")


def test_batch_norm_backward_reference_is_batchnorm1d_and_finite_differences():
    """The checker's references agree with nn.BatchNorm1d's own backward and with central differences."""
    rng = np.random.default_rng(5)
    x, g, gamma = rng.normal(size=(6, 3)) * [1.0, 0.1, 5.0], rng.normal(size=(6, 3)), rng.normal(1, 0.3, size=3)
    dx, dgamma, dbeta = nb11._bn_reference(g, x, gamma, 1e-5)
    layer = nn.BatchNorm1d(3, dtype="float64")
    layer.weight.data = gamma.copy()
    xt = mg.Tensor(x.copy(), requires_grad=True)
    layer(xt).backward(g)
    np.testing.assert_allclose(dx, xt.grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dgamma, layer.weight.grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dbeta, layer.bias.grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dx, nb11._bn_numeric_dx(g, x, gamma, 1e-5), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(batch_norm_backward(g, x, gamma)[0], dx, rtol=1e-9, atol=1e-12)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_batch_norm_backward_reference_matches_pytorch():
    rng = np.random.default_rng(6)
    x, g, gamma = rng.normal(size=(7, 4)), rng.normal(size=(7, 4)), rng.normal(1, 0.3, size=4)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(gamma, requires_grad=True)
    bt = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.batch_norm(xt, None, None, wt, bt, training=True, eps=1e-5).backward(torch.tensor(g))
    for mine, theirs in zip(nb11._bn_reference(g, x, gamma, 1e-5), (xt, wt, bt)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)


# --- notebook 11, exercise 4 ---------------------------------------------------------------------


@pytest.mark.parametrize("wrong, phrase", [
    (lambda grads, m: ([g * min(1.0, m / np.linalg.norm(g)) for g in grads],
                       clip_by_global_norm(grads, m)[1]), "by its own norm"),
    (lambda grads, m: ([g * m / clip_by_global_norm(grads, m)[1] for g in grads],
                       clip_by_global_norm(grads, m)[1]), "clipping only ever shrinks"),
    (lambda grads, m: (clip_by_global_norm(grads, m)[0], min(m, clip_by_global_norm(grads, m)[1])),
     "*before* clipping"),
    (lambda grads, m: (clip_by_global_norm(grads, m)[0], clip_by_global_norm(grads, m)[1] ** 2),
     "sum of squares"),
    (lambda grads, m: (clip_by_global_norm(grads, m)[0], sum(np.linalg.norm(g) for g in grads)),
     "not the sum of the norms"),
])
def test_clip_rejects_with_a_hint(wrong, phrase, capsys):
    rejected(check_clip_by_global_norm, wrong, capsys, "Hint", phrase, "clip_by_global_norm on")


def test_clip_must_not_modify_the_gradients(capsys):
    def in_place(grads, max_norm):
        clipped, total = clip_by_global_norm(grads, max_norm)
        for g, c in zip(grads, clipped):
            g[...] = c
        return grads, total
    rejected(check_clip_by_global_norm, in_place, capsys, "changed in place")


def test_clip_wants_a_pair(capsys):
    rejected(check_clip_by_global_norm, lambda grads, m: clip_by_global_norm(grads, m)[0], capsys,
             "expected 2 values (clipped, total_norm), got 4 values")
