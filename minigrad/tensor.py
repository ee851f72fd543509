"""The tensor engine: n-dimensional arrays that record how they were computed.

Each operation below computes its result (forward) and defines, right next to
it, `backward(g)`: given g = dL/d(out), it returns dL/d(input) for each input.
Broadcasting is undone on the way back by `unbroadcast`, which sums a gradient
over the axes that broadcasting stretched.

Arrays come from `minigrad.backend` (NumPy on "cpu", CuPy on "cuda"), so the
same code runs on both. Gradients are never modified in place: an array held in
`.grad` may be shared with another tensor's `.grad`.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from . import autograd
from .backend import Backend, DeviceError, backend_name_of_array, dtype_name, get_backend

Scalar = (int, float, bool)


class ShapeError(ValueError):
    """Two operands whose shapes do not fit the operation."""


class Tensor:
    """An array with an optional gradient, like `torch.Tensor`.

    Tensor(data, requires_grad=False, dtype=None, device="cpu")

    `data` may be a nested list or a number (floats become float32, integers
    int64, as `torch.tensor` does), or an array (its dtype is kept).
    """

    __slots__ = ("data", "grad", "requires_grad", "_prev", "_backward", "_op", "_backend", "__weakref__")
    __array_priority__ = 1000  # numpy_array + tensor calls Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, device: str = "cpu"):
        backend = get_backend(device)
        self.data = _to_array(data, backend, dtype)
        self._backend = backend
        self.grad = None
        self._prev: tuple = ()
        self._backward = None
        self._op = ""
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array: Any, backend: Backend) -> Tensor:
        """A tensor around an existing array of `backend` (no copy, no checks)."""
        out = cls.__new__(cls)
        out.data, out._backend, out.grad = array, backend, None
        out._prev, out._backward, out._op, out.requires_grad = (), None, "", False
        return out

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Ask for (or stop asking for) this tensor's gradient; only floating tensors can have one."""
        if flag and not self._backend.is_floating(self.data.dtype):
            raise TypeError(f"only floating-point tensors can require grad, this one is {self.dtype_name}: "
                            "make it from floats (e.g. [1.0, 2.0]) or pass dtype='float32'")
        self.requires_grad = bool(flag)
        return self

    # --- properties -----------------------------------------------------------

    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    @property
    def dtype_name(self) -> str:
        return dtype_name(self.data.dtype)

    @property
    def device(self) -> str:
        return self._backend.device

    @property
    def is_leaf(self) -> bool:
        return self._backward is None

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), precision=4, separator=", ", prefix="Tensor(")
        extras = [f"dtype={self.dtype_name}"]
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({body}, {', '.join(extras)})"

    # --- leaving the graph and the device ----------------------------------------

    def numpy(self) -> np.ndarray:
        """A NumPy copy of the data (from the GPU if it lives there)."""
        return self._backend.to_numpy(self.data)

    def item(self) -> float | int:
        """The single number this tensor holds."""
        if self.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self.numpy().reshape(()).item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def detach(self) -> Tensor:
        """The same data, cut from the graph (no grad, no history)."""
        return Tensor._wrap(self.data, self._backend)

    def to(self, device: str) -> Tensor:
        """A copy on `device` (the tensor itself if it is already there); a leaf keeps requires_grad."""
        target = get_backend(device)
        if target is self._backend:
            return self
        array = target.asarray(self.numpy())
        out = Tensor._wrap(array, target)
        out.requires_grad = self.requires_grad
        return out

    def astype(self, dtype: Any) -> Tensor:
        """The data cast to `dtype`; the gradient is cast back on the way."""
        xp, source = self._backend.xp, self.dtype
        target = self._backend.dtype(dtype)

        def backward(g):
            return (xp.astype(g, source),)
        return self._result(xp.astype(self.data, target), (self,), backward, "astype")

    def float(self) -> Tensor:
        return self.astype("float32")

    def double(self) -> Tensor:
        return self.astype("float64")

    # --- building the graph -------------------------------------------------

    def _result(self, array: Any, parents: tuple, backward, op: str) -> Tensor:
        """Wrap an op's output; record the op only if some input needs a gradient."""
        out = Tensor._wrap(array, self._backend)
        if autograd._grad_enabled and any(p.requires_grad for p in parents):
            out.requires_grad = True
            out._prev, out._backward, out._op = parents, backward, op
        return out

    def _lift(self, other: Any) -> Tensor:
        """`other` as a Tensor on this tensor's device (numbers take this tensor's dtype)."""
        if isinstance(other, Tensor):
            if other._backend is not self._backend:
                raise DeviceError(f"tensors on different devices: {self.device} and {other.device}; "
                                  "move one with .to(device) first")
            return other
        if isinstance(other, Scalar):
            return Tensor._wrap(self._backend.asarray(other, dtype=self.dtype), self._backend)
        name = backend_name_of_array(other)
        if name is not None and name != self._backend.name and not (name == "numpy" and self.device == "cpu"):
            raise DeviceError(f"a {name} array cannot mix with a tensor on {self.device}: "
                              "wrap it in Tensor(..., device=...) to move it explicitly")
        return Tensor._wrap(_to_array(other, self._backend, None), self._backend)

    def backward(self, grad: Any = None) -> None:
        """Compute d(self)/d(t) for every tensor t this one depends on, into `t.grad`.

        With no `grad`, self must hold a single number (a loss): dL/dL = 1.
        Otherwise `grad` is dL/d(self), of self's shape. Gradients accumulate:
        call `zero_grad()` (or set `.grad = None`) between steps.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad: no input of its graph "
                               "was created with requires_grad=True (or it was computed under no_grad())")
        if grad is None:
            if self.size != 1:
                raise RuntimeError(f"backward() without grad needs a single number, this tensor has shape "
                                   f"{self.shape}: reduce it to a loss first (e.g. .sum() or .mean()) "
                                   "or pass grad= of the same shape")
            grad = self._backend.xp.ones(self.data.shape, dtype=self.dtype)
        else:
            grad = self._lift(grad).data
            if tuple(grad.shape) != self.shape:
                raise ShapeError(f"backward(grad) needs grad of shape {self.shape}, got {tuple(grad.shape)}")
            grad = self._backend.xp.astype(grad, self.dtype)
        autograd.run_backward(self, grad)

    def zero_grad(self) -> None:
        self.grad = None

    # --- arithmetic ---------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        """d(a+b)/da = 1, d(a+b)/db = 1 (summed back over broadcast axes)."""
        other = self._lift(other)
        out = _broadcast_op(lambda a, b: a + b, self, other, "+")
        a_shape, b_shape, xp = self.shape, other.shape, self._backend.xp

        def backward(g):
            return unbroadcast(xp, g, a_shape), unbroadcast(xp, g, b_shape)
        return self._result(out, (self, other), backward, "+")

    def __sub__(self, other: Any) -> Tensor:
        """d(a-b)/da = 1, d(a-b)/db = -1."""
        other = self._lift(other)
        out = _broadcast_op(lambda a, b: a - b, self, other, "-")
        a_shape, b_shape, xp = self.shape, other.shape, self._backend.xp

        def backward(g):
            return unbroadcast(xp, g, a_shape), unbroadcast(xp, -g, b_shape)
        return self._result(out, (self, other), backward, "-")

    def __mul__(self, other: Any) -> Tensor:
        """d(ab)/da = b, d(ab)/db = a."""
        other = self._lift(other)
        a, b, xp = self.data, other.data, self._backend.xp
        out = _broadcast_op(lambda x, y: x * y, self, other, "*")

        def backward(g):
            ga = unbroadcast(xp, g * b, a.shape) if self.requires_grad else None
            gb = unbroadcast(xp, g * a, b.shape) if other.requires_grad else None
            return ga, gb
        return self._result(out, (self, other), backward, "*")

    def __truediv__(self, other: Any) -> Tensor:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2."""
        other = self._lift(other)
        a, b, xp = self.data, other.data, self._backend.xp
        out = _broadcast_op(lambda x, y: x / y, self, other, "/")

        def backward(g):
            ga = unbroadcast(xp, g / b, a.shape) if self.requires_grad else None
            gb = unbroadcast(xp, -g * out / b, b.shape) if other.requires_grad else None
            return ga, gb
        return self._result(out, (self, other), backward, "/")

    def __pow__(self, exponent: Any) -> Tensor:
        """d(a^n)/da = n a^(n-1); for a tensor exponent also d(a^b)/db = a^b ln a.

        A negative base with a non-integer exponent gives nan, as in NumPy.
        """
        xp, a = self._backend.xp, self.data
        if isinstance(exponent, Scalar):
            n = exponent

            def backward_number(g):
                return (g * n * a ** (n - 1),)
            return self._result(a ** n, (self,), backward_number, f"**{n}")
        exponent = self._lift(exponent)
        b = exponent.data
        out = _broadcast_op(lambda x, y: x ** y, self, exponent, "**")

        def backward(g):
            ga = unbroadcast(xp, g * b * a ** (b - 1), a.shape) if self.requires_grad else None
            gb = None
            if exponent.requires_grad:
                safe_log = xp.log(xp.where(a > 0, a, xp.ones_like(a)))
                gb = unbroadcast(xp, g * xp.where(a > 0, out * safe_log, xp.zeros_like(out)), b.shape)
            return ga, gb
        return self._result(out, (self, exponent), backward, "**")

    def __neg__(self) -> Tensor:
        def backward(g):
            return (-g,)
        return self._result(-self.data, (self,), backward, "neg")

    def __radd__(self, other: Any) -> Tensor:
        return self._lift(other) + self

    def __rsub__(self, other: Any) -> Tensor:
        return self._lift(other) - self

    def __rmul__(self, other: Any) -> Tensor:
        return self._lift(other) * self

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._lift(other) / self

    def __rpow__(self, base: Any) -> Tensor:
        return self._lift(base) ** self

    def __matmul__(self, other: Any) -> Tensor:
        return matmul(self, self._lift(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul(self._lift(other), self)

    # --- comparisons (no gradient: they return boolean tensors) -----------------

    def _compare(self, other: Any, fn) -> Tensor:
        other = self._lift(other)
        return Tensor._wrap(_broadcast_op(fn, self, other, "comparison"), self._backend)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, lambda a, b: a >= b)

    def eq(self, other: Any) -> Tensor:
        """Element-wise a == b as a boolean tensor (`==` itself keeps Python's identity meaning)."""
        return self._compare(other, lambda a, b: a == b)

    __hash__ = object.__hash__

    # --- element-wise functions ------------------------------------------------

    def exp(self) -> Tensor:
        """d(e^a)/da = e^a."""
        out = self._backend.xp.exp(self.data)

        def backward(g):
            return (g * out,)
        return self._result(out, (self,), backward, "exp")

    def log(self) -> Tensor:
        """d(ln a)/da = 1/a."""
        a = self.data

        def backward(g):
            return (g / a,)
        return self._result(self._backend.xp.log(a), (self,), backward, "log")

    def sqrt(self) -> Tensor:
        """d(sqrt a)/da = 1/(2 sqrt a)."""
        out = self._backend.xp.sqrt(self.data)

        def backward(g):
            return (g / (2 * out),)
        return self._result(out, (self,), backward, "sqrt")

    def tanh(self) -> Tensor:
        """d(tanh a)/da = 1 - tanh(a)^2."""
        out = self._backend.xp.tanh(self.data)

        def backward(g):
            return (g * (1 - out * out),)
        return self._result(out, (self,), backward, "tanh")

    def sigmoid(self) -> Tensor:
        """s(a) = 1/(1+e^-a), ds/da = s(1-s); computed from e^-|a|, which never overflows."""
        xp, a = self._backend.xp, self.data
        e = xp.exp(-xp.abs(a))
        out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e))

        def backward(g):
            return (g * out * (1 - out),)
        return self._result(out, (self,), backward, "sigmoid")

    def relu(self) -> Tensor:
        """relu(a) = max(a, 0); derivative 1 where a > 0, else 0."""
        xp, a = self._backend.xp, self.data
        slope = xp.astype(a > 0, a.dtype)

        def backward(g):
            return (g * slope,)
        return self._result(xp.maximum(a, 0.0), (self,), backward, "relu")

    def abs(self) -> Tensor:
        """d|a|/da = sign(a) (0 at 0, as in PyTorch)."""
        xp, a = self._backend.xp, self.data

        def backward(g):
            return (g * xp.sign(a),)
        return self._result(xp.abs(a), (self,), backward, "abs")

    # --- reductions --------------------------------------------------------------

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """d(sum a)/da_i = 1: the gradient is copied back to every summed element."""
        xp, shape = self._backend.xp, self.shape
        axes = _normalize_axes(axis, self.ndim)
        out = xp.sum(self.data, axis=axes, keepdims=keepdims)

        def backward(g):
            return (_expand_to(xp, g, shape, axes, keepdims),)
        return self._result(out, (self,), backward, "sum")

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """mean = sum / n, so d(mean)/da_i = 1/n."""
        axes = _normalize_axes(axis, self.ndim)
        count = int(np.prod([self.shape[i] for i in axes])) if axes else 1
        return self.sum(axis=axes, keepdims=keepdims) * (1.0 / count)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """The gradient goes to the maximum; tied maxima share it evenly."""
        xp, a, shape = self._backend.xp, self.data, self.shape
        axes = _normalize_axes(axis, self.ndim)
        out_kept = xp.max(a, axis=axes, keepdims=True)
        out = out_kept if keepdims else xp.reshape(out_kept, tuple(n for i, n in enumerate(shape) if i not in axes))

        def backward(g):
            winners = xp.astype(a == out_kept, a.dtype)
            share = winners / xp.sum(winners, axis=axes, keepdims=True)
            return (_expand_to(xp, g, shape, axes, keepdims) * share,)
        return self._result(out, (self,), backward, "max")

    def argmax(self, axis: int | None = None) -> Tensor:
        """Index of the largest entry (along `axis`): an int64 tensor without gradient."""
        xp = self._backend.xp
        if axis is None:
            return Tensor._wrap(xp.argmax(xp.reshape(self.data, (-1,))), self._backend)
        return Tensor._wrap(xp.argmax(self.data, axis=axis), self._backend)

    # --- shapes ------------------------------------------------------------------------

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same numbers in a new shape; the gradient is reshaped back."""
        xp, old = self._backend.xp, self.shape
        shape = _shape_arg(shape)
        try:
            out = xp.reshape(self.data, shape)
        except ValueError:
            raise ShapeError(f"cannot reshape a tensor of shape {old} ({self.size} elements) to {shape}") from None

        def backward(g):
            return (xp.reshape(g, old),)
        return self._result(out, (self,), backward, "reshape")

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """Permute the axes (reverse them when none are given); the gradient is permuted back."""
        xp, ndim = self._backend.xp, self.data.ndim
        axes = _shape_arg(axes) or tuple(range(ndim - 1, -1, -1))
        if sorted(a % max(ndim, 1) for a in axes) != list(range(ndim)):
            raise ShapeError(f"transpose{axes} is not a permutation of the {ndim} axes of shape {self.shape}")
        axes = tuple(a % ndim for a in axes)
        inverse = tuple(sorted(range(ndim), key=axes.__getitem__))

        def backward(g):
            return (xp.permute_dims(g, inverse),)
        return self._result(xp.permute_dims(self.data, axes), (self,), backward, "transpose")

    @property
    def T(self) -> Tensor:
        """All axes reversed (for a matrix: its transpose)."""
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        """x[index] with slices, integers and integer arrays; the backward scatter-adds,
        so an element picked twice gets both gradients."""
        backend, shape, dtype = self._backend, self.shape, self.dtype
        index = _index_arg(index, backend)
        try:
            out = backend.getitem(self.data, index)
        except IndexError as exc:
            raise IndexError(f"index {_describe_index(index)} does not fit a tensor of shape {shape}: {exc}") from None

        def backward(g):
            return (backend.scatter_add(backend.xp.zeros(shape, dtype=dtype), index, g),)
        return self._result(out, (self,), backward, "index")


# --- operations on several tensors ------------------------------------------------


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """C = A @ B, for 1-D, 2-D and batched operands (as NumPy's matmul).

    With G = dL/dC:  dL/dA = G @ B^T  and  dL/dB = A^T @ G  (summed over
    broadcast batch axes; a 1-D operand is treated as a row or a column).
    """
    if a._backend is not b._backend:
        raise DeviceError(f"tensors on different devices: {a.device} and {b.device}; "
                          "move one with .to(device) first")
    xp, A, B = a._backend.xp, a.data, b.data
    _check_matmul_shapes(a.shape, b.shape)
    out = xp.matmul(A, B)
    if A.ndim == 2 and B.ndim == 2:
        def backward(g):
            ga = xp.matmul(g, B.mT) if a.requires_grad else None
            gb = xp.matmul(A.mT, g) if b.requires_grad else None
            return ga, gb
    else:
        def backward(g):
            return _matmul_backward_general(xp, A, B, g, a.requires_grad, b.requires_grad)
    return a._result(out, (a, b), backward, "@")


def _matmul_backward_general(xp, A, B, g, need_a: bool, need_b: bool):
    """matmul's gradient with 1-D operands promoted to matrices and batch axes summed back."""
    A2 = xp.reshape(A, (1, -1)) if A.ndim == 1 else A
    B2 = xp.reshape(B, (-1, 1)) if B.ndim == 1 else B
    if A.ndim == 1 and B.ndim == 1:
        g = xp.reshape(g, (1, 1))
    elif A.ndim == 1:
        g = xp.expand_dims(g, axis=-2)
    elif B.ndim == 1:
        g = xp.expand_dims(g, axis=-1)
    ga = xp.reshape(unbroadcast(xp, xp.matmul(g, B2.mT), A2.shape), A.shape) if need_a else None
    gb = xp.reshape(unbroadcast(xp, xp.matmul(A2.mT, g), B2.shape), B.shape) if need_b else None
    return ga, gb


def _check_matmul_shapes(a: tuple, b: tuple) -> None:
    if not a or not b:
        raise ShapeError(f"matmul needs tensors with at least 1 axis, got shapes {a} and {b}")
    inner_a, inner_b = a[-1], (b[0] if len(b) == 1 else b[-2])
    if inner_a != inner_b:
        raise ShapeError(f"matmul of shapes {a} and {b}: the last axis of the first ({inner_a}) must equal "
                         f"the {'only' if len(b) == 1 else 'second-to-last'} axis of the second ({inner_b})")
    try:
        np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        raise ShapeError(f"matmul of shapes {a} and {b}: batch axes {a[:-2]} and {b[:-2]} do not broadcast") from None


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; each gets back its slice of the gradient."""
    tensors = _same_device(tensors)
    first = tensors[0]
    xp, ndim = first._backend.xp, first.ndim
    axis = axis % ndim if ndim else 0
    try:
        out = xp.concat([t.data for t in tensors], axis=axis)
    except ValueError:
        raise ShapeError(f"cannot concatenate shapes {[t.shape for t in tensors]} along axis {axis}") from None
    bounds = np.cumsum([0] + [t.shape[axis] for t in tensors])

    def backward(g):
        return tuple(_slice_axis(g, axis, int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:]))
    return first._result(out, tuple(tensors), backward, "concatenate")


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    tensors = _same_device(tensors)
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ShapeError(f"stack needs tensors of one shape, got {[t.shape for t in tensors]}")
    axis = axis % (tensors[0].ndim + 1)
    return concatenate([t.reshape(t.shape[:axis] + (1,) + t.shape[axis:]) for t in tensors], axis=axis)


# --- helpers ---------------------------------------------------------------------


def unbroadcast(xp, g: Any, shape: tuple) -> Any:
    """Sum `g` over the axes that broadcasting added or stretched, so it has `shape` again."""
    if tuple(g.shape) == tuple(shape):
        return g
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    return xp.reshape(g, shape)


def _expand_to(xp, g: Any, shape: tuple, axes: tuple, keepdims: bool) -> Any:
    """Undo a reduction over `axes`: put the reduced axes back and broadcast to `shape`."""
    if not keepdims and axes:
        g = xp.reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return xp.broadcast_to(g, shape)


def _broadcast_op(fn, a: Tensor, b: Tensor, op: str) -> Any:
    """fn(a.data, b.data), with a clear error when the shapes do not broadcast."""
    try:
        return fn(a.data, b.data)
    except ValueError:
        if _broadcastable(a.shape, b.shape):
            raise
        raise ShapeError(f"shapes {a.shape} and {b.shape} do not broadcast for '{op}': "
                         "aligned from the right, each pair of axes must be equal or one of them 1") from None


def _broadcastable(a: tuple, b: tuple) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def _normalize_axes(axis: Any, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if axis.__class__ is int and 0 <= axis < ndim:
        return (axis,)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ShapeError(f"axis {a} is out of range for a tensor with {ndim} axes")
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def _shape_arg(shape: tuple) -> tuple:
    """Accept f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _index_arg(index: Any, backend: Backend) -> Any:
    """Tensors and lists inside an index become arrays of the backend."""
    if isinstance(index, tuple):
        return tuple(_index_arg(i, backend) for i in index)
    if isinstance(index, Tensor):
        if index._backend is not backend:
            raise DeviceError(f"an index on {index.device} cannot index a tensor on {backend.device}")
        return index.data
    if isinstance(index, list):
        return backend.asarray(np.asarray(index))
    if isinstance(index, np.ndarray) and backend.name != "numpy":
        return backend.asarray(index)
    return index


def _describe_index(index: Any) -> str:
    if isinstance(index, tuple):
        return "[" + ", ".join(_describe_index(i)[1:-1] for i in index) + "]"
    if hasattr(index, "shape") and not isinstance(index, (int, slice)):
        return f"[integer array of shape {tuple(index.shape)}]"
    return f"[{index!r}]"


def _slice_axis(g: Any, axis: int, lo: int, hi: int) -> Any:
    return g[(slice(None),) * axis + (slice(lo, hi),) + (Ellipsis,)]


def _same_device(tensors: Iterable[Tensor]) -> list:
    tensors = list(tensors)
    if not tensors:
        raise ValueError("need at least one tensor")
    devices = {t.device for t in tensors}
    if len(devices) > 1:
        raise DeviceError(f"tensors on different devices: {sorted(devices)}")
    return tensors


def _to_array(data: Any, backend: Backend, dtype: Any) -> Any:
    """Make an array of `backend` from `data`, following torch.tensor's dtype rules."""
    if isinstance(data, Tensor):
        data = data.data
    target = backend.dtype(dtype)
    name = backend_name_of_array(data)
    if name == backend.name:
        return data if target is None or data.dtype == target else backend.xp.astype(data, target)
    if name == "cupy":
        data = data.get()
    elif name == "array_api_strict":
        data = np.from_dlpack(data)
    elif name is None:
        data = _python_to_numpy(data)
    return backend.asarray(data, dtype=target)


def _python_to_numpy(data: Any) -> np.ndarray:
    """Nested lists and numbers: floats become float32, integers int64, booleans bool."""
    try:
        array = np.asarray(data)
    except ValueError as exc:
        raise ValueError(f"cannot make a tensor from this data (ragged nested lists?): {exc}") from None
    if array.dtype.kind == "f":
        return array.astype(np.float32)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "b":
        return array
    raise TypeError(f"cannot make a tensor from {type(data).__name__} data of dtype {array.dtype}")
