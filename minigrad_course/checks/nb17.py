"""Checkers for notebook 17: a small GPT.

Conventions of the notebook: a text is a sequence of integer ids in 0..V-1; a bigram
model predicts id t+1 from id t. One attention head takes q, k, v of shape (T, d), one
row per position; the scores are S = q k^T / sqrt(d), the causal mask sets S[i, j] to
-inf where j > i (a position never looks ahead), A = softmax of each row of S, and the
output is O = A v. G = dL/dO is the gradient arriving from above, of the shape of O.
Every reference gradient comes from minigrad's Tensor autograd, never from the formulas
the learner is asked to derive.

    check_bigram_loss              exercise 1: the validation loss of a smoothed bigram model, in nats
    check_attention_backward       exercise 2: (dq, dk, dv) of one causal attention head, by the chain rule
    check_gpt_parameter_count      exercise 3: the number of parameters of the notebook's GPT, by formula
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable

import numpy as np

import minigrad.functional as F
from minigrad.creation import ones
from minigrad.tensor import Tensor
from .verdict import (Verdict, allclose, answer, arrays, autograd_gradients, compare, failed, hint, method_allowed,
                      one_number, passed)

__all__ = ["check_bigram_loss", "check_attention_backward", "check_gpt_parameter_count"]

_ATOL, _RTOL = 1e-8, 1e-6
_close = partial(allclose, atol=_ATOL, rtol=_RTOL)  # close enough to recognise a slip


# --- exercise 1: the bigram baseline -----------------------------------------------------------------


def _bigram_probabilities(ids: np.ndarray, vocab_size: int, alpha: float, axis: int = 1,
                          smooth_total: bool = True) -> np.ndarray:
    counts = np.zeros((vocab_size, vocab_size))
    np.add.at(counts, (ids[:-1], ids[1:]), 1)
    total = (counts + alpha if smooth_total else counts).sum(axis=axis, keepdims=True)
    return (counts + alpha) / total


def _bigram_nll(probs: np.ndarray, ids: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        return float(-np.log(probs[ids[:-1], ids[1:]]).mean())


def _bigram_cases() -> list[tuple[str, np.ndarray, np.ndarray, int, float]]:
    rng = np.random.default_rng(17)
    uneven = rng.choice(5, size=300, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    return [
        ("a short text over 3 ids, alpha = 1", np.array([0, 1, 2, 0, 1, 1, 2, 0, 2, 1]),
         np.array([0, 1, 2, 2, 0, 1]), 3, 1.0),
        ("300 training ids over 5, alpha = 0.5", uneven, rng.choice(5, size=60, p=[0.2, 0.2, 0.2, 0.2, 0.2]), 5, 0.5),
        ("a validation pair never seen in training, alpha = 0.1", np.array([0, 1, 0, 1, 0, 2, 3, 0, 1]),
         np.array([1, 3, 2, 0, 1]), 4, 0.1),
    ]


def _bigram_slips(train: np.ndarray, val: np.ndarray, vocab: int, alpha: float) -> list[tuple[float, str]]:
    right = _bigram_probabilities(train, vocab, alpha)
    pairs = len(val) - 1
    return [
        (_bigram_nll(_bigram_probabilities(train, vocab, alpha, axis=0), val),
         "each ROW of the table (the current id) must sum to 1, P(next | current); you normalised the columns "
         "(sum with axis=1, keepdims=True)."),
        (_bigram_nll(_bigram_probabilities(train, vocab, alpha, smooth_total=False), val),
         "add alpha to every count before you divide by the row total: the total of a row of counts + alpha is "
         "its count total plus alpha * V, or the row no longer sums to 1."),
        (_bigram_nll(_bigram_probabilities(train, vocab, alpha).T, val),
         "the table is indexed [current, next]: count pairs (ids[t], ids[t+1]) and read probs[val[:-1], val[1:]]."),
        (_bigram_nll(_bigram_probabilities(val, vocab, alpha), val),
         "count the pairs of the TRAINING ids only; the validation ids are only scored, or the baseline has "
         "seen the answers."),
        (_bigram_nll(right, val) * pairs, "you summed; the loss is the mean over the len(val_ids) - 1 pairs."),
        (_bigram_nll(right, val) * pairs / len(val),
         "there are len(val_ids) - 1 pairs (each id but the last predicts the next one): divide by that."),
        (_bigram_nll(right, val) / math.log(2), "that is in bits (log2); the course measures losses in nats, np.log."),
        (-_bigram_nll(right, val), "the sign is flipped: the loss is MINUS the mean log-probability."),
    ]


def check_bigram_loss(fn: Callable) -> Verdict:
    """Exercise 1: `fn(train_ids, val_ids, vocab_size, alpha)` returns the mean negative log-likelihood
    (natural log) of each pair (val_ids[t], val_ids[t+1]) under a bigram model counted on train_ids with
    add-alpha smoothing: P(j | i) = (N[i, j] + alpha) / sum_j' (N[i, j'] + alpha).

    Tested on a short text, on 300 uneven ids, and with a validation pair never seen in training.
    """
    for case, (what, train, val, vocab, alpha) in enumerate(_bigram_cases(), start=1):
        where = f"test {case} ({what})"
        mine = answer(one_number, f"bigram_loss on {where}", fn, train.copy(), val.copy(), vocab, alpha,
                      name="bigram_loss")
        if mine is None:
            return Verdict(False)
        expected = _bigram_nll(_bigram_probabilities(train, vocab, alpha), val)
        if math.isclose(mine, expected, rel_tol=1e-9, abs_tol=1e-12):
            continue
        failed(f"{where}: you have {mine:.6g}, expected {expected:.6g} nats")
        slip = next((message for wrong, message in _bigram_slips(train, val, vocab, alpha)
                     if math.isfinite(wrong) and math.isclose(mine, wrong, rel_tol=1e-9, abs_tol=1e-12)), None)
        if slip is None and not math.isfinite(mine):
            slip = "a probability of 0 gives log(0) = -inf: add alpha to EVERY count, also the zeros."
        hint(slip or "count N[i, j] = how often id j follows id i in train_ids (np.add.at), add alpha, divide each "
                     "row by its sum, then average -log P over the validation pairs.")
        return Verdict(False)
    return passed("bigram_loss is right on 3 tests: counts from the training ids, add-alpha smoothing, each row "
                  "normalised, and the mean negative log-likelihood of the validation pairs in nats.")


# --- exercise 2: the backward pass of one causal attention head --------------------------------------

_HEAD_CASES = [(5, 3), (4, 4), (1, 2)]  # (T, d): different, square (transposes hide), a single position


def _head(q: Tensor, k: Tensor, v: Tensor, causal: bool = True) -> Tensor:
    """O = softmax(q k^T / sqrt(d) with the future masked) v, from minigrad ops."""
    T, d = q.shape
    scores = q @ k.T / math.sqrt(d)
    if causal:
        scores = scores.masked_fill(ones(T, T).tril() == 0, float("-inf"))
    return F.softmax(scores, dim=-1) @ v


def _weights(q: np.ndarray, k: np.ndarray, causal: bool = True) -> np.ndarray:
    scores = q @ k.T / math.sqrt(q.shape[1])
    if causal:
        scores = np.where(np.tril(np.ones_like(scores)) == 0, -np.inf, scores)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _head_slips(q, k, v, G) -> dict[str, list[tuple[np.ndarray, str]]]:
    """Known wrong answers for dq, dk and dv, each with what to do about it."""
    d = q.shape[1]
    A = _weights(q, k)
    dA = G @ v.T
    dS = A * (dA - (dA * A).sum(axis=1, keepdims=True))
    diagonal = A * (1 - A) * dA
    leaky = dA - (dA * A).sum(axis=1, keepdims=True)
    unmasked = autograd_gradients(lambda a, b, c: _head(a, b, c, causal=False), [q, k, v], upstream=G)[1]
    no_mask = "you left out the causal mask: position i may only attend to positions j <= i, so set the scores " \
              "above the diagonal to -inf before the softmax (A is then 0 there)."
    softmax_hint = "the softmax of a row mixes all its entries: dS = A * (dA - sum_j(dA * A)), row by row " \
                   "(keepdims=True), not A * (1 - A) * dA, which keeps only the diagonal of its Jacobian."
    leak_hint = "dS = A * (dA - rowsum(dA * A)): without the factor A, masked (future) positions get a gradient " \
                "and past queries would learn from future keys."
    return {
        "dv": [(unmasked[2], no_mask),
               (A @ G, "dv = A^T G: output row i used v[j] with weight A[i, j], so v[j] collects A[i, j] G[i] "
                       "over the rows i, a sum over the first index of A.")],
        "dq": [(unmasked[0], no_mask), (diagonal @ k / math.sqrt(d), softmax_hint),
               (leaky @ k / math.sqrt(d), leak_hint),
               (dS @ k, "the scores were divided by sqrt(d): that factor comes back in dq and dk."),
               (dS @ k * math.sqrt(d), "the scores were DIVIDED by sqrt(d), so dq and dk are too."),
               (dS.T @ k / math.sqrt(d), "dq = dS k / sqrt(d): row i of S is q[i] . k[j] over j, so q[i] collects "
                                         "dS[i, j] k[j] over j (no transpose of dS).")],
        "dk": [(unmasked[1], no_mask), (diagonal.T @ q / math.sqrt(d), softmax_hint),
               (leaky.T @ q / math.sqrt(d), leak_hint),
               (dS.T @ q, "the scores were divided by sqrt(d): that factor comes back in dq and dk."),
               (dS.T @ q * math.sqrt(d), "the scores were DIVIDED by sqrt(d), so dq and dk are too."),
               (dS @ q / math.sqrt(d), "dk = dS^T q / sqrt(d): column j of S is q[i] . k[j] over i, so k[j] "
                                       "collects dS[i, j] q[i] over the rows i (transpose dS).")],
    }


_BY_HAND = ("for the chain rule by hand, in NumPy: autograd (Tensor, backward) is what the checker uses as its "
            "reference, and the point is to see what it computes.")


def check_attention_backward(fn: Callable) -> Verdict:
    """Exercise 2: `fn(q, k, v, G)` (NumPy arrays, q, k, v of shape (T, d), G = dL/dO of shape (T, d)) returns
    (dq, dk, dv) for O = softmax(q k^T / sqrt(d), future masked to -inf, row by row) v.

    Tested on (T, d) = (5, 3), (4, 4) (square: a missing transpose keeps the shapes right) and (1, 2) (one
    position attends to itself alone: A = [[1]], so dq = dk = 0 and dv = G).
    """
    if not method_allowed(fn, "attention_backward", ("backward", "Tensor", "tensor", "gradcheck", "torch"), _BY_HAND):
        return Verdict(False)
    rng = np.random.default_rng(170)
    for case, (T, d) in enumerate(_HEAD_CASES, start=1):
        q, k, v, G = (rng.normal(size=(T, d)).round(3) for _ in range(4))
        where = f"test {case} (T={T} positions, d={d})"
        mine = answer(partial(arrays, names=("dq", "dk", "dv"), shape=(T, d)), where, fn, q.copy(), k.copy(),
                      v.copy(), G.copy(), name="attention_backward")
        if mine is None:
            return Verdict(False)
        ref = dict(zip(("dq", "dk", "dv"), autograd_gradients(_head, [q, k, v], upstream=G)[1]))
        slips = _head_slips(q, k, v, G)
        for name in ("dv", "dq", "dk"):
            got = dict(zip(("dq", "dk", "dv"), mine))[name]
            if compare(f"{where}: {name}", got, ref[name], _ATOL, _RTOL):
                continue
            hint(next((message for wrong, message in slips[name] if _close(got, wrong)),
                      "dv = A^T G;  dA = G v^T;  dS = A * (dA - rowsum(dA * A));  dq = dS k / sqrt(d);  "
                      "dk = dS^T q / sqrt(d)."))
            return Verdict(False)
    return passed("attention_backward is right on 3 tests: dv = A^T G, the softmax's backward row by row (zero "
                  "where the mask put A = 0, so no query learns from the future), and the 1/sqrt(d) in dq and dk.")


# --- exercise 3: where the parameters are ---------------------------------------------------------------

_COUNT_CASES = [(27, 16, 64, 2), (10, 4, 8, 1), (65, 256, 384, 6), (50, 32, 16, 3)]  # (V, T, C, layers)


def _count(V: int, T: int, C: int, L: int, *, biases: bool = True, norms: bool = True, positions: bool = True,
           mlp_width: int = 4, qkv: int = 3, head: bool = True, tokens: bool = True) -> int:
    """The parameters of the notebook's GPT, with some parts left out or changed (for the slips)."""
    b = 1 if biases else 0
    block = (qkv * C * C + b * qkv * C) + (C * C + b * C)                             # attention: q, k, v and proj
    block += (mlp_width * C * C + b * mlp_width * C) + (mlp_width * C * C + b * C)   # MLP: C -> wC -> C
    block += 4 * C if norms else 0                                                   # two LayerNorms: weight, bias
    total = (V * C if tokens else 0) + (T * C if positions else 0) + L * block
    total += 2 * C if norms else 0                                                    # the final LayerNorm
    total += (C * V + b * V) if head else 0
    return total


_COUNT_SLIPS = [
    (dict(biases=False), "the Linear layers have biases too: qkv (3C), proj (C), the MLP (4C and C) and the head (V)."),
    (dict(norms=False), "each LayerNorm has a weight and a bias of C numbers: two per block and one at the end."),
    (dict(positions=False), "the position embedding is a table of T rows of C numbers, learned like the token one."),
    (dict(tokens=False), "the token embedding is a table of V rows of C numbers."),
    (dict(head=False), "the head (the last Linear, C -> V) has C * V weights and V biases."),
    (dict(mlp_width=1), "the MLP widens to 4C and comes back: Linear(C, 4C) then Linear(4C, C)."),
    (dict(qkv=1), "the attention makes q, k AND v from x: one Linear(C, 3C), i.e. 3C * C weights and 3C biases."),
]


def check_gpt_parameter_count(fn: Callable) -> Verdict:
    """Exercise 3: `fn(vocab_size, block_size, n_embd, n_layer)` returns the number of parameters of the
    notebook's GPT: token and position embeddings, n_layer blocks (LayerNorm, Linear(C, 3C) for q, k, v,
    Linear(C, C), LayerNorm, Linear(C, 4C), Linear(4C, C)), a final LayerNorm and a Linear(C, V) head.

    Tested on the notebook's model (V=27, T=16, C=64, 2 layers), on nanoGPT's character-level Shakespeare
    size (V=65, T=256, C=384, 6 layers), and on two small ones.
    """
    for case, (V, T, C, L) in enumerate(_COUNT_CASES, start=1):
        where = f"test {case} (vocab_size={V}, block_size={T}, n_embd={C}, n_layer={L})"
        mine = answer(one_number, f"gpt_parameter_count on {where}", fn, V, T, C, L, name="gpt_parameter_count")
        if mine is None:
            return Verdict(False)
        expected = _count(V, T, C, L)
        if mine == expected:
            continue
        failed(f"{where}: you have {mine:,.0f}, expected {expected:,}")
        message = next((text for changes, text in _COUNT_SLIPS if mine == _count(V, T, C, L, **changes)), None)
        if message is None and mine == expected - 2 * C * L:
            message = "you counted one LayerNorm per block; there are two (before the attention and before the MLP)."
        hint(message or "add up, layer by layer: a Linear(n_in, n_out) has n_in * n_out weights and n_out biases; an "
                        "Embedding(n, C) has n * C; a LayerNorm(C) has 2C. The number of heads changes none of it.")
        return Verdict(False)
    return passed(f"gpt_parameter_count is right on 4 models, up to {_count(*_COUNT_CASES[2]):,} parameters at the "
                  "size of nanoGPT's character-level Shakespeare model: 12 C^2 + 13 C per block, plus the embeddings "
                  "and the head.")
