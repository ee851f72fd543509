"""Check analytic gradients against central finite differences, in float64.

For a function out = f(x), the Jacobian J holds J[j, k] = d out_j / d x_k. Its
numeric estimate, one column per input element k, is

    J[:, k] ~ (f(x + eps e_k) - f(x - eps e_k)) / (2 eps),

whose error shrinks as eps^2. Backpropagation never forms J: given g = dL/d(out)
it returns the vector-Jacobian product J^T g. So its rows come from one backward
pass per output element j, with g = e_j (1 at j, 0 elsewhere): J[j, :] = (J^T e_j)^T.

Two checks, chosen by `mode`:

- "full": every entry of J, analytic against numeric, as `torch.autograd.gradcheck`
  does. It costs one forward and one backward pass per output element on top of
  the 2 forward passes per input element that the numeric columns need.
- "projection": one backward pass with fixed random weights w on the outputs,
  comparing J^T w with the numeric columns projected on w. Cheaper, but an error
  can hide inside the sum over outputs: a backward that adds 1e-4 * sum(g) to
  every input element passes it, since each element of J^T w moves by only
  1e-4 * sum(w), well within the tolerance.
- "auto" (the default): "full" when the output has at most
  FULL_JACOBIAN_MAX_OUTPUTS (1,000) elements, "projection" above.

An element passes when |analytic - numeric| <= atol + rtol * |numeric|.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .autograd import no_grad
from .tensor import Tensor
from .value import Value

__all__ = ["gradcheck", "GradcheckError", "FULL_JACOBIAN_MAX_OUTPUTS"]

FULL_JACOBIAN_MAX_OUTPUTS = 1000
"""mode="auto" checks the full Jacobian when the output has at most this many elements."""

_MODES = ("auto", "full", "projection")


class GradcheckError(AssertionError):
    """An analytic gradient that disagrees with finite differences."""


def gradcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              *, mode: str = "auto") -> bool:
    """Compare the gradients of `fn(*inputs)` from backward() with central differences.

    Inputs are Tensors (those with requires_grad=True are checked, as float64
    copies; the others are passed as they are) or Values. `mode` is "full" (the
    whole Jacobian), "projection" (one random projection of the output) or
    "auto" (full up to FULL_JACOBIAN_MAX_OUTPUTS output elements); see the
    module docstring. Returns True, or raises GradcheckError naming the input,
    the element, the analytic and numeric values and the check that ran.
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be 'auto', 'full' or 'projection', got {mode!r}")
    inputs = list(inputs)
    if inputs and all(isinstance(x, Value) for x in inputs):
        return _check_values(fn, inputs, eps, atol, rtol)
    return _check_tensors(fn, inputs, eps, atol, rtol, mode)


# --- tensors ---------------------------------------------------------------------------------


def _check_tensors(fn, inputs, eps, atol, rtol, mode) -> bool:
    copies = [_float64_copy(x) for x in inputs]
    checked = [i for i, x in enumerate(copies) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    out = _call(fn, copies)
    chosen = mode == "auto"
    if chosen:
        mode = "full" if out.numel() <= FULL_JACOBIAN_MAX_OUTPUTS else "projection"
    if mode == "full":
        analytic = _analytic_jacobians(fn, copies, checked, out.shape)
        for i in checked:
            numeric = np.zeros((out.numel(), copies[i].numel()))
            for k, column in enumerate(_numeric_columns(fn, copies, i, eps)):
                numeric[:, k] = column
            _compare_jacobian(i, copies[i].shape, out.shape, analytic[i], numeric, atol, rtol)
    else:
        weights = _output_weights(out.shape)
        analytic = _analytic_projection(fn, copies, checked, weights)
        for i in checked:
            numeric = np.array([column @ weights.ravel() for column in _numeric_columns(fn, copies, i, eps)])
            why = (f", chosen by mode='auto' since the output has {out.numel()} elements, more than "
                   f"{FULL_JACOBIAN_MAX_OUTPUTS}" if chosen else "")
            _compare_projection(i, copies[i].shape, analytic[i], numeric.reshape(copies[i].shape), atol, rtol, why)
    return True


def _call(fn: Callable, xs: list) -> Tensor:
    out = fn(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    return out


def _float64_copy(x: Any) -> Any:
    """A floating Tensor as a float64 leaf copy (same requires_grad, same device); the rest as it is."""
    if not isinstance(x, Tensor):
        return x
    array = x.numpy()
    if array.dtype.kind != "f":
        return x
    return Tensor(array.astype(np.float64), requires_grad=x.requires_grad, device=x.device)


def _grad_of(x: Tensor) -> np.ndarray:
    """x.grad as a float64 NumPy array of x's shape (zeros when backward never reached x)."""
    if x.grad is None:
        return np.zeros(x.shape)
    return Tensor(x.grad, device=x.device).numpy().astype(np.float64)


def _backward_with(fn: Callable, xs: list, checked: list[int], weights: np.ndarray) -> dict[int, np.ndarray]:
    """J^T w for each checked input: a fresh forward pass, then backward with dL/d(out) = weights."""
    for i in checked:
        xs[i].grad = None
    out = _call(fn, xs)
    if out.requires_grad:
        out.backward(Tensor(weights.astype(out.numpy().dtype), device=out.device))
    return {i: _grad_of(xs[i]) for i in checked}


def _analytic_jacobians(fn, xs, checked, out_shape) -> dict[int, np.ndarray]:
    """For each checked input, its Jacobian J of shape (outputs, input elements), one row per backward pass."""
    size = int(np.prod(out_shape))
    rows = {i: np.zeros((size, xs[i].numel())) for i in checked}
    for j in range(size):
        basis = np.zeros(size)
        basis[j] = 1.0
        grads = _backward_with(fn, xs, checked, basis.reshape(out_shape))
        for i in checked:
            rows[i][j] = grads[i].ravel()
    return rows


def _analytic_projection(fn, xs, checked, weights) -> dict[int, np.ndarray]:
    return _backward_with(fn, xs, checked, weights)


def _output_weights(shape: tuple) -> np.ndarray:
    """Fixed pseudo-random weights, one per output element, so no element hides behind a sum."""
    rng = np.random.default_rng(12345)
    return rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _numeric_columns(fn, xs, i, eps) -> Iterator[np.ndarray]:
    """The numeric Jacobian's column for each element of input i (in C order), as flat float64 arrays."""
    x = xs[i]
    base = x.numpy()
    for index in np.ndindex(base.shape):
        values = []
        for step in (eps, -eps):
            shifted = base.copy()
            shifted[index] += step
            moved = list(xs)
            moved[i] = Tensor(shifted, device=x.device)
            with no_grad():
                values.append(_call(fn, moved).numpy().astype(np.float64).ravel())
        yield (values[0] - values[1]) / (2 * eps)


def _compare_jacobian(i, in_shape, out_shape, analytic, numeric, atol, rtol) -> None:
    """Raise on the first disagreeing entry, scanning the Jacobian column by column."""
    bad = ~np.isclose(analytic, numeric, atol=atol, rtol=rtol, equal_nan=True)
    if not bad.any():
        return
    k, j = (int(n) for n in np.argwhere(bad.T)[0])
    element, output = np.unravel_index(k, in_shape), np.unravel_index(j, out_shape)
    a, n = analytic[j, k], numeric[j, k]
    raise GradcheckError(
        f"gradcheck failed for input {i} (shape {tuple(in_shape)}) at element {_index(element)}: "
        f"analytic gradient {a:.8g}, numeric {n:.8g} of output element {_index(output)} "
        f"(full Jacobian check, d output / d input entry by entry; difference {a - n:.3g}; "
        f"{int(bad.sum())} of {bad.size} Jacobian entries disagree)")


def _compare_projection(i, in_shape, analytic, numeric, atol, rtol, why) -> None:
    bad = ~np.isclose(analytic, numeric, atol=atol, rtol=rtol, equal_nan=True)
    if not bad.any():
        return
    index = tuple(int(n) for n in np.argwhere(bad)[0])
    a, n = analytic[index], numeric[index]
    raise GradcheckError(
        f"gradcheck failed for input {i} (shape {tuple(in_shape)}) at element {_index(index)}: "
        f"analytic gradient {a:.8g}, numeric {n:.8g} of sum(w * output) with fixed random weights w "
        f"(a random projection check{why}; mode='full' compares every entry of the Jacobian; "
        f"difference {a - n:.3g}; {int(bad.sum())} of {bad.size} elements disagree)")


def _index(index: Sequence) -> tuple:
    return tuple(int(n) for n in index)


# --- values ----------------------------------------------------------------------------------


def _check_values(fn, inputs, eps, atol, rtol) -> bool:
    """A Value function has one output, so its gradient is its whole Jacobian."""
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
    bad = ~np.isclose(analytic, numeric, atol=atol, rtol=rtol, equal_nan=True)
    if bad.any():
        i = int(np.argmax(bad))
        raise GradcheckError(
            f"gradcheck failed for input {i} (a Value): analytic gradient {analytic[i]:.8g}, "
            f"numeric {numeric[i]:.8g} (difference {analytic[i] - numeric[i]:.3g}; "
            f"{int(bad.sum())} of {bad.size} inputs disagree)")
    return True
