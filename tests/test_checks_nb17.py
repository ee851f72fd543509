"""The checkers of notebook 17 reject the plausible wrong answers, each with the hint that names the slip."""
import numpy as np
import pytest

import checks_references as ref
from checks_references import run
from minigrad import nn
from minigrad_course.checks import check_attention_backward, check_bigram_loss, check_gpt_parameter_count


# --- exercise 1: the bigram baseline --------------------------------------------------------------------


def _bigram(train_ids, val_ids, vocab_size, alpha, axis=1, smooth_total=True, log=np.log, reduce=np.mean):
    counts = np.zeros((vocab_size, vocab_size))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1)
    total = (counts + alpha if smooth_total else counts).sum(axis=axis, keepdims=True)
    probs = (counts + alpha) / total
    with np.errstate(divide="ignore"):
        return float(-reduce(log(probs[val_ids[:-1], val_ids[1:]])))


@pytest.mark.parametrize("wrong, words", [
    (lambda tr, va, V, a: _bigram(tr, va, V, a, axis=0), "ROW of the table"),
    (lambda tr, va, V, a: _bigram(tr, va, V, a, smooth_total=False), "plus alpha * V"),
    (lambda tr, va, V, a: _bigram(tr, va, V, a, reduce=np.sum), "you summed"),
    (lambda tr, va, V, a: _bigram(tr, va, V, a, log=np.log2), "bits"),
    (lambda tr, va, V, a: _bigram(va, va, V, a), "TRAINING ids only"),
    (lambda tr, va, V, a: -_bigram(tr, va, V, a), "sign is flipped"),
    (lambda tr, va, V, a: _bigram(tr, va, V, a) * (len(va) - 1) / len(va), "len(val_ids) - 1 pairs"),
])
def test_bigram_slips_are_named(wrong, words, capsys):
    ok, out = run(check_bigram_loss, wrong, capsys=capsys)
    assert not ok
    assert out.startswith("❌ test 1") and "Hint:" in out and words in out, out


def test_bigram_without_smoothing_fails_on_the_unseen_pair(capsys):
    ok, out = run(check_bigram_loss, lambda tr, va, V, a: _bigram(tr, va, V, 0.0), capsys=capsys)
    assert not ok
    assert "test 1" in out and "Hint:" in out, out   # alpha = 1 already matters on test 1


def test_bigram_alpha_ignored_only_on_zero_counts_says_log_zero(capsys):
    def no_smoothing(tr, va, V, a):
        return _bigram(tr, va, V, 0.0) if a < 0.2 else ref.bigram_loss(tr, va, V, a)
    ok, out = run(check_bigram_loss, no_smoothing, capsys=capsys)
    assert not ok
    assert "test 3" in out and "log(0) = -inf" in out, out


def test_bigram_array_instead_of_number(capsys):
    def per_pair(tr, va, V, a):
        counts = np.zeros((V, V))
        np.add.at(counts, (tr[:-1], tr[1:]), 1)
        probs = (counts + a) / (counts + a).sum(axis=1, keepdims=True)
        return -np.log(probs[va[:-1], va[1:]])
    ok, out = run(check_bigram_loss, per_pair, capsys=capsys)
    assert not ok
    assert "expected one number" in out, out


# --- exercise 2: the backward pass of one causal head ------------------------------------------------------


def _head_parts(q, k, v, G, causal=True):
    T, d = q.shape
    scores = q @ k.T / np.sqrt(d)
    if causal:
        scores = np.where(np.tril(np.ones((T, T))) == 1, scores, -np.inf)
    A = np.exp(scores - scores.max(axis=1, keepdims=True))
    A = A / A.sum(axis=1, keepdims=True)
    dA = G @ v.T
    return A, dA, A * (dA - (dA * A).sum(axis=1, keepdims=True)), d


def _no_mask(q, k, v, G):
    A, dA, dS, d = _head_parts(q, k, v, G, causal=False)
    return dS @ k / np.sqrt(d), dS.T @ q / np.sqrt(d), A.T @ G


def _dv_untransposed(q, k, v, G):
    dq, dk, _ = ref.attention_backward(q, k, v, G)
    A, _, _, _ = _head_parts(q, k, v, G)
    return dq, dk, A @ G


def _diagonal_softmax(q, k, v, G):
    A, dA, _, d = _head_parts(q, k, v, G)
    dS = A * (1 - A) * dA
    return dS @ k / np.sqrt(d), dS.T @ q / np.sqrt(d), A.T @ G


def _no_factor_a(q, k, v, G):
    A, dA, _, d = _head_parts(q, k, v, G)
    dS = dA - (dA * A).sum(axis=1, keepdims=True)
    return dS @ k / np.sqrt(d), dS.T @ q / np.sqrt(d), A.T @ G


def _no_scale(q, k, v, G):
    A, _, dS, _ = _head_parts(q, k, v, G)
    return dS @ k, dS.T @ q, A.T @ G


def _dk_untransposed(q, k, v, G):
    A, _, dS, d = _head_parts(q, k, v, G)
    return dS @ k / np.sqrt(d), dS @ q / np.sqrt(d), A.T @ G


@pytest.mark.parametrize("wrong, where, words", [
    (_no_mask, "dv", "left out the causal mask"),
    (_dv_untransposed, "dv", "dv = A^T G"),
    (_diagonal_softmax, "dq", "not A * (1 - A) * dA"),
    (_no_factor_a, "dq", "future keys"),
    (_no_scale, "dq", "that factor comes back in dq and dk"),
    (_dk_untransposed, "dk", "transpose dS"),
])
def test_attention_backward_slips_are_named(wrong, where, words, capsys):
    ok, out = run(check_attention_backward, wrong, capsys=capsys)
    assert not ok
    assert out.startswith(f"❌ test 1 (T=5 positions, d=3): {where}") and words in out, out


def test_attention_backward_refuses_autograd(capsys):
    import minigrad as mg

    def by_autograd(q, k, v, G):
        leaves = [mg.Tensor(a, requires_grad=True) for a in (q, k, v)]
        T = q.shape[0]
        scores = (leaves[0] @ leaves[1].T / np.sqrt(q.shape[1])).masked_fill(mg.ones(T, T).tril() == 0, -np.inf)
        (mg.functional.softmax(scores, dim=-1) @ leaves[2]).backward(G)
        return tuple(t.grad for t in leaves)
    ok, out = run(check_attention_backward, by_autograd, capsys=capsys)
    assert not ok
    assert "uses `Tensor` and `backward`" in out and "chain rule by hand" in out, out


def test_attention_backward_wrong_shape(capsys):
    ok, out = run(check_attention_backward, lambda q, k, v, G: (q, k, G.T), capsys=capsys)
    assert not ok
    assert "dv has shape (3, 5), expected (5, 3)" in out, out


def test_attention_backward_single_position_needs_no_special_case(capsys):
    """With T = 1 the weights are [[1]]: dq = dk = 0 and dv = G; a solution that divides by T - 1 breaks there."""
    def breaks_on_one_position(q, k, v, G):
        dq, dk, dv = ref.attention_backward(q, k, v, G)
        return dq, dk * (q.shape[0] - 1) / (q.shape[0] - 1), dv
    with np.errstate(all="ignore"):
        ok, out = run(check_attention_backward, breaks_on_one_position, capsys=capsys)
    assert not ok
    assert "test 3 (T=1 positions, d=2): dk" in out, out


# --- exercise 3: the parameter count -------------------------------------------------------------------------


def _count_without(**changes):
    def count(V, T, C, L):
        b = 0 if changes.get("no_bias") else 1
        w = changes.get("mlp_width", 4)
        norms = 0 if changes.get("no_norms") else 1
        block = 3 * C * C + b * 3 * C + C * C + b * C + w * C * C + b * w * C + w * C * C + b * C + norms * 4 * C
        return V * C + (0 if changes.get("no_positions") else T * C) + L * block + norms * 2 * C + C * V + b * V
    return count


@pytest.mark.parametrize("changes, words", [
    (dict(no_bias=True), "have biases too"),
    (dict(no_norms=True), "each LayerNorm has a weight and a bias"),
    (dict(no_positions=True), "position embedding"),
    (dict(mlp_width=1), "widens to 4C"),
])
def test_parameter_count_slips_are_named(changes, words, capsys):
    ok, out = run(check_gpt_parameter_count, _count_without(**changes), capsys=capsys)
    assert not ok
    assert out.startswith("❌ test 1 (vocab_size=27, block_size=16, n_embd=64, n_layer=2): you have") and words in out


def test_parameter_count_one_layernorm_per_block(capsys):
    ok, out = run(check_gpt_parameter_count, lambda V, T, C, L: ref.gpt_parameter_count(V, T, C, L) - 2 * C * L,
                  capsys=capsys)
    assert not ok
    assert "two (before the attention and before the MLP)" in out, out


def test_parameter_count_unknown_slip_gets_the_recipe(capsys):
    ok, out = run(check_gpt_parameter_count, lambda V, T, C, L: 12 * C * C * L, capsys=capsys)
    assert not ok
    assert "layer by layer" in out and "heads changes none" in out, out


class _Block(nn.Module):
    def __init__(self, C):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.mlp = nn.Sequential(nn.Linear(C, 4 * C), nn.ReLU(), nn.Linear(4 * C, C))


class _GPT(nn.Module):
    def __init__(self, V, T, C, L):
        super().__init__()
        self.tok, self.pos = nn.Embedding(V, C), nn.Embedding(T, C)
        self.blocks = [_Block(C) for _ in range(L)]
        self.ln_f, self.head = nn.LayerNorm(C), nn.Linear(C, V)


@pytest.mark.parametrize("V, T, C, L", [(27, 16, 64, 2), (10, 4, 8, 1), (50, 32, 16, 3)])
def test_the_reference_count_is_the_models(V, T, C, L):
    """The checker's formula counts what minigrad builds for the notebook's architecture."""
    model = _GPT(V, T, C, L)
    assert sum(p.numel() for p in model.parameters()) == ref.gpt_parameter_count(V, T, C, L)
    assert ref.gpt_parameter_count(27, 16, 64, 2) == 104603          # the notebook's model, as it prints
