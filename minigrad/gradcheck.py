"""Check analytic gradients against central finite differences, in float64.

For a function f of inputs x, the numeric derivative of each element is

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),

whose error shrinks as eps^2. A tensor-valued f is reduced to the scalar
sum(f(x) * w) with fixed random weights w, so every output element is checked.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .tensor import Tensor
from .value import Value


class GradcheckError(AssertionError):
    """An analytic gradient that disagrees with finite differences."""


def gradcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Compare the gradients of `fn(*inputs)` from backward() with central differences.

    Inputs are Tensors (those with requires_grad=True are checked, as float64
    copies) or Values. Returns True, or raises GradcheckError naming the input,
    the element, and the analytic and numeric values.
    """
    inputs = list(inputs)
    if all(isinstance(x, Value) for x in inputs):
        return _check_values(fn, inputs, eps, atol, rtol)
    return _check_tensors(fn, inputs, eps, atol, rtol)


def _check_tensors(fn, inputs, eps, atol, rtol) -> bool:
    copies = [_float64_copy(x) for x in inputs]
    checked = [i for i, x in enumerate(copies) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    out = fn(*copies)
    weights = _output_weights(out)

    def scalar_of(xs) -> float:
        return float((fn(*xs) * weights).sum().item())

    (out * weights).sum().backward()
    for i in checked:
        x = copies[i]
        analytic = x.numpy() * 0 if x.grad is None else Tensor._wrap(x.grad, x._backend).numpy()
        numeric = _numeric_gradient(scalar_of, copies, i, eps)
        _compare(f"input {i} (shape {x.shape})", analytic, numeric, atol, rtol)
    return True


def _float64_copy(x):
    if not isinstance(x, Tensor):
        return x
    xp = x._backend.xp
    data = xp.astype(x.data, xp.float64) if x._backend.is_floating(x.dtype) else x.data
    copy = Tensor._wrap(data, x._backend)
    copy.requires_grad = x.requires_grad
    return copy


def _output_weights(out: Tensor) -> Tensor:
    """Fixed pseudo-random weights, one per output element, so no element hides behind a sum."""
    rng = np.random.default_rng(12345)
    w = rng.uniform(0.5, 1.5, size=out.shape) * rng.choice([-1.0, 1.0], size=out.shape)
    return Tensor(np.asarray(w, dtype=np.float64), device=out.device)


def _numeric_gradient(scalar_of, xs, i, eps) -> np.ndarray:
    x = xs[i]
    base = x.numpy()
    grad = np.zeros_like(base)
    for index in np.ndindex(base.shape):
        values = []
        for step in (eps, -eps):
            shifted = base.copy()
            shifted[index] += step
            moved = list(xs)
            moved[i] = Tensor(shifted, device=x.device)
            values.append(scalar_of(moved))
        grad[index] = (values[0] - values[1]) / (2 * eps)
    return grad


def _check_values(fn, inputs, eps, atol, rtol) -> bool:
    for v in inputs:
        v.grad = 0.0
    fn(*inputs).backward()
    analytic = np.array([v.grad for v in inputs])
    numeric = np.zeros(len(inputs))
    for i, v in enumerate(inputs):
        original = v.data
        v.data = original + eps
        up = fn(*inputs).data
        v.data = original - eps
        down = fn(*inputs).data
        v.data = original
        numeric[i] = (up - down) / (2 * eps)
    for i in range(len(inputs)):
        _compare(f"input {i} (a Value)", analytic[i:i + 1], numeric[i:i + 1], atol, rtol, scalar=True)
    return True


def _compare(name: str, analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float,
             scalar: bool = False) -> None:
    bad = ~np.isclose(analytic, numeric, atol=atol, rtol=rtol, equal_nan=True)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = "" if scalar else f" at element {index}"
        raise GradcheckError(
            f"gradcheck failed for {name}{where}: analytic gradient {analytic[index]:.8g}, "
            f"numeric {numeric[index]:.8g} (difference {analytic[index] - numeric[index]:.3g}; "
            f"{int(bad.sum())} of {bad.size} elements disagree)")
