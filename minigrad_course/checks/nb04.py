"""Checkers for notebook 04: from a neuron to a two-layer network.

The network of the notebook has 2 inputs, a hidden layer of tanh units and one
output. Its 9 parameters live in a dict with the keys of `PARAM_NAMES`:

    z_j = w_j1 x_1 + w_j2 x_2 + b_j,   h_j = tanh(z_j)        (j = 1, 2)
    s   = v_1 h_1 + v_2 h_2 + c

Every reference answer below is computed with `minigrad.Value` and `backward()`,
independently of the learner's hand-derived formulas.
"""
from __future__ import annotations

import math
from typing import Callable

from minigrad.value import Value
from .verdict import Verdict, attempt, failed, passed

__all__ = ["check_hidden_deltas", "check_squared_error_gradients", "check_train_per_example"]

PARAM_NAMES = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")

# Test inputs shared by the checkers: a few parameter sets and examples.
_PARAMS = [
    dict(w11=0.6, w12=-0.4, w21=-0.3, w22=0.8, b1=0.1, b2=0.2, v1=0.9, v2=-0.7, c=0.05),
    dict(w11=-1.2, w12=0.7, w21=0.5, w22=1.5, b1=-0.3, b2=0.4, v1=-1.1, v2=0.6, c=-0.2),
    dict(w11=2.0, w12=-1.5, w21=1.0, w22=-0.5, b1=0.0, b2=-1.0, v1=1.3, v2=2.1, c=0.3),
]
_EXAMPLES = [((0.5, -1.0), 1.0), ((1.5, 0.25), 0.0), ((-0.8, 2.0), 1.0)]
_XOR_X = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
_XOR_Y = [0.0, 1.0, 1.0, 0.0]


def _fmt(x) -> str:
    return "(" + ", ".join(f"{v:g}" for v in x) + ")"


def _is_number(v) -> bool:
    if isinstance(v, Value):
        return True
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _as_float(v) -> float:
    return v.data if isinstance(v, Value) else float(v)


def _check_param_dict(what: str, got) -> Verdict:
    """Is `got` a dict with a number for each of the 9 parameter names? Say what is missing if not."""
    if got is None:
        return failed(f"{what}: your function returned None: did you forget `return`?")
    if not isinstance(got, dict):
        return failed(f"{what}: expected a dict with keys {', '.join(PARAM_NAMES)}, got {type(got).__name__}")
    missing = [k for k in PARAM_NAMES if k not in got]
    if missing:
        return failed(f"{what}: the dict has no key {', '.join(repr(k) for k in missing)} "
                      f"(expected the keys {', '.join(PARAM_NAMES)})")
    bad = [k for k in PARAM_NAMES if not _is_number(got[k])]
    if bad:
        return failed(f"{what}: {bad[0]!r} holds a {type(got[bad[0]]).__name__}, expected a number")
    return Verdict(True)


# --- exercise 1: the hidden deltas of a network of any width ---------------------


def _reference_hidden_deltas(W, b, v, c, x, y) -> tuple[list[float], float, list[float]]:
    """(delta_j for each hidden unit, delta_out, h_j) by autograd, for tanh hidden units, sigmoid output, BCE."""
    zs = [Value(sum(wji * xi for wji, xi in zip(row, x)) + bj) for row, bj in zip(W, b)]
    hs = [z.tanh() for z in zs]
    s = c + sum((vj * h for vj, h in zip(v, hs)), Value(0.0))
    p = s.sigmoid()
    loss = -(y * p.log() + (1 - y) * (1 - p).log())
    loss.backward()
    return [z.grad for z in zs], s.grad, [h.data for h in hs]


_DELTA_CASES = [
    ([[0.6, -0.4], [-0.3, 0.8]], [0.1, 0.2], [0.9, -0.7], 0.05, [0.5, -1.0], 1.0),
    ([[1.0, 0.5], [-0.5, 1.5], [0.25, -2.0]], [0.0, -0.5, 0.3], [1.2, -0.4, 0.8], -0.1, [0.3, 0.7], 0.0),
    ([[0.2, -0.1, 0.4], [1.1, 0.3, -0.6], [-0.9, 0.5, 0.05], [0.7, 0.7, -0.2]],
     [0.1, -0.2, 0.0, 0.3], [0.5, -1.5, 0.9, 0.4], 0.2, [1.0, -0.5, 2.0], 1.0),
]


def check_hidden_deltas(fn: Callable) -> Verdict:
    """Exercise 1: `fn(W, b, v, c, x, y)` returns [delta_1, ..., delta_n], delta_j = dL/dz_j.

    Tested on networks with 2, 3 and 4 hidden units (2 or 3 inputs), tanh
    hidden units, a sigmoid output and binary cross-entropy.
    """
    for k, (W, b, v, c, x, y) in enumerate(_DELTA_CASES, start=1):
        ok, got = attempt(fn, [list(row) for row in W], list(b), list(v), c, list(x), y, name="hidden_deltas")
        if not ok:
            return Verdict(False)
        where = f"test {k} ({len(W)} hidden units, x={_fmt(x)}, y={y:g})"
        if got is None:
            return failed(f"{where}: hidden_deltas returned None: did you forget `return`?")
        try:
            got = [_as_float(g) for g in got]
        except (TypeError, ValueError):
            return failed(f"{where}: expected a list of {len(W)} numbers, one delta per hidden unit, "
                          f"got {type(got).__name__}")
        if len(got) != len(W):
            return failed(f"{where}: expected {len(W)} deltas (one per hidden unit), got {len(got)}")
        ref, d_out, hs = _reference_hidden_deltas(W, b, v, c, x, y)
        wrong = [j for j in range(len(W)) if not math.isclose(got[j], ref[j], rel_tol=1e-6, abs_tol=1e-9)]
        if not wrong:
            continue
        for j in wrong:
            failed(f"{where}: delta_{j + 1} is {got[j]:.6g}, expected {ref[j]:.6g} (off by {got[j] - ref[j]:.3g})")
        _hint_deltas(got, ref, d_out, v, hs)
        return Verdict(False)
    return passed("hidden_deltas is right for 2, 3 and 4 hidden units: delta_j = (p - y) * v_j * (1 - h_j^2).")


def _hint_deltas(got, ref, d_out, v, hs) -> None:
    """Recognise the usual slips and say which factor of the chain rule is off."""
    def same(candidate):
        return all(math.isclose(g, r, rel_tol=1e-6, abs_tol=1e-9) for g, r in zip(got, candidate))
    if same([-r for r in ref]):
        print("   Hint: every delta has the wrong sign. The output delta is dL/ds = p - y (not y - p).")
    elif same([d_out * vj for vj in v]):
        print("   Hint: you have dL/dh_j = (p - y) v_j. One more factor of the chain rule: dh_j/dz_j = 1 - h_j^2.")
    elif same([d_out * vj * (1 - h) for vj, h in zip(v, hs)]):
        print("   Hint: the tanh derivative is 1 - h_j^2 (squared), not 1 - h_j.")
    elif same([d_out * vj * h * (1 - h) for vj, h in zip(v, hs)]):
        print("   Hint: h(1 - h) is the derivative of the sigmoid; the hidden units are tanh: 1 - h_j^2.")


# --- exercise 2: all 9 gradients with a linear output and squared error ----------


def _reference_squared_error(P: dict, x, y) -> dict[str, float]:
    V = {k: Value(P[k]) for k in PARAM_NAMES}
    h1 = (V["w11"] * x[0] + V["w12"] * x[1] + V["b1"]).tanh()
    h2 = (V["w21"] * x[0] + V["w22"] * x[1] + V["b2"]).tanh()
    y_hat = V["v1"] * h1 + V["v2"] * h2 + V["c"]
    loss = (y_hat - y) ** 2
    loss.backward()
    return {k: V[k].grad for k in PARAM_NAMES}


def check_squared_error_gradients(fn: Callable) -> Verdict:
    """Exercise 2: `fn(params, x, y)` returns a dict of the 9 gradients of L = (y_hat - y)^2, y_hat = v1 h1 + v2 h2 + c."""
    for k, (P, (x, y)) in enumerate(zip(_PARAMS, _EXAMPLES), start=1):
        ok, got = attempt(fn, dict(P), tuple(x), y, name="squared_error_gradients")
        if not ok:
            return Verdict(False)
        where = f"test {k} (x={_fmt(x)}, y={y:g})"
        if not _check_param_dict(where, got):
            return Verdict(False)
        ref = _reference_squared_error(P, x, y)
        mine = {name: _as_float(got[name]) for name in PARAM_NAMES}
        wrong = [n for n in PARAM_NAMES if not math.isclose(mine[n], ref[n], rel_tol=1e-6, abs_tol=1e-9)]
        if not wrong:
            continue
        for n in wrong:
            failed(f"{where}: dL/d{n} is {mine[n]:.6g}, expected {ref[n]:.6g} (off by {mine[n] - ref[n]:.3g})")
        output_ok = not any(n in wrong for n in ("v1", "v2", "c"))
        if all(math.isclose(mine[n], ref[n] / 2, rel_tol=1e-6, abs_tol=1e-12) for n in PARAM_NAMES):
            print("   Hint: all your gradients are half the right ones. L = (y_hat - y)^2 gives dL/dy_hat = 2 (y_hat - y).")
        elif all(math.isclose(mine[n], -ref[n], rel_tol=1e-6, abs_tol=1e-12) for n in PARAM_NAMES):
            print("   Hint: all your gradients have the wrong sign: dL/dy_hat = 2 (y_hat - y), not 2 (y - y_hat).")
        elif output_ok:
            print("   Hint: the output layer (v1, v2, c) is right; the hidden layer is not. "
                  "With a linear output, delta_j = dL/dy_hat * v_j * (1 - h_j^2).")
        else:
            print("   Hint: start at the output. Without a sigmoid, dL/dy_hat = 2 (y_hat - y) is the output delta, "
                  "and dL/dv_j = delta_out * h_j.")
        return Verdict(False)
    return passed("all 9 gradients are right on 3 examples (checked against autograd).")


# --- exercise 3: one gradient-descent update per example --------------------------


def _example_loss(V: dict, x, y) -> Value:
    """Binary cross-entropy of the 2-2-1 network (tanh hidden, sigmoid output) on one example."""
    h1 = (V["w11"] * x[0] + V["w12"] * x[1] + V["b1"]).tanh()
    h2 = (V["w21"] * x[0] + V["w22"] * x[1] + V["b2"]).tanh()
    p = (V["v1"] * h1 + V["v2"] * h2 + V["c"]).sigmoid()
    return -(y * p.log() + (1 - y) * (1 - p).log())


def _train(P: dict, X, Y, lr: float, epochs: int, mode: str = "per_example") -> dict[str, float]:
    """The reference, and the usual mistakes: 'per_example', 'full_batch', 'ascent', 'accumulate'."""
    P = {k: float(P[k]) for k in PARAM_NAMES}
    kept = {k: Value(P[k]) for k in PARAM_NAMES}  # for 'accumulate': grads never reset
    for _ in range(epochs):
        if mode == "full_batch":
            V = {k: Value(P[k]) for k in PARAM_NAMES}
            loss = sum((_example_loss(V, x, y) for x, y in zip(X, Y)), Value(0.0)) / len(X)
            loss.backward()
            P = {k: P[k] - lr * V[k].grad for k in PARAM_NAMES}
            continue
        for x, y in zip(X, Y):
            if mode == "accumulate":
                _example_loss(kept, x, y).backward()
                for v in kept.values():
                    v.data -= lr * v.grad
                continue
            V = {k: Value(P[k]) for k in PARAM_NAMES}
            _example_loss(V, x, y).backward()
            sign = 1.0 if mode == "ascent" else -1.0
            P = {k: P[k] + sign * lr * V[k].grad for k in PARAM_NAMES}
    if mode == "accumulate":
        P = {k: v.data for k, v in kept.items()}
    return P


def check_train_per_example(fn: Callable) -> Verdict:
    """Exercise 3: `fn(params, X, Y, lr, epochs)` returns the parameters after per-example gradient descent.

    Checked after 1 epoch (4 updates) and after 25 epochs on XOR, from the first
    parameter set of the notebook, with lr = 0.5.
    """
    P0, lr = _PARAMS[0], 0.5
    for epochs in (1, 25):
        ok, got = attempt(fn, dict(P0), [tuple(x) for x in _XOR_X], list(_XOR_Y), lr, epochs,
                          name="train_per_example")
        if not ok:
            return Verdict(False)
        where = f"after {epochs} epoch{'s' if epochs > 1 else ''} on XOR (lr={lr})"
        if not _check_param_dict(where, got):
            return Verdict(False)
        mine = {k: _as_float(got[k]) for k in PARAM_NAMES}
        ref = _train(P0, _XOR_X, _XOR_Y, lr, epochs)
        if all(math.isclose(mine[k], ref[k], rel_tol=1e-6, abs_tol=1e-9) for k in PARAM_NAMES):
            continue
        if all(math.isclose(mine[k], P0[k], rel_tol=1e-12, abs_tol=1e-12) for k in PARAM_NAMES):
            return failed(f"{where}: the parameters did not change. Did you return the updated values?")
        for mode, hint in [
            ("full_batch", "you made one update per epoch, with the mean gradient over the 4 examples "
                           "(full-batch gradient descent). This exercise asks for one update per example."),
            ("ascent", "you moved the parameters *up* the gradient: the update is param - lr * grad, with a minus."),
            ("accumulate", "the gradients add up from one update to the next: reset every .grad to 0 "
                           "(or make fresh Values) before each backward()."),
        ]:
            other = _train(P0, _XOR_X, _XOR_Y, lr, epochs, mode)
            if all(math.isclose(mine[k], other[k], rel_tol=1e-6, abs_tol=1e-9) for k in PARAM_NAMES):
                return failed(f"{where}: {hint}")
        first = next(k for k in PARAM_NAMES if not math.isclose(mine[k], ref[k], rel_tol=1e-6, abs_tol=1e-9))
        n_wrong = sum(not math.isclose(mine[k], ref[k], rel_tol=1e-6, abs_tol=1e-9) for k in PARAM_NAMES)
        return failed(f"{where}: {first} is {mine[first]:.6g}, expected {ref[first]:.6g} "
                      f"(off by {mine[first] - ref[first]:.3g}; {n_wrong} of 9 parameters differ). "
                      "Go through the examples in the given order, one update after each.")
    return passed("per-example gradient descent is right: 4 updates per epoch, each with one example's gradient.")
