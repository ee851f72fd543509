"""The ops learners carry over to torch: value and gradient against torch, float64 and float32,
on random inputs and on the inputs where each op has a convention (ties, bounds, infinities)."""
import numpy as np
import pytest

import minigrad as mg
from parity import assert_same_tensor, check

torch = pytest.importorskip("torch")

nan, inf = float("nan"), float("inf")


def normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def indices(high, *shape, seed=1):
    return np.random.default_rng(seed).integers(0, high, size=shape)


CLASS_WEIGHTS = np.array([1.0, 2.0, 0.5])
CAUSAL = np.triu(np.ones((4, 4), dtype=bool), k=1)

# name -> (fn(L, *tensors), inputs)
RANDOM_CASES = {
    "min()": (lambda L, x: x.min(), [normal(3, 4)]),
    "min(dim=1)": (lambda L, x: x.min(dim=1), [normal(3, 4)]),
    "max(dim=0, keepdim=True)": (lambda L, x: x.max(dim=0, keepdim=True), [normal(3, 4)]),
    "var()": (lambda L, x: x.var(), [normal(3, 4)]),
    "var(dim=1)": (lambda L, x: x.var(dim=1), [normal(3, 4)]),
    "var(dim=0, keepdim=True)": (lambda L, x: x.var(dim=0, keepdim=True), [normal(3, 4)]),
    "var(correction=0)": (lambda L, x: x.var(correction=0), [normal(3, 4)]),
    "var(dim=1, unbiased=False)": (lambda L, x: x.var(dim=1, unbiased=False), [normal(3, 4)]),
    "std()": (lambda L, x: x.std(), [normal(3, 4)]),
    "std(dim=1, correction=0)": (lambda L, x: x.std(dim=1, correction=0), [normal(3, 4)]),
    "std(dim=(0, 1), unbiased=False)": (lambda L, x: x.std(dim=(0, 1), unbiased=False), [normal(3, 4)]),
    "maximum": (lambda L, a, b: L.lib.maximum(a, b), [normal(3, 4), normal(4, seed=1)]),
    "minimum": (lambda L, a, b: L.lib.minimum(a, b), [normal(3, 4), normal(3, 1, seed=1)]),
    "clamp(-0.5, 0.5)": (lambda L, x: x.clamp(-0.5, 0.5), [normal(3, 4)]),
    "clamp(min=0)": (lambda L, x: x.clamp(min=0), [normal(3, 4)]),
    "clamp(max=0.3)": (lambda L, x: x.clamp(max=0.3), [normal(3, 4)]),
    "where(a > 0, a, b)": (lambda L, a, b: L.lib.where(a > 0, a, b), [normal(3, 4), normal(4, seed=1)]),
    "where(a > 0, a, 0.0)": (lambda L, a: L.lib.where(a > 0, a, 0.0), [normal(3, 4)]),
    "masked_fill(x > 0.5, 0.0)": (lambda L, x: x.masked_fill(x > 0.5, 0.0), [normal(3, 4)]),
    "softmax(masked_fill(causal, -inf))": (
        lambda L, x: L.F.softmax(x.masked_fill(L.const(CAUSAL), -inf), dim=-1), [normal(2, 4, 4)]),
    "squeeze()": (lambda L, x: x.squeeze(), [normal(3, 1, 4, 1)]),
    "squeeze(1)": (lambda L, x: x.squeeze(1), [normal(3, 1, 4, 1)]),
    "squeeze(-1)": (lambda L, x: x.squeeze(-1), [normal(3, 1, 4, 1)]),
    "squeeze(0) of a non-1 axis": (lambda L, x: x.squeeze(0), [normal(3, 1, 4, 1)]),
    "unsqueeze(0)": (lambda L, x: x.unsqueeze(0), [normal(3, 4)]),
    "unsqueeze(-1)": (lambda L, x: x.unsqueeze(-1), [normal(3, 4)]),
    "unsqueeze(1)": (lambda L, x: x.unsqueeze(1), [normal(3, 4)]),
    "flatten()": (lambda L, x: x.flatten(), [normal(2, 3, 4)]),
    "flatten(1)": (lambda L, x: x.flatten(1), [normal(2, 3, 4)]),
    "flatten(0, 1)": (lambda L, x: x.flatten(0, 1), [normal(2, 3, 4)]),
    "flatten(-2, -1)": (lambda L, x: x.flatten(-2, -1), [normal(2, 3, 4)]),
    "flatten() of 0-d": (lambda L, x: x.flatten(), [np.array(1.5)]),
    "expand(2, 3, 4)": (lambda L, x: x.expand(2, 3, 4), [normal(3, 1)]),
    "expand(3, -1)": (lambda L, x: x.expand(3, -1), [normal(1, 4)]),
    "expand((2, 4))": (lambda L, x: x.expand((2, 4)), [normal(4)]),
    "cumsum(dim=0)": (lambda L, x: x.cumsum(dim=0), [normal(3, 4)]),
    "cumsum(dim=-1)": (lambda L, x: x.cumsum(dim=-1), [normal(3, 4)]),
    "tril()": (lambda L, x: x.tril(), [normal(3, 4)]),
    "tril(diagonal=1)": (lambda L, x: x.tril(diagonal=1), [normal(3, 4)]),
    "tril(-1)": (lambda L, x: x.tril(-1), [normal(4, 3)]),
    "triu()": (lambda L, x: x.triu(), [normal(3, 4)]),
    "triu(1)": (lambda L, x: x.triu(1), [normal(3, 4)]),
    "triu(diagonal=-1) batched": (lambda L, x: x.triu(diagonal=-1), [normal(2, 3, 4)]),
    "sin": (lambda L, x: x.sin(), [normal(3, 4)]),
    "cos": (lambda L, x: x.cos(), [normal(3, 4)]),
    "logsumexp(dim=1)": (lambda L, x: x.logsumexp(dim=1), [normal(3, 4)]),
    "logsumexp(dim=0, keepdim=True)": (lambda L, x: x.logsumexp(dim=0, keepdim=True), [normal(3, 4)]),
    "logsumexp(dim=(0, 1))": (lambda L, x: x.logsumexp(dim=(0, 1)), [normal(3, 4)]),
    "gather(1, idx)": (lambda L, x: x.gather(1, L.const(indices(4, 3, 2))), [normal(3, 4)]),
    "gather(0, idx) repeated": (lambda L, x: x.gather(0, L.const(np.array([[0, 0, 2, 0]]))), [normal(3, 4)]),
    "gather(-1, idx) 3-D": (lambda L, x: x.gather(-1, L.const(indices(4, 2, 3, 1))), [normal(2, 3, 4)]),
    "softplus()": (lambda L, x: L.F.softplus(x), [normal(3, 4) * 5]),
    "softplus(beta=2, threshold=1)": (lambda L, x: L.F.softplus(x, beta=2, threshold=1), [normal(3, 4) * 3]),
    "silu": (lambda L, x: L.F.silu(x), [normal(3, 4) * 3]),
    "elu()": (lambda L, x: L.F.elu(x), [normal(3, 4) * 3]),
    "elu(alpha=0.5)": (lambda L, x: L.F.elu(x, alpha=0.5), [normal(3, 4) * 3]),
    "nll_loss": (lambda L, x, t: L.F.nll_loss(L.F.log_softmax(x, dim=1), t), [normal(5, 3), indices(3, 5)]),
    "nll_loss(reduction='sum')": (lambda L, x, t: L.F.nll_loss(x, t, reduction="sum"), [normal(5, 3), indices(3, 5)]),
    "nll_loss(reduction='none')": (lambda L, x, t: L.F.nll_loss(x, t, reduction="none"), [normal(5, 3), indices(3, 5)]),
    "nll_loss(ignore_index=1)": (lambda L, x, t: L.F.nll_loss(x, t, ignore_index=1),
                                 [normal(6, 3), np.array([0, 1, 2, 1, 0, 2])]),
    "nll_loss(weight)": (lambda L, x, t: L.F.nll_loss(x, t, weight=L.const(CLASS_WEIGHTS.astype(x_dtype(L, x)))),
                         [normal(6, 3), np.array([0, 1, 2, 1, 0, 2])]),
    "nll_loss (N, C, T)": (lambda L, x, t: L.F.nll_loss(x, t), [normal(2, 3, 4), indices(3, 2, 4)]),
    "cross_entropy(ignore_index=-100)": (lambda L, x, t: L.F.cross_entropy(x, t),
                                         [normal(5, 3), np.array([0, -100, 2, 1, -100])]),
    "cross_entropy(ignore_index=2)": (lambda L, x, t: L.F.cross_entropy(x, t, ignore_index=2),
                                      [normal(5, 3), np.array([0, 2, 2, 1, 0])]),
    "cross_entropy(label_smoothing=0.1)": (lambda L, x, t: L.F.cross_entropy(x, t, label_smoothing=0.1),
                                           [normal(5, 3), indices(3, 5)]),
    "cross_entropy(label_smoothing=0.2, reduction='sum')": (
        lambda L, x, t: L.F.cross_entropy(x, t, label_smoothing=0.2, reduction="sum"), [normal(5, 3), indices(3, 5)]),
    "cross_entropy(label_smoothing=0.1, ignore_index=0)": (
        lambda L, x, t: L.F.cross_entropy(x, t, ignore_index=0, label_smoothing=0.1),
        [normal(5, 3), np.array([0, 1, 2, 0, 1])]),
    "cross_entropy (N, C, T)": (lambda L, x, t: L.F.cross_entropy(x, t), [normal(2, 5, 7), indices(5, 2, 7)]),
    "cross_entropy (N, C, T) reduction='none'": (
        lambda L, x, t: L.F.cross_entropy(x, t, reduction="none"), [normal(2, 5, 7), indices(5, 2, 7)]),
    "cross_entropy (N, C, d1, d2) smoothing + ignore": (
        lambda L, x, t: L.F.cross_entropy(x, t, ignore_index=1, label_smoothing=0.3),
        [normal(2, 3, 2, 2), indices(3, 2, 2, 2)]),
    "cross_entropy of a language model (B, T, V) as (B, V, T)": (
        lambda L, x, t: L.F.cross_entropy(x.transpose(1, 2), t), [normal(2, 6, 5), indices(5, 2, 6)]),
    "cat(dim=0)": (lambda L, a, b: L.lib.cat([a, b], dim=0), [normal(2, 3), normal(4, 3, seed=1)]),
    "cat(dim=-1)": (lambda L, a, b: L.lib.cat([a, b], dim=-1), [normal(2, 3), normal(2, 1, seed=1)]),
    "cat((a, b)) default dim": (lambda L, a, b: L.lib.cat((a, b)), [normal(2), normal(3, seed=1)]),
    "stack(dim=0)": (lambda L, a, b: L.lib.stack([a, b], dim=0), [normal(2, 3), normal(2, 3, seed=1)]),
    "stack(dim=1)": (lambda L, a, b: L.lib.stack([a, b], dim=1), [normal(2, 3), normal(2, 3, seed=1)]),
    "stack(dim=-1)": (lambda L, a, b: L.lib.stack([a, b], dim=-1), [normal(2, 3), normal(2, 3, seed=1)]),
    "matmul (2, 1, 3, 4) @ (5, 4, 2)": (lambda L, a, b: a @ b, [normal(2, 1, 3, 4), normal(5, 4, 2, seed=1)]),
    "matmul (4,) @ (2, 4, 3)": (lambda L, a, b: a @ b, [normal(4), normal(2, 4, 3, seed=1)]),
    "matmul (2, 3, 4) @ (4,)": (lambda L, a, b: a @ b, [normal(2, 3, 4), normal(4, seed=1)]),
    "matmul (1, 3, 4) @ (2, 4, 5)": (lambda L, a, b: L.lib.matmul(a, b), [normal(1, 3, 4), normal(2, 4, 5, seed=1)]),
    "x @ x.transpose(-2, -1)": (lambda L, x: x @ x.transpose(-2, -1), [normal(2, 3, 4)]),
    "transpose(0, 2)": (lambda L, x: x.transpose(0, 2), [normal(2, 3, 4)]),
    "transpose(-1, -2)": (lambda L, x: x.transpose(-1, -2), [normal(2, 3, 4)]),
    "permute(2, 0, 1)": (lambda L, x: x.permute(2, 0, 1), [normal(2, 3, 4)]),
    "permute((1, 0, 2))": (lambda L, x: x.permute((1, 0, 2)), [normal(2, 3, 4)]),
}


def x_dtype(L, x):
    return str(x.dtype).replace("torch.", "") if L.name == "torch" else np.dtype(x.dtype).name


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", RANDOM_CASES)
def test_op_value_and_gradient_match_torch(name, dtype):
    fn, inputs = RANDOM_CASES[name]
    check(fn, *inputs, dtype=dtype)


# name -> (fn, inputs): the inputs where the op has a convention
EDGE_CASES = {
    "maximum ties give half to each": (lambda L, a, b: L.lib.maximum(a, b),
                                       [np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])]),
    "minimum ties give half to each": (lambda L, a, b: L.lib.minimum(a, b),
                                       [np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])]),
    "maximum with nan": (lambda L, a, b: L.lib.maximum(a, b), [np.array([nan, 1.0]), np.array([0.0, nan])]),
    "clamp at and beyond the bounds": (lambda L, x: x.clamp(-1.0, 1.0), [np.array([-2.0, -1.0, 0.0, 1.0, 2.0])]),
    "clamp(min=0) at 0": (lambda L, x: x.clamp(min=0.0), [np.array([-1.0, 0.0, 1.0])]),
    "clamp with nan and inf": (lambda L, x: x.clamp(-1.0, 1.0), [np.array([nan, inf, -inf])]),
    "var of one element is nan": (lambda L, x: x.var(), [np.array([3.0])]),
    "var(correction=0) of one element": (lambda L, x: x.var(correction=0), [np.array([3.0])]),
    "std of constant values": (lambda L, x: x.std(), [np.array([2.0, 2.0, 2.0])]),
    "std(dim=1) of constant rows": (lambda L, x: x.std(dim=1), [np.array([[1.0, 1.0], [1.0, 3.0]])]),
    "min with ties (no dim) shares the gradient": (lambda L, x: x.min(), [np.array([[0.0, 2.0], [0.0, 0.0]])]),
    "min(dim=1) with ties": (lambda L, x: x.min(dim=1), [np.array([[0.0, 2.0, 0.0], [5.0, 5.0, 5.0]])]),
    "where with a nan in the branch not taken": (lambda L, x: L.lib.where(x > 0, x, x.log()), [np.array([-1.0, 2.0])]),
    "where(x > 0, sqrt(x), 0) at 0 is nan, as torch": (lambda L, x: L.lib.where(x > 0, x.sqrt(), 0.0),
                                                       [np.array([0.0, 4.0])]),
    "masked_fill with -inf then logsumexp": (
        lambda L, x: x.masked_fill(x < 0, -inf).logsumexp(dim=1), [np.array([[-1.0, 2.0], [-1.0, -2.0]])]),
    "logsumexp with -inf and inf": (lambda L, x: x.logsumexp(dim=1),
                                    [np.array([[-inf, -inf], [inf, 1.0], [0.0, -inf], [nan, 1.0]])]),
    "logsumexp of large values": (lambda L, x: x.logsumexp(dim=0), [np.array([1000.0, 1000.0, -1000.0])]),
    "cumsum with inf": (lambda L, x: x.cumsum(dim=0), [np.array([1.0, inf, -inf, 2.0])]),
    "softplus past the threshold": (lambda L, x: L.F.softplus(x, beta=1, threshold=20),
                                    [np.array([19.0, 20.0, 21.0, 800.0, -800.0])]),
    "softplus at the edges": (lambda L, x: L.F.softplus(x), [np.array([0.0, inf, -inf, nan])]),
    "silu at the edges": (lambda L, x: L.F.silu(x), [np.array([0.0, inf, -inf, 800.0, -800.0])]),
    "elu at zero and far out": (lambda L, x: L.F.elu(x, alpha=2.0), [np.array([0.0, -800.0, 800.0, -inf])]),
    "gather picking one element twice": (lambda L, x: x.gather(0, L.const(np.array([1, 1, 0]))),
                                         [np.array([1.0, 2.0])]),
    "cross_entropy with every target ignored is nan": (
        lambda L, x, t: L.F.cross_entropy(x, t, ignore_index=1), [normal(3, 2), np.array([1, 1, 1])]),
    "nll_loss with every target ignored is nan": (
        lambda L, x, t: L.F.nll_loss(x, t, ignore_index=0), [normal(2, 3), np.array([0, 0])]),
    "cross_entropy with -inf logits of the wrong classes": (
        lambda L, x, t: L.F.cross_entropy(x, t), [np.array([[0.0, -inf], [-inf, 0.0]]), np.array([0, 1])]),
    "cross_entropy with label smoothing and -inf logits": (
        lambda L, x, t: L.F.cross_entropy(x, t, label_smoothing=0.1),
        [np.array([[0.0, -inf], [-inf, 0.0]]), np.array([0, 1])]),
    "tril of a 1-row matrix": (lambda L, x: x.tril(diagonal=-2), [normal(1, 3)]),
    "squeeze of a 0-d tensor": (lambda L, x: x.squeeze(), [np.array(2.0)]),
    "unsqueeze of a 0-d tensor": (lambda L, x: x.unsqueeze(0), [np.array(2.0)]),
    "expand of a 0-d tensor": (lambda L, x: x.expand(3), [np.array(2.0)]),
    "stack of 0-d tensors": (lambda L, a, b: L.lib.stack([a, b]), [np.array(1.0), np.array(2.0)]),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", EDGE_CASES)
def test_op_at_its_edges_matches_torch(name, dtype):
    fn, inputs = EDGE_CASES[name]
    check(fn, *inputs, dtype=dtype)


@pytest.mark.parametrize("num_classes", [-1, 5])
def test_one_hot_matches_torch(num_classes):
    labels = np.array([0, 2, 1, 2])
    mine = mg.functional.one_hot(mg.tensor(labels), num_classes=num_classes)
    theirs = torch.nn.functional.one_hot(torch.tensor(labels), num_classes=num_classes)
    assert_same_tensor(mine, theirs)
    assert not mine.requires_grad


def test_one_hot_of_a_2d_tensor_matches_torch():
    labels = np.array([[0, 1], [3, 2]])
    assert_same_tensor(mg.functional.one_hot(mg.tensor(labels)), torch.nn.functional.one_hot(torch.tensor(labels)))


def test_cat_is_concatenate():
    a, b = mg.tensor(normal(2, 3)), mg.tensor(normal(1, 3))
    assert_same_tensor(mg.cat([a, b]), mg.concatenate([a, b]))
    assert_same_tensor(mg.cat([a, b], dim=0), mg.concatenate([a, b], axis=0))


def test_where_with_a_python_condition_list_and_numbers():
    cond = np.array([True, False, True])
    assert_same_tensor(mg.where(mg.tensor(cond), 1.0, 0.0), torch.where(torch.tensor(cond), 1.0, 0.0))


def test_where_promotes_like_torch():
    cond = np.array([True, False])
    a32, b64 = np.ones(2, dtype=np.float32), np.zeros(2)
    assert_same_tensor(mg.where(mg.tensor(cond), mg.tensor(a32), mg.tensor(b64)),
                       torch.where(torch.tensor(cond), torch.tensor(a32), torch.tensor(b64)))
