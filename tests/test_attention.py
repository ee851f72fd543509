"""Causal self-attention and a transformer block written from minigrad ops, as notebook 17 writes them.

The attention matches PyTorch's fused `scaled_dot_product_attention(..., is_causal=True)` in values and
gradients (skipped without torch); without torch, it is checked against a loop over positions, for
causality, and a whole pre-norm block is checked against finite differences (float64, small sizes).
"""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import nn

try:
    import torch
except ImportError:  # the comparisons with PyTorch skip themselves
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")


# --- the notebook's code ---------------------------------------------------------------------------


def causal_attention(q, k, v):
    """softmax(q k^T / sqrt(d) + causal mask) v for q, k, v of shape (B, H, T, d): each position attends
    to itself and the positions before it. Returns the output (B, H, T, d) and the weights (B, H, T, T)."""
    T, d = q.shape[-2], q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    future = mg.ones(T, T, device=q.device).tril() == 0
    weights = F.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
    return weights @ v, weights


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention: one Linear makes q, k, v; heads split the channels."""

    def __init__(self, n_embd, n_head):
        super().__init__()
        self.n_head = n_head
        self.qkv = nn.Linear(n_embd, 3 * n_embd)
        self.proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        B, T, C = x.shape
        H = self.n_head
        q, k, v = self.qkv(x).split(C, dim=-1)
        q, k, v = [t.reshape(B, T, H, C // H).transpose(1, 2) for t in (q, k, v)]
        out, self.weights = causal_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    """x + attention(LayerNorm(x)), then + MLP(LayerNorm(x)): the pre-norm block of GPT-2."""

    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.ReLU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


# --- helpers ---------------------------------------------------------------------------------------


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def _leaves(*arrays):
    return [mg.tensor(a, requires_grad=True) for a in arrays]


def _attention_by_loops(q, k, v):
    """The same attention one query at a time in NumPy: weights over positions 0..t only."""
    out = np.zeros_like(q)
    for index in np.ndindex(*q.shape[:-2]):
        for t in range(q.shape[-2]):
            scores = k[index][: t + 1] @ q[index][t] / math.sqrt(q.shape[-1])
            w = np.exp(scores - scores.max())
            out[index][t] = (w / w.sum()) @ v[index][: t + 1]
    return out


def _with_parameters(module):
    """fn(x, *params) that runs `module` with the given tensors in place of its parameters (for gradcheck)."""
    names = [name for name, _ in module.named_parameters()]

    def fn(x, *params):
        for name, p in zip(names, params):
            *path, attr = name.split(".")
            owner = module
            for part in path:
                owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
            setattr(owner, attr, p)
        return module(x)
    return fn


# --- the core: softmax(q k^T / sqrt(d) + mask) v -------------------------------------------------------


def test_matches_a_loop_over_positions():
    q, k, v = (_normal(2, 3, 5, 4, seed=s) for s in range(3))
    out, weights = causal_attention(*(mg.tensor(a) for a in (q, k, v)))
    np.testing.assert_allclose(out.numpy(), _attention_by_loops(q, k, v), atol=1e-12)
    w = weights.numpy()
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, atol=1e-12)
    assert np.all(np.triu(w[0, 0], k=1) == 0) and np.all(np.diagonal(w, axis1=-2, axis2=-1) > 0)


def test_the_past_never_sees_the_future_in_values_or_gradients():
    q, k, v = _leaves(*(_normal(1, 2, 6, 3, seed=s) for s in range(3)))
    out, _ = causal_attention(q, k, v)
    out[:, :, 2].sum().backward()                      # the output at position 2 ...
    for t in (q, k, v):                                # ... depends on positions 0..2 only
        assert np.all(t.grad[:, :, 3:] == 0) and np.any(t.grad[:, :, :3] != 0)
    q2 = q.detach().numpy().copy()
    q2[:, :, 4:] += 10.0                               # changing the future changes nothing before it
    k2, v2 = k.detach().numpy().copy(), v.detach().numpy().copy()
    k2[:, :, 4:] -= 3.0
    v2[:, :, 4:] *= 5.0
    again, _ = causal_attention(*(mg.tensor(a) for a in (q2, k2, v2)))
    np.testing.assert_allclose(again.numpy()[:, :, :4], out.detach().numpy()[:, :, :4], atol=1e-12)


def test_gradcheck_of_the_core():
    q, k, v = _leaves(*(_normal(1, 2, 4, 3, seed=s) for s in range(3)))
    assert mg.gradcheck(lambda q, k, v: causal_attention(q, k, v)[0], [q, k, v])


@needs_torch
def test_core_matches_torch_scaled_dot_product_attention_values_and_gradients():
    q, k, v = (_normal(2, 4, 7, 8, seed=s) for s in range(3))
    g = _normal(2, 4, 7, 8, seed=9)
    ours = _leaves(q, k, v)
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out, _ = causal_attention(*ours)
    ref = torch.nn.functional.scaled_dot_product_attention(*theirs, is_causal=True)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), atol=1e-12, rtol=1e-10)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), atol=1e-12, rtol=1e-10)


# --- the multi-head module ------------------------------------------------------------------------------


@needs_torch
def test_multi_head_module_matches_torch_with_the_same_weights():
    B, T, C, H = 3, 6, 8, 2
    mg.manual_seed(0)
    attn = CausalSelfAttention(C, H).double()
    Wqkv, bqkv, Wp, bp = (torch.tensor(p.numpy(), requires_grad=True) for p in
                          (attn.qkv.weight, attn.qkv.bias, attn.proj.weight, attn.proj.bias))
    x_np, g = _normal(B, T, C, seed=1), _normal(B, T, C, seed=2)

    x_t = torch.tensor(x_np, requires_grad=True)
    q, k, v = (x_t @ Wqkv.T + bqkv).split(C, dim=-1)
    q, k, v = (t.reshape(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
    y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    ref = y.transpose(1, 2).reshape(B, T, C) @ Wp.T + bp
    ref.backward(torch.tensor(g))

    x = mg.tensor(x_np, requires_grad=True)
    out = attn(x)
    out.backward(g)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), atol=1e-12, rtol=1e-10)
    np.testing.assert_allclose(x.grad, x_t.grad.numpy(), atol=1e-12, rtol=1e-10)
    for mine, reference in zip((attn.qkv.weight, attn.qkv.bias, attn.proj.weight, attn.proj.bias),
                               (Wqkv, bqkv, Wp, bp)):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), atol=1e-12, rtol=1e-10)


def test_heads_are_independent_attentions_on_slices_of_the_channels():
    """Two heads of 4 channels each = two separate single-head attentions on q, k, v's channels 0-3 and 4-7."""
    B, T, C, H = 2, 5, 8, 2
    mg.manual_seed(1)
    attn = CausalSelfAttention(C, H).double()
    x = mg.tensor(_normal(B, T, C, seed=3))
    qkv = (x @ attn.qkv.weight.T + attn.qkv.bias).numpy()
    q, k, v = qkv[..., :C], qkv[..., C:2 * C], qkv[..., 2 * C:]
    heads = [_attention_by_loops(q[..., h * 4:(h + 1) * 4], k[..., h * 4:(h + 1) * 4], v[..., h * 4:(h + 1) * 4])
             for h in range(H)]
    expected = np.concatenate(heads, axis=-1) @ attn.proj.weight.numpy().T + attn.proj.bias.numpy()
    np.testing.assert_allclose(attn(x).numpy(), expected, atol=1e-12)
    assert attn.weights.shape == (B, H, T, T)


# --- one transformer block against finite differences ------------------------------------------------


def test_block_gradcheck_input_and_every_parameter_float64():
    mg.manual_seed(0)
    block = Block(8, 2).double()
    params = block.parameters()
    assert len(params) == 12                            # 2 LayerNorms, qkv, proj, 2 MLP Linears: weight and bias
    x = mg.tensor(_normal(2, 4, 8, seed=4), requires_grad=True)
    assert mg.gradcheck(_with_parameters(block), [x, *params])


def test_block_gradcheck_catches_a_wrong_gradient():
    """The check has teeth: a block whose attention weights pass a wrong gradient back fails it."""

    class LeakyMask(mg.Function):
        """masked_fill's forward, but a backward that sends a gradient (0.01) into the masked (future)
        scores, where the true one is 0: past queries would then learn from future keys."""

        @staticmethod
        def forward(ctx, scores, future):
            ctx.future = future
            return scores.masked_fill(future, float("-inf"))

        @staticmethod
        def backward(ctx, g):
            return g.masked_fill(ctx.future, 0.01), None

    def leaky_attention(q, k, v):
        T, d = q.shape[-2], q.shape[-1]
        scores = q @ k.transpose(-2, -1) / math.sqrt(d)
        weights = F.softmax(LeakyMask.apply(scores, mg.ones(T, T).tril() == 0), dim=-1)
        return weights @ v

    q, k, v = _leaves(*(_normal(1, 1, 3, 2, seed=s) for s in range(3)))
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(leaky_attention, [q, k, v])
