"""Random expression graphs, built in minigrad and in torch from one list of ops: every value and
every input gradient must agree, in float64 (tight) and float32 (looser), nan matching nan.

A graph is a few leaves (shapes with broadcasting, size-1 and 0-d axes; values with 0, ±1, tiny and
large entries, now and then a nan or an inf) and 3-8 ops drawn from OPS. Its loss is
sum_k (sink_k * w_k).sum() over the nodes nothing else uses, so every path is differentiated.
One test mixes every op; another runs each op alone in small graphs, so a failure names its op.

Tolerances are relative to the largest value of each result, widened by the gap between torch's
own float32 and float64 results (rounding noise where a result cancels or overflows).

The unit suite runs a quick, seeded campaign; a long one:

    MINIGRAD_FUZZ_GRAPHS=20000 python -m pytest tests/test_differential.py

A failure prints the smallest failing graph for each op as code (ops, shapes, values) and how to
rebuild it: `compare_graph(make_graph(seed=..., ops=...), "float64")` returns the difference, or None.
"""
from __future__ import annotations

import contextlib
import functools
import operator
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

from parity import MG, TORCH, dtype_name, to_numpy

torch = pytest.importorskip("torch")

N_GRAPHS = int(os.environ.get("MINIGRAD_FUZZ_GRAPHS", "300"))
GRAPHS_PER_OP = int(os.environ.get("MINIGRAD_FUZZ_GRAPHS_PER_OP", "6"))
TOLERANCES = {"float64": (1e-7, 1e-9), "float32": (2e-3, 2e-4)}  # rtol, atol relative to the largest |value|

nan, inf = float("nan"), float("inf")
SHAPES = [(), (1,), (3,), (4,), (2, 3), (3, 1), (1, 3), (3, 3), (2, 1, 3), (2, 3, 4), (1, 2, 3)]
RARE_SHAPES = [(0,), (2, 0)]
EDGE_VALUES = [0.0, 1.0, -1.0, 0.5, 1e-30, -1e-30, 1e4, -1e4]
COMPARISONS = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}


# --- the ops -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """apply(L, *tensors, **params) in either library; sample(rng, shape) gives params for a first
    operand of that shape (None: does not apply); partners(rng, shape, params) the shapes of the
    other operands (existing nodes may stand in for them when `reuse`)."""
    apply: Callable
    sample: Callable = lambda rng, shape: {}
    partners: Callable = lambda rng, shape, params: []
    reuse: bool = True


def pick(rng, options):
    return options[int(rng.integers(len(options)))]


def any_dim(rng, nd):
    return int(rng.integers(-nd, nd)) if nd else pick(rng, [0, -1])


def new_dim(rng, nd):
    return int(rng.integers(-nd - 1, nd + 1))


def like(array, x):
    """A constant array in the dtype of tensor x."""
    return np.asarray(array).astype(dtype_name(x))


def broadcast_partner(rng, shape, params=None):
    """A shape that broadcasts with `shape`: the same, some axes 1, a suffix, (), or one more axis."""
    choice = rng.integers(5)
    if choice == 0:
        return tuple(n if rng.random() < 0.5 else 1 for n in shape)
    if choice == 1:
        return tuple(shape[int(rng.integers(len(shape) + 1)):])
    if choice == 2:
        return (2,) + tuple(shape)
    return tuple(shape)


def into_partner(rng, shape, params=None):
    """A shape that broadcasts *into* `shape` (for in-place updates)."""
    if rng.random() < 0.5:
        return tuple(shape)
    suffix = tuple(shape[int(rng.integers(len(shape) + 1)):])
    return tuple(n if rng.random() < 0.5 else 1 for n in suffix)


def same_shape(rng, shape, params=None):
    return [tuple(shape)]


def unary(fn):
    return Op(apply=lambda L, x: fn(L, x))


def binary(fn, partner=broadcast_partner):
    return Op(apply=lambda L, a, b: fn(L, a, b), partners=lambda rng, shape, params: [partner(rng, shape)])


def scalar_op(fn, constants):
    return Op(apply=lambda L, x, c: fn(x, c), sample=lambda rng, shape: {"c": pick(rng, constants)})


def reduction_sample(keep_option=True, allow_none=True, allow_tuple=True):
    def sample(rng, shape):
        nd = len(shape)
        choice = rng.integers(3)
        if allow_none and choice == 0:
            return {"dim": None, "keepdim": False}
        if allow_tuple and choice == 1 and nd >= 2:
            dims = tuple(int(d) for d in rng.choice(nd, size=2, replace=False))
            return {"dim": dims, "keepdim": bool(rng.random() < 0.5) and keep_option}
        return {"dim": any_dim(rng, nd), "keepdim": bool(rng.random() < 0.5) and keep_option}
    return sample


def reduce_call(name, **extra):
    def apply(L, x, dim, keepdim):
        if dim is None:
            return getattr(x, name)(**extra)
        out = getattr(x, name)(dim=dim, keepdim=keepdim, **extra)
        return out.values if hasattr(out, "values") and not callable(out.values) else out
    return apply


def target_sample(rng, shape, smoothing=True):
    """Class-index targets for (C,), (N, C) or (N, C, d1, ...) inputs, some ignored."""
    if len(shape) == 0 or shape[1 if len(shape) > 1 else 0] == 0:
        return None
    classes = shape[1] if len(shape) > 1 else shape[0]
    target_shape = (shape[0],) + tuple(shape[2:]) if len(shape) > 1 else ()
    target = rng.integers(0, classes, size=target_shape)
    ignore_index = pick(rng, [-100, int(rng.integers(classes))])
    if rng.random() < 0.3 and target.size:
        target.flat[int(rng.integers(target.size))] = ignore_index
    params = {"target": target, "ignore_index": ignore_index, "reduction": pick(rng, ["mean", "sum", "none"])}
    if smoothing:
        params["label_smoothing"] = pick(rng, [0.0, 0.0, 0.1])
    return params


def reshape_sample(rng, shape):
    size = int(np.prod(shape)) if shape else 1
    options = [(-1,), (size,), (1, -1), tuple(reversed(shape)), tuple(shape) + (1,)]
    if size % 2 == 0 and size:
        options.append((2, -1))
    return {"shape": pick(rng, options)}


def expand_sample(rng, shape):
    target = [pick(rng, [2, 3]) if n == 1 and rng.random() < 0.7 else (n if rng.random() < 0.5 else -1) for n in shape]
    lead = [2] if rng.random() < 0.4 or not shape else []
    return {"shape": tuple(lead + target)}


def flatten_sample(rng, shape):
    nd = len(shape)
    if nd == 0:
        return {"start": 0, "end": -1}
    a, b = sorted(int(d) for d in rng.integers(0, nd, size=2))
    return {"start": a - nd if rng.random() < 0.3 else a, "end": b}


def index_sample(rng, shape):
    nd = len(shape)
    options = [("mask", pick(rng, [0.0, 0.5])), ("none",), ("ellipsis_step",)]
    if nd >= 1 and shape[0] > 0:
        options += [("int", int(rng.integers(-shape[0], shape[0]))), ("slice", 1, None, pick(rng, [1, 2])),
                    ("list", rng.integers(0, shape[0], size=int(rng.integers(0, 4))).tolist()),
                    ("tensor", rng.integers(0, shape[0], size=(2, 2)))]
    if nd >= 3 and shape[0] > 0 and shape[2] > 0:
        options.append(("mixed", int(rng.integers(shape[0])), rng.integers(0, shape[2], size=2).tolist()))
    return {"index": pick(rng, options)}


def apply_index(L, x, index):
    kind = index[0]
    if kind == "mask":
        return x[x > index[1]]
    if kind == "none":
        return x[None]
    if kind == "ellipsis_step":
        return x[..., ::2]
    if kind == "int":
        return x[index[1]]
    if kind == "slice":
        return x[index[1]:index[2]:index[3]]
    if kind == "list":
        return x[index[1]]
    if kind == "tensor":
        return x[L.const(index[1])]
    return x[index[1], :, index[2]]


def gather_sample(rng, shape):
    if not shape or 0 in shape:
        return None
    dim = any_dim(rng, len(shape))
    index_shape = tuple(int(rng.integers(1, n + 1)) if i != dim % len(shape) else int(rng.integers(1, 4))
                        for i, n in enumerate(shape))
    return {"dim": dim, "index": rng.integers(0, shape[dim], size=index_shape)}


def matmul_partner(rng, shape, params):
    k = shape[-1]
    m = int(rng.integers(1, 4))
    return [pick(rng, [(k,), (k, m), (2, k, m), (1, k, m)])]


def linear_sample(rng, shape):
    return {"out": int(rng.integers(1, 4)), "bias": bool(rng.random() < 0.7)} if shape else None


def linear_partners(rng, shape, params):
    return [(params["out"], shape[-1])] + ([(params["out"],)] if params["bias"] else [])


def cat_sample(rng, shape):
    return {"dim": any_dim(rng, len(shape))} if shape else None


def cat_partner(rng, shape, params):
    sizes = list(shape)
    sizes[params["dim"]] = int(rng.integers(0, 3))
    return [tuple(sizes)]


def in_place(op_name):
    def apply(L, a, b):
        out = a * 1.0
        if op_name == "+=":
            out += b
        elif op_name == "-=":
            out -= b
        elif op_name == "*=":
            out *= b
        else:
            out /= b
        return out
    return Op(apply=apply, partners=lambda rng, shape, params: [into_partner(rng, shape)])


def setitem_apply(L, x, index, value):
    out = x * 1.0
    out[index] = value
    return out


def setitem_sample(rng, shape):
    if not shape or shape[0] == 0:
        return None
    return {"index": int(rng.integers(shape[0])), "value": pick(rng, [0.0, -1.5, 2.0])}


def cast_round_trip(L, x):
    return x.double().float() if dtype_name(x) == "float32" else x.float().double()


def one_hot_apply(L, x, labels, num_classes):
    return x * L.F.one_hot(L.const(labels), num_classes=num_classes)


def one_hot_sample(rng, shape):
    if not shape or shape[-1] == 0:
        return None
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    if rng.random() < 0.5 and labels.size:
        labels.flat[0] = shape[-1] - 1
        return {"labels": labels, "num_classes": -1}
    return {"labels": labels, "num_classes": shape[-1]}


def loss_apply(name):
    def apply(L, x, target, reduction, **kwargs):
        return getattr(L.F, name)(x, L.const(target), reduction=reduction, **kwargs)
    return apply


def bce_sample(rng, shape):
    return {"target": rng.random(size=shape), "reduction": pick(rng, ["mean", "sum", "none"])}


def choose(**options):
    """A sampler that picks each parameter from its list of options."""
    return lambda rng, shape: {name: pick(rng, values) for name, values in options.items()}


def one_dim(rng, shape):
    return {"dim": any_dim(rng, len(shape))}


def one_dim_nonempty(rng, shape):
    return one_dim(rng, shape) if shape and 0 not in shape else None


def two_dims(rng, shape):
    return {"d0": any_dim(rng, len(shape)), "d1": any_dim(rng, len(shape))} if len(shape) >= 2 else None


def permutation(rng, shape):
    return {"dims": tuple(int(d) for d in rng.permutation(len(shape)))} if shape else None


def clamp_sample(rng, shape):
    return dict(zip(("low", "high"), pick(rng, [(-0.5, 0.5), (0.0, None), (None, 0.3), (-1, 1)])))


def with_correction(rng, shape):
    return {**reduction_sample()(rng, shape), "correction": pick(rng, [0, 1])}


def spread_call(name):
    def apply(L, x, dim, keepdim, correction):
        return reduce_call(name, correction=correction)(L, x, dim, keepdim)
    return apply


OPS: dict[str, Op] = {
    # elementwise
    "neg": unary(lambda L, x: -x),
    "exp": unary(lambda L, x: x.exp()),
    "log": unary(lambda L, x: x.log()),
    "sqrt": unary(lambda L, x: x.sqrt()),
    "sin": unary(lambda L, x: x.sin()),
    "cos": unary(lambda L, x: x.cos()),
    "tanh": unary(lambda L, x: x.tanh()),
    "sigmoid": unary(lambda L, x: x.sigmoid()),
    "relu": unary(lambda L, x: x.relu()),
    "abs": unary(lambda L, x: x.abs()),
    "gelu": Op(apply=lambda L, x, approximate: L.F.gelu(x, approximate=approximate),
               sample=choose(approximate=["none", "tanh"])),
    "silu": unary(lambda L, x: L.F.silu(x)),
    "leaky_relu": Op(apply=lambda L, x, slope: L.F.leaky_relu(x, slope), sample=choose(slope=[0.01, 0.2])),
    "elu": Op(apply=lambda L, x, alpha: L.F.elu(x, alpha=alpha), sample=choose(alpha=[1.0, 0.5])),
    "softplus": Op(apply=lambda L, x, beta, threshold: L.F.softplus(x, beta=beta, threshold=threshold),
                   sample=choose(beta=[1, 2.0], threshold=[20, 1.0])),
    "pow_number": scalar_op(lambda x, c: x ** c, [0, 1, 2, 3, -1, -2, 0.5, -0.5, 2.5]),
    "number_pow": scalar_op(lambda x, c: c ** x, [2.0, 0.5, 0.0, 3]),
    "add_number": scalar_op(lambda x, c: x + c, [0.5, 2, -1.5, 1e-3]),
    "number_sub": scalar_op(lambda x, c: c - x, [0.5, 2, -1.5]),
    "mul_number": scalar_op(lambda x, c: x * c, [0.5, 2, -1.5, 0.0, 3]),
    "div_number": scalar_op(lambda x, c: x / c, [0.5, 2, -1.5, 0.0, 1e-3]),
    "number_div": scalar_op(lambda x, c: c / x, [1.0, 2, -1.5]),
    "clamp": Op(apply=lambda L, x, low, high: x.clamp(min=low, max=high),
                sample=clamp_sample),
    "masked_fill": Op(apply=lambda L, x, threshold, value: x.masked_fill(x > threshold, value),
                      sample=choose(threshold=[0.0, 0.5], value=[0.0, -inf, 1.0])),
    "mul_mask": Op(apply=lambda L, x, threshold: x * (x > threshold), sample=choose(threshold=[0.0, -0.5])),
    "where_number": Op(apply=lambda L, x, threshold, c: L.lib.where(x > threshold, x, c),
                       sample=choose(threshold=[0.0, 1.0], c=[0.0, -1.0])),
    "cast_round_trip": unary(cast_round_trip),
    "to_cpu": unary(lambda L, x: x.to("cpu")),
    "detach_mul": unary(lambda L, x: x.detach() * x),
    "mul_one_hot": Op(apply=one_hot_apply, sample=one_hot_sample),
    # binary, broadcasting
    "add": binary(lambda L, a, b: a + b),
    "sub": binary(lambda L, a, b: a - b),
    "mul": binary(lambda L, a, b: a * b),
    "div": binary(lambda L, a, b: a / b),
    "pow": binary(lambda L, a, b: a ** b),
    "remainder": binary(lambda L, a, b: a % b),
    "maximum": binary(lambda L, a, b: L.lib.maximum(a, b)),
    "minimum": binary(lambda L, a, b: L.lib.minimum(a, b)),
    "where": Op(apply=lambda L, a, b, cmp: L.lib.where(COMPARISONS[cmp](a, b), a, b),
                sample=choose(cmp=list(COMPARISONS)),
                partners=lambda rng, shape, params: [broadcast_partner(rng, shape)]),
    "matmul": Op(apply=lambda L, a, b: a @ b, sample=lambda rng, shape: {} if shape else None, partners=matmul_partner),
    "linear": Op(apply=lambda L, x, w, b=None, out=None, bias=None: L.F.linear(x, w, b),
                 sample=linear_sample, partners=linear_partners, reuse=False),
    "iadd_non_leaf": in_place("+="),
    "isub_non_leaf": in_place("-="),
    "imul_non_leaf": in_place("*="),
    "idiv_non_leaf": in_place("/="),
    "setitem_non_leaf": Op(apply=setitem_apply, sample=setitem_sample),
    # reductions
    "sum": Op(apply=reduce_call("sum"), sample=reduction_sample()),
    "mean": Op(apply=reduce_call("mean"), sample=reduction_sample()),
    "max": Op(apply=reduce_call("max"), sample=reduction_sample(allow_tuple=False)),
    "min": Op(apply=reduce_call("min"), sample=reduction_sample(allow_tuple=False)),
    "var": Op(apply=spread_call("var"), sample=with_correction),
    "std": Op(apply=spread_call("std"), sample=with_correction),
    "logsumexp": Op(apply=reduce_call("logsumexp"), sample=reduction_sample(allow_none=False)),
    "cumsum": Op(apply=lambda L, x, dim: x.cumsum(dim=dim), sample=one_dim),
    "softmax": Op(apply=lambda L, x, dim: L.F.softmax(x, dim=dim), sample=one_dim),
    "log_softmax": Op(apply=lambda L, x, dim: L.F.log_softmax(x, dim=dim), sample=one_dim),
    "gather_argmax": Op(apply=lambda L, x, dim: x.gather(dim, x.argmax(dim=dim, keepdim=True)),
                        sample=one_dim_nonempty),
    # shapes and indexing
    "reshape": Op(apply=lambda L, x, shape: x.reshape(shape), sample=reshape_sample),
    "transpose": Op(apply=lambda L, x, d0, d1: x.transpose(d0, d1),
                    sample=two_dims),
    "T": Op(apply=lambda L, x: x.T, sample=lambda rng, shape: {} if len(shape) == 2 else None),
    "permute": Op(apply=lambda L, x, dims: x.permute(*dims),
                  sample=permutation),
    "squeeze": Op(apply=lambda L, x, dim: x.squeeze() if dim is None else x.squeeze(dim),
                  sample=lambda rng, shape: {"dim": pick(rng, [None, any_dim(rng, len(shape))])}),
    "unsqueeze": Op(apply=lambda L, x, dim: x.unsqueeze(dim),
                    sample=lambda rng, shape: {"dim": new_dim(rng, len(shape))}),
    "flatten": Op(apply=lambda L, x, start, end: x.flatten(start, end), sample=flatten_sample),
    "expand": Op(apply=lambda L, x, shape: x.expand(*shape), sample=expand_sample),
    "tril": Op(apply=lambda L, x, diagonal: x.tril(diagonal=diagonal),
               sample=lambda rng, shape: {"diagonal": pick(rng, [-1, 0, 1])} if len(shape) >= 2 else None),
    "triu": Op(apply=lambda L, x, diagonal: x.triu(diagonal),
               sample=lambda rng, shape: {"diagonal": pick(rng, [-1, 0, 1])} if len(shape) >= 2 else None),
    "index": Op(apply=apply_index, sample=index_sample),
    "gather": Op(apply=lambda L, x, dim, index: x.gather(dim, L.const(index)), sample=gather_sample),
    "cat": Op(apply=lambda L, a, b, dim: L.lib.cat([a, b], dim=dim), sample=cat_sample, partners=cat_partner),
    "stack": Op(apply=lambda L, a, b, dim: L.lib.stack([a, b], dim=dim),
                sample=lambda rng, shape: {"dim": new_dim(rng, len(shape))}, partners=same_shape),
    # losses
    "mse_loss": Op(apply=lambda L, a, b, reduction: L.F.mse_loss(a, b, reduction=reduction),
                   sample=lambda rng, shape: {"reduction": pick(rng, ["mean", "sum", "none"])}, partners=same_shape,
                   reuse=False),  # minigrad refuses a target of another shape; torch only warns
    "cross_entropy": Op(apply=loss_apply("cross_entropy"), sample=target_sample),
    "nll_loss": Op(apply=loss_apply("nll_loss"), sample=lambda rng, shape: target_sample(rng, shape, smoothing=False)),
    "bce_of_sigmoid": Op(apply=lambda L, x, target, reduction: L.F.binary_cross_entropy(
        x.sigmoid(), L.const(like(target, x)), reduction=reduction), sample=bce_sample),
    "bce_with_logits": Op(apply=lambda L, x, target, reduction: L.F.binary_cross_entropy_with_logits(
        x, L.const(like(target, x)), reduction=reduction), sample=bce_sample),
}


# --- graphs -------------------------------------------------------------------------------------------


@dataclass
class Node:
    op: str
    args: tuple = ()
    params: dict = field(default_factory=dict)


@dataclass(eq=False)
class Graph:
    seed: int
    ops: tuple | None
    nodes: list = field(default_factory=list)
    shapes: list = field(default_factory=list)  # of every node's result, as torch computes it

    @property
    def has_nonfinite_input(self) -> bool:
        return any(n.op == "leaf" and not np.all(np.isfinite(n.params["value"])) for n in self.nodes)

    def sinks(self) -> list:
        used = {i for n in self.nodes for i in n.args}
        return [i for i, n in enumerate(self.nodes) if i not in used and n.op != "leaf"]

    def __str__(self) -> str:
        lines = [f"make_graph(seed={self.seed}, ops={self.ops!r}):"]
        for i, n in enumerate(self.nodes):
            if n.op == "leaf":
                value = n.params["value"]
                lines.append(f"  x{i} = leaf(np.array({value.tolist()!r}))  # shape {value.shape}")
            else:
                args = ", ".join(f"{'x' if self.nodes[a].op == 'leaf' else 'n'}{a}" for a in n.args)
                params = ", ".join(f"{k}={_show(v)}" for k, v in n.params.items())
                lines.append(f"  n{i} = {n.op}({args}{', ' if params else ''}{params})")
        return "\n".join(lines)


def _show(v: Any) -> str:
    return f"np.array({v.tolist()!r})" if isinstance(v, np.ndarray) else repr(v)


def draw_values(rng, shape, nonfinite: bool) -> np.ndarray:
    values = rng.normal(size=shape) * pick(rng, [1.0, 3.0])
    edges = rng.random(size=shape) < 0.15
    values = np.where(edges, np.array(EDGE_VALUES)[rng.integers(len(EDGE_VALUES), size=shape)], values)
    values = np.asarray(values, dtype=np.float64)
    if nonfinite and values.size:
        values.flat[int(rng.integers(values.size))] = pick(rng, [nan, inf, -inf])
    return values


def draw_shape(rng):
    return pick(rng, RARE_SHAPES) if rng.random() < 0.03 else pick(rng, SHAPES)


@contextlib.contextmanager
def quiet():
    """Silence NumPy's and torch's warnings about nan, inf and degrees of freedom inside a graph."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


@functools.lru_cache(maxsize=4096)
def make_graph(seed: int, ops: tuple | None = None, n_ops: int | None = None) -> Graph:
    """A random graph, the same for the same arguments: leaves, then ops valid in torch."""
    rng = np.random.default_rng(seed)
    names = list(ops or OPS)
    graph = Graph(seed=seed, ops=ops)
    nonfinite = rng.random() < 0.08
    values = []  # torch values of the nodes so far, for shapes and validity

    def add_leaf(shape):
        value = draw_values(rng, shape, nonfinite and rng.random() < 0.5)
        graph.nodes.append(Node("leaf", (), {"value": value}))
        values.append(torch.tensor(value))
        return len(graph.nodes) - 1

    for _ in range(int(rng.integers(1, 3))):
        add_leaf(draw_shape(rng))
    target = n_ops or int(rng.integers(3, 9))
    made = attempts = 0
    with quiet():
        while made < target and attempts < 60 * target:
            attempts += 1
            if attempts % 12 == 0:
                add_leaf(draw_shape(rng))
            name = pick(rng, names)
            op = OPS[name]
            first = len(values) - 1 if rng.random() < 0.75 else int(rng.integers(len(values)))
            shape = tuple(values[first].shape)
            params = op.sample(rng, shape)
            if params is None:
                continue
            partner_shapes = op.partners(rng, shape, params)
            operands, new = [first], []
            for s in partner_shapes:
                if op.reuse and rng.random() < 0.3:
                    operands.append(int(rng.integers(len(values))))
                else:
                    new.append(draw_values(rng, s, nonfinite and rng.random() < 0.3))
                    operands.append(-len(new))  # placeholder: the k-th new leaf
            inputs = [values[i] if i >= 0 else torch.tensor(new[-i - 1]).requires_grad_() for i in operands]
            try:
                out = op.apply(TORCH, *inputs, **params)
            except Exception:
                continue
            if not isinstance(out, torch.Tensor) or not out.dtype.is_floating_point:
                continue
            base = len(graph.nodes)
            for k, value in enumerate(new):
                graph.nodes.append(Node("leaf", (), {"value": value}))
                values.append(torch.tensor(value))
            args = tuple(i if i >= 0 else base + (-i - 1) for i in operands)
            graph.nodes.append(Node(name, args, params))
            values.append(out.detach())
            made += 1
    graph.shapes = [tuple(v.shape) for v in values]
    return graph


def evaluate(graph: Graph, L, dtype: str) -> list:
    """Every node's tensor in library L; leaves in `dtype`, requiring grad."""
    out = []
    for node in graph.nodes:
        if node.op == "leaf":
            out.append(L.leaf(node.params["value"].astype(dtype)))
        else:
            out.append(OPS[node.op].apply(L, *(out[i] for i in node.args), **node.params))
    return out


def loss_of(graph: Graph, L, values: list, weights: list):
    loss = None
    for i, w in zip(graph.sinks(), weights):
        term = (values[i] * L.const(w.astype(dtype_name(values[i])))).sum()
        loss = term if loss is None else loss + term
    return loss


def sink_weights(graph: Graph) -> list:
    """The loss weights w_k, one array per sink, the same in both libraries and precisions."""
    rng = np.random.default_rng(graph.seed + 1)
    return [rng.normal(size=graph.shapes[i]) for i in graph.sinks()]


def torch_run(graph: Graph, dtype: str):
    """torch's node values and leaf gradients (NumPy) for the graph in `dtype`, or None if torch refuses."""
    try:
        values = evaluate(graph, TORCH, dtype)
        if graph.sinks():
            loss_of(graph, TORCH, values, sink_weights(graph)).backward()
    except Exception:
        return None
    grads = [to_numpy(v.grad) if v.grad is not None else np.zeros(tuple(v.shape), dtype=dtype)
             for v, n in zip(values, graph.nodes) if n.op == "leaf"]
    return values, grads


OTHER = {"float64": "float32", "float32": "float64"}
# How much of the float32-vs-float64 gap of torch's own results may show up as noise in `dtype`:
# for float32 the gap is that noise; for float64 it is scaled by eps(float64) / eps(float32) (2e-9), x4.
NOISE_FACTOR = {"float32": 4.0, "float64": 1e-8}


def differs(mine, theirs, dtype: str, other=None) -> str | None:
    """Why two results differ (dtype, shape, values with nan = nan), or None.

    `other` is torch's result in the other precision: where torch's float32 and float64 results
    disagree (cancellation, overflow), the comparison allows for that much rounding noise.
    """
    if dtype_name(mine) != dtype_name(theirs):
        return f"dtype {dtype_name(mine)}, torch gives {dtype_name(theirs)}"
    a, b = to_numpy(mine).astype(np.float64), to_numpy(theirs).astype(np.float64)
    if a.shape != b.shape:
        return f"shape {a.shape}, torch gives {b.shape}"
    rtol, atol = TOLERANCES[dtype]
    finite = np.isfinite(b)
    scale = max(1.0, float(np.abs(b[finite]).max())) if finite.any() else 1.0
    tol = atol * scale + rtol * np.abs(b)
    c = None if other is None else to_numpy(other).astype(np.float64)
    if c is not None and c.shape == b.shape:
        both = finite & np.isfinite(c)
        gap = np.where(both, np.abs(b - c), 0.0)
        unknown = finite & ~np.isfinite(c)  # overflow in one precision only: its rounding noise is unknown
        tol = tol + NOISE_FACTOR[dtype] * gap + np.where(unknown, np.inf, 0.0)
    with np.errstate(invalid="ignore"):
        same = (a == b) | (np.isnan(a) & np.isnan(b)) | (np.isfinite(a) & finite & (np.abs(a - b) <= tol))
    if dtype == "float32" and c is not None and c.shape == a.shape:
        # where torch's float32 result is nan or inf and its float64 result is not the same,
        # float32 ran out of range: no float32 result is the reference there
        same |= ~finite & ~((np.isnan(b) & np.isnan(c)) | (b == c))
    if same.all():
        return None
    where = np.argwhere(~same)[:3].tolist()
    return f"values differ at {where}: minigrad {a[~same][:3].tolist()}, torch {b[~same][:3].tolist()}"


def compare_graph(graph: Graph, dtype: str) -> str | None:
    """Run the graph in both libraries; the first difference, as a sentence, or None."""
    with quiet():
        reference = torch_run(graph, dtype)
        if reference is None:
            return None  # torch refuses it in this dtype: nothing to compare
        other = torch_run(graph, OTHER[dtype])
        mine, problem = minigrad_forward(graph, dtype, reference[0], other[0] if other else None)
        return problem or minigrad_gradients(graph, dtype, mine, reference[1], other[1] if other else None)


def minigrad_forward(graph: Graph, dtype: str, theirs: list, others: list | None):
    """minigrad's node values, and the first node whose value differs from torch's (or None)."""
    mine = []
    for i, node in enumerate(graph.nodes):
        try:
            if node.op == "leaf":
                mine.append(MG.leaf(node.params["value"].astype(dtype)))
            else:
                mine.append(OPS[node.op].apply(MG, *(mine[a] for a in node.args), **node.params))
        except Exception as exc:
            return mine, f"n{i} ({node.op}): minigrad raised {type(exc).__name__}: {exc}"
        problem = differs(mine[i], theirs[i], dtype, None if others is None else others[i])
        if problem:
            return mine, f"n{i} ({node.op}): {problem}"
    return mine, None


def minigrad_gradients(graph: Graph, dtype: str, mine: list, their_grads: list, other_grads: list | None):
    """Backpropagate the loss in minigrad; the first leaf whose gradient differs from torch's (or None)."""
    if not graph.sinks():
        return None
    try:
        loss_of(graph, MG, mine, sink_weights(graph)).backward()
    except Exception as exc:
        return f"backward: minigrad raised {type(exc).__name__}: {exc}"
    leaves = [i for i, n in enumerate(graph.nodes) if n.op == "leaf"]
    for k, i in enumerate(leaves):
        g = mine[i].grad
        g = np.zeros(tuple(mine[i].shape), dtype=dtype) if g is None else to_numpy(g)
        other = None if other_grads is None else other_grads[k]
        problem = differs(MG.const(g), TORCH.const(their_grads[k]), dtype, other)
        if problem:
            return f"gradient of x{i}: {problem}"
    return None


def where_it_differs(problem: str) -> str:
    """'n4 (softplus): ...' -> 'softplus'; a gradient or backward problem -> 'gradient'."""
    return problem.split("(")[1].split(")")[0] if problem.startswith("n") else "gradient"


def report(failures: list, total: int, dtype: str) -> str:
    """The count, the op where each first difference appears, and the smallest failing graph for each."""
    places = Counter(where_it_differs(problem) for _, problem in failures)
    nonfinite = sum(graph.has_nonfinite_input for graph, _ in failures)
    lines = [f"{len(failures)} of {total} random graphs differ from torch in {dtype} "
             f"({nonfinite} of them with a nan or inf input).",
             "Where the first difference appears: " + ", ".join(f"{k}: {v}" for k, v in places.most_common()),
             "The smallest failing graph for each (rebuild one with compare_graph(make_graph(...), dtype)):"]
    smallest = {}
    for graph, problem in sorted(failures, key=lambda f: len(f[0].nodes)):
        smallest.setdefault(where_it_differs(problem), (graph, problem))
    for graph, problem in sorted(smallest.values(), key=lambda f: len(f[0].nodes))[:8]:
        lines += ["", f"-> {problem}", str(graph)]
    return "\n".join(lines)


# --- the tests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_random_graphs_over_every_op_match_torch(dtype):
    failures = []
    for seed in range(N_GRAPHS):
        graph = make_graph(seed)
        problem = compare_graph(graph, dtype)
        if problem:
            failures.append((graph, problem))
    if failures:
        pytest.fail(report(failures, N_GRAPHS, dtype), pytrace=False)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_each_op_in_small_random_graphs_matches_torch(name, dtype):
    failures = []
    for k in range(GRAPHS_PER_OP):
        graph = make_graph(seed=10_000 + 97 * k + sorted(OPS).index(name), ops=(name,), n_ops=1 + k % 2)
        problem = compare_graph(graph, dtype)
        if problem:
            failures.append((graph, problem))
    if failures:
        pytest.fail(report(failures, GRAPHS_PER_OP, dtype), pytrace=False)


def test_graphs_are_reproducible_from_their_seed():
    assert str(make_graph(5)) == str(make_graph(5))
    assert str(make_graph(5)) != str(make_graph(6))


def test_graphs_use_every_op():
    used = Counter(node.op for seed in range(N_GRAPHS) for node in make_graph(seed).nodes)
    assert set(OPS) <= set(used), f"ops never drawn: {sorted(set(OPS) - set(used))}"
