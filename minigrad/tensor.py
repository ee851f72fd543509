"""The tensor engine: n-dimensional arrays that record how they were computed.

Each operation computes its result (forward) and defines, right next to it,
`backward(g)`: given g = dL/d(out), it returns dL/d(input) for each input, in
the shape of out. The engine (`autograd.run_backward`) sums each of those
back over broadcast axes and casts it to its input's dtype, so an op's
backward is only its formula: for `a * b`, (g * b, g * a).

This file holds the Tensor itself: making one, its properties, leaving the
graph, arithmetic (+ - * / ** @, comparisons), in-place updates and the
backward call. Element-wise functions, reductions and shape operations live in
`minigrad/ops/` and are attached to Tensor as methods (`x.exp()`, `x.sum()`).

Arrays come from `minigrad.backend` (NumPy on "cpu", CuPy on "cuda"), so the
same code runs on both. Dtypes follow PyTorch's promotion (`minigrad.dtypes`).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterator

from . import autograd
from .backend import (Backend, DeviceError, array_device, dtype_name, format_array, get_backend, host_array,
                      python_number)
from .dtypes import DEFAULT_FLOAT, category, is_floating, result_type, scalar_dtype


class ShapeError(ValueError):
    """Two operands whose shapes do not fit the operation."""


class Tensor:
    """An array with an optional gradient, like `torch.Tensor`.

    Tensor(data, requires_grad=False, dtype=None, device="cpu")

    `data` may be a nested list or a number (floats become float32, integers
    int64, booleans bool, as `torch.tensor` does), an array (its dtype is kept)
    or a Tensor. The data is always copied.
    """

    __slots__ = ("data", "grad", "requires_grad", "_prev", "_backward", "_op", "_backend",
                 "_versions", "_version", "_base", "__weakref__")
    __array_priority__ = 1000  # numpy_array + tensor calls Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, device: str = "cpu"):
        backend = get_backend(device)
        self.data = _to_array(data, backend, dtype)
        self._backend = backend
        self.grad = None
        self._prev: tuple = ()
        self._backward = None
        self._op = ""
        self._versions: tuple = ()
        self._version = 0
        self._base = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array: Any, backend: Backend) -> Tensor:
        """A tensor around an existing array of `backend` (no copy, no checks)."""
        out = cls.__new__(cls)
        out.data, out._backend, out.grad, out.requires_grad = array, backend, None, False
        out._prev, out._backward, out._op, out._versions, out._version, out._base = (), None, "", (), 0, None
        return out

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Ask for (or stop asking for) this tensor's gradient; only floating tensors can have one."""
        if flag and not is_floating(self.dtype_name):
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

    def dim(self) -> int:
        """The number of axes (as torch's `dim()`)."""
        return self.data.ndim

    def size(self, dim: int | None = None) -> tuple | int:
        """The shape, or the length of axis `dim` (as torch's `size()`)."""
        if dim is None:
            return self.shape
        return self.shape[_axis(dim, self.ndim)]

    def numel(self) -> int:
        """The number of elements."""
        return math.prod(self.data.shape)

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

    def __iter__(self) -> Iterator[Tensor]:
        if not self.shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        extras = [f"dtype={self.dtype_name}"]
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({format_array(self.numpy(), 'Tensor(')}, {', '.join(extras)})"

    # --- Python conversions, as in torch -------------------------------------------

    def _single_element(self, what: str) -> Any:
        if self.numel() != 1:
            raise RuntimeError(f"{what} needs a tensor with one element, this one has shape {self.shape} "
                               f"({self.numel()} elements): reduce it first (.sum(), .mean(), .any(), .all())")
        return self.numpy().reshape(()).item()

    def item(self) -> float | int | bool:
        """The single number this tensor holds, as a Python number."""
        return self._single_element("item()")

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"the truth value of a tensor with {self.numel()} elements is ambiguous: "
                               "use .any() or .all(), or compare one element")
        return bool(self._single_element("bool()"))

    def __float__(self) -> float:
        return float(self._single_element("float()"))

    def __int__(self) -> int:
        return int(self._single_element("int()"))

    def __index__(self) -> int:
        if category(self.dtype_name) == 2:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self._single_element("an index"))

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def tolist(self) -> Any:
        return self.numpy().tolist()

    # --- leaving the graph, the device and the dtype --------------------------------

    def numpy(self) -> Any:
        """A NumPy copy of the data (from the GPU if it lives there)."""
        return self._backend.to_numpy(self.data)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (no grad, no history); an in-place change shows in both."""
        out = Tensor._wrap(self.data, self._backend)
        out._base = self._root()
        return out

    def clone(self) -> Tensor:
        """A copy of the data, in the graph: d(clone)/dx = 1."""
        return self._result(self._backend.xp.asarray(self.data, copy=True), (self,), lambda g: (g,), "clone")

    def to(self, *args: Any, device: str | None = None, dtype: Any = None) -> Tensor:
        """The tensor on `device` and/or as `dtype`: `t.to("cuda")`, `t.to("float64")`, `t.to("cpu", "float32")`.

        The result stays in the graph: its gradient goes back to this device and dtype.
        Returns the tensor itself when nothing changes.
        """
        for arg in args:
            if _is_device_name(arg):
                device = arg
            else:
                dtype = arg
        out = self
        if device is not None and get_backend(device) is not self._backend:
            out = out._moved_to(get_backend(device))
        if dtype is not None and dtype_name(dtype) != out.dtype_name:
            out = out.astype(dtype)
        return out

    def _moved_to(self, target: Backend) -> Tensor:
        source = self._backend
        out = Tensor._wrap(target.asarray(source.to_numpy(self.data)), target)
        if autograd._grad_enabled and self.requires_grad:
            out.requires_grad, out._prev, out._op, out._versions = True, (self,), "to", (self._version_counter(),)
            out._backward = lambda g: (source.asarray(target.to_numpy(g)),)
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device: int | str = 0) -> Tensor:
        return self.to(device if isinstance(device, str) else f"cuda:{device}")

    def astype(self, dtype: Any) -> Tensor:
        """The data cast to `dtype`. Differentiable into floating dtypes (the gradient is cast
        back); a cast to an integer or bool dtype is a new leaf without gradient."""
        xp, source = self._backend.xp, self.dtype
        target = self._backend.dtype(dtype)
        out = xp.astype(self.data, target)
        if not is_floating(dtype_name(target)):
            return Tensor._wrap(out, self._backend)
        return self._result(out, (self,), lambda g: (xp.astype(g, source),), "astype")

    def float(self) -> Tensor:
        return self.astype("float32")

    def double(self) -> Tensor:
        return self.astype("float64")

    def half(self) -> Tensor:
        return self.astype("float16")

    def long(self) -> Tensor:
        return self.astype("int64")

    def int(self) -> Tensor:
        return self.astype("int32")

    def bool(self) -> Tensor:
        return self.astype("bool")

    # --- building the graph -------------------------------------------------

    def _result(self, array: Any, parents: tuple, backward: Callable, op: str) -> Tensor:
        """Wrap an op's output; record the op only if some input needs a gradient."""
        out = Tensor._wrap(array, self._backend)
        if autograd._grad_enabled:
            for p in parents:
                if p.requires_grad:
                    out.requires_grad, out._prev, out._backward, out._op = True, parents, backward, op
                    out._versions = tuple([q._version if q._base is None else q._base._version for q in parents])
                    break
        return out

    def _root(self) -> Tensor:
        """The tensor whose memory this one views (itself if it is no view)."""
        return self if self._base is None else self._base

    def _version_counter(self) -> int:
        """How many in-place changes this tensor's memory has seen."""
        return self._version if self._base is None else self._base._version

    def _operand(self, other: Any) -> Tensor:
        """`other` as a Tensor on this tensor's device; a Python number stays a number (weak)."""
        if isinstance(other, Tensor):
            if other._backend is not self._backend:
                raise DeviceError(f"tensors on different devices: {self.device} and {other.device}; "
                                  "move one with .to(device) first")
            return other
        number = python_number(other)
        if number is not None:
            return number
        if isinstance(other, (tuple, list)) and any(isinstance(o, (Tensor, tuple)) for o in other):
            raise TypeError(f"cannot combine a tensor with a {type(other).__name__} of tensors: "
                            "max(dim=...) and min(dim=...) return (values, indices); use .values")
        if self._backend.owns(other):
            return Tensor._wrap(other, self._backend)
        device = array_device(other)
        if device is not None and device != self.device.split(":")[0]:
            raise DeviceError(f"a {device} array cannot mix with a tensor on {self.device}: "
                              "wrap it in Tensor(..., device=...) to move it explicitly")
        return Tensor._wrap(_to_array(other, self._backend, None), self._backend)

    def _promoted(self, other: Any) -> tuple[Tensor | Any, Any, Any, str]:
        """(other as operand, self's array, other's array, their common dtype) for a binary op."""
        other = self._operand(other)
        a = self.data
        if isinstance(other, Tensor):
            b = other.data
            if b.dtype == a.dtype:
                return other, a, b, self.dtype_name
            name = result_type((self.dtype_name, a.ndim), (other.dtype_name, b.ndim))
        else:
            name = result_type((self.dtype_name, a.ndim), (scalar_dtype(other), None))
            b = _scalar_array(self._backend.xp, other, self._backend.dtype(name))
        xp, target = self._backend.xp, self._backend.dtype(name)
        if a.dtype != target:
            a = xp.astype(a, target)
        if b.dtype != target:
            b = xp.astype(b, target)
        return other, a, b, name

    def _binary(self, other: Any, fn: Callable, backward_of: Callable, op: str, floating: bool = False) -> Tensor:
        """out = fn(a, b) after promotion; backward_of(a, b, out, need_a, need_b) makes the backward."""
        other, a, b, name = self._promoted(other)
        if floating and not is_floating(name):  # true division: each operand as it is, straight to float (torch)
            xp, target = self._backend.xp, self._backend.dtype(DEFAULT_FLOAT)
            a = xp.astype(self.data, target)
            b = xp.astype(other.data, target) if isinstance(other, Tensor) else xp.asarray(other, dtype=target)
        out = _broadcast(fn, a, b, op)
        if out.dtype != a.dtype:  # NumPy computes bool ** bool in int8
            out = self._backend.xp.astype(out, a.dtype)
        if not isinstance(other, Tensor):
            return self._result(out, (self,), backward_of(a, b, out, True, False), op)
        return self._result(out, (self, other), backward_of(a, b, out, self.requires_grad, other.requires_grad), op)

    def backward(self, grad: Any = None) -> None:
        """Compute d(self)/d(t) for every tensor t this one depends on, into `t.grad`.

        With no `grad`, self must hold a single number (a loss): dL/dL = 1.
        Otherwise `grad` is dL/d(self), of self's shape. Gradients of leaves
        accumulate: call `zero_grad()` (or set `.grad = None`) between steps.
        Intermediate tensors hold this call's gradient only (as `Value` does).
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad: no input of its graph "
                               "was created with requires_grad=True (or it was computed under no_grad())")
        xp = self._backend.xp
        if grad is None:
            if self.numel() != 1:
                raise RuntimeError(f"backward() without grad needs a single number, this tensor has shape "
                                   f"{self.shape}: reduce it to a loss first (e.g. .sum() or .mean()) "
                                   "or pass grad= of the same shape")
            grad = xp.ones(self.data.shape, dtype=self.dtype)
        else:
            grad = grad.data if isinstance(grad, Tensor) else _to_array(grad, self._backend, None)
            if tuple(grad.shape) != self.shape:
                raise ShapeError(f"backward(grad) needs grad of shape {self.shape}, got {tuple(grad.shape)}")
            grad = xp.astype(grad, self.dtype, copy=True)
        autograd.run_backward(self, grad)

    def zero_grad(self) -> None:
        self.grad = None

    # --- arithmetic: each op's gradient next to its forward -------------------------

    def __add__(self, other: Any) -> Tensor:
        """d(a+b)/da = 1, d(a+b)/db = 1."""
        return self._binary(other, _add, lambda a, b, out, na, nb: lambda g: (g, g), "+")

    def __sub__(self, other: Any) -> Tensor:
        """d(a-b)/da = 1, d(a-b)/db = -1."""
        return self._binary(other, _sub, lambda a, b, out, na, nb: lambda g: (g, -g if nb else None), "-")

    def __mul__(self, other: Any) -> Tensor:
        """d(ab)/da = b, d(ab)/db = a."""
        def backward_of(a, b, out, need_a, need_b):
            return lambda g: (g * b if need_a else None, g * a if need_b else None)
        return self._binary(other, _mul, backward_of, "*")

    def __truediv__(self, other: Any) -> Tensor:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -out/b. Integers divide as floats."""
        def backward_of(a, b, out, need_a, need_b):
            return lambda g: (g / b if need_a else None, -g * out / b if need_b else None)
        with self._backend.errstate():
            return self._binary(other, _div, backward_of, "/", floating=True)

    def __mod__(self, other: Any) -> Tensor:
        """a mod b with the sign of b, as torch.remainder; d/da = 1, d/db = -floor(a / b) (a // b)."""
        xp = self._backend.xp

        def backward_of(a, b, out, need_a, need_b):
            return lambda g: (g if need_a else None, -g * xp.floor_divide(a, b) if need_b else None)
        with self._backend.errstate():
            return self._binary(other, xp.remainder, backward_of, "%")

    def __rmod__(self, other: Any) -> Tensor:
        return self._tensor_operand(other) % self

    def __floordiv__(self, other: Any) -> Tensor:
        """floor(a / b), as torch.floor_divide, which has no gradient either (backward through it is an error)."""
        def backward_of(a, b, out, need_a, need_b):
            def backward(g):
                raise RuntimeError("floor division (//) has no gradient (PyTorch: 'derivative for floor_divide is "
                                   "not implemented'): compute it under no_grad() or from x.detach()")
            return backward
        with self._backend.errstate():
            return self._binary(other, self._backend.xp.floor_divide, backward_of, "//")

    def __rfloordiv__(self, other: Any) -> Tensor:
        return self._tensor_operand(other) // self

    def __pow__(self, exponent: Any) -> Tensor:
        """d(a^b)/da = b a^(b-1) (0 where b = 0); d(a^b)/db = a^b ln a (0 where a = 0 and b >= 0).

        Those conventions, and nan for a negative base with a fractional exponent, are PyTorch's.
        """
        xp = self._backend.xp
        operand = self._operand(exponent)
        negative = operand < 0 if isinstance(operand, int) else (
            isinstance(operand, Tensor) and category(operand.dtype_name) == 1 and bool(xp.any(operand.data < 0)))
        if negative and not is_floating(self.dtype_name):
            shown = operand if isinstance(operand, int) else "a tensor with negative entries"
            raise RuntimeError(f"integers to negative integer powers are not allowed ({self.dtype_name} tensor "
                               f"** {shown}): make the base a float tensor first (x.float())")

        if operand.__class__ in (int, float) and operand in (2, 3) and is_floating(self.dtype_name):
            return self._square_or_cube(int(operand))
        if self.dtype_name == "bool" and isinstance(operand, Tensor) and operand.dtype_name == "bool":
            raise TypeError("** of two bools is not defined (as in PyTorch): convert one first, e.g. x.long()")

        def backward_of(a, b, out, need_a, need_b):
            def backward(g):
                with self._backend.errstate():
                    ga = xp.where(b == 0, xp.zeros_like(a), g * b * a ** (b - 1)) if need_a else None
                    gb = g * xp.where((a == 0) & (b >= 0), xp.zeros_like(a), out * xp.log(a)) if need_b else None
                return ga, gb
            return backward
        with self._backend.errstate():
            return self._binary(exponent, _pow, backward_of, "**")

    def _square_or_cube(self, n: int) -> Tensor:
        """x**2 = x x and x**3 = x x x by multiplication (as PyTorch; a general power is many times
        slower); d/dx = 2 x or 3 x^2."""
        a = self.data
        if n == 2:
            return self._result(a * a, (self,), lambda g: (g * (2 * a),), "**2")
        return self._result(a * a * a, (self,), lambda g: (g * (3 * (a * a)),), "**3")

    def __neg__(self) -> Tensor:
        if self.dtype_name == "bool":
            raise TypeError("negation (-) of a bool tensor is not defined: use ~x (logical not)")
        return self._result(-self.data, (self,), lambda g: (-g,), "neg")

    def __pos__(self) -> Tensor:
        return self

    def __invert__(self) -> Tensor:
        """~x: logical not of a bool tensor, bitwise not of an integer one."""
        if is_floating(self.dtype_name):
            raise TypeError("~ is defined for bool and integer tensors only")
        xp = self._backend.xp
        out = xp.logical_not(self.data) if self.dtype_name == "bool" else xp.bitwise_invert(self.data)
        return Tensor._wrap(out, self._backend)

    def __radd__(self, other: Any) -> Tensor:
        return self + other

    def __rmul__(self, other: Any) -> Tensor:
        return self * other

    def __rsub__(self, other: Any) -> Tensor:
        return self._tensor_operand(other) - self

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._tensor_operand(other) / self

    def __rpow__(self, base: Any) -> Tensor:
        return self._tensor_operand(base) ** self

    def __matmul__(self, other: Any) -> Tensor:
        return matmul(self, self._as_tensor(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul(self._as_tensor(other), self)

    def _as_tensor(self, other: Any) -> Tensor:
        other = self._operand(other)
        return other if isinstance(other, Tensor) else Tensor._wrap(self._backend.xp.asarray(other), self._backend)

    def _tensor_operand(self, other: Any) -> Tensor:
        """`other` as a Tensor; a number becomes a 0-d constant of the dtype it stands for beside this tensor."""
        other = self._operand(other)
        if isinstance(other, Tensor):
            return other
        name = result_type((self.dtype_name, self.ndim), (scalar_dtype(other), None))
        return Tensor._wrap(_scalar_array(self._backend.xp, other, self._backend.dtype(name)), self._backend)

    # --- comparisons and logic (no gradient: they return bool tensors) ----------------

    def _compare(self, other: Any, fn: Callable, op: str) -> Tensor:
        _, a, b, _ = self._promoted(other)
        return Tensor._wrap(_broadcast(fn, a, b, op), self._backend)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, lambda a, b: a < b, "<")

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, lambda a, b: a <= b, "<=")

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, lambda a, b: a > b, ">")

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, lambda a, b: a >= b, ">=")

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        """Element-wise a == b, a bool tensor (tensors still hash by identity, as in torch); x == None is False."""
        if other is None:
            return False  # type: ignore[return-value]
        return self._compare(other, lambda a, b: a == b, "==")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        if other is None:
            return True  # type: ignore[return-value]
        return self._compare(other, lambda a, b: a != b, "!=")

    __hash__ = object.__hash__

    def eq(self, other: Any) -> Tensor:
        return self == other

    def ne(self, other: Any) -> Tensor:
        return self != other

    def _logical(self, other: Any, fn: Callable, op: str) -> Tensor:
        _, a, b, name = self._promoted(other)
        if is_floating(name):
            raise TypeError(f"'{op}' is defined for bool and integer tensors only, got {name}")
        return Tensor._wrap(_broadcast(fn, a, b, op), self._backend)

    def __and__(self, other: Any) -> Tensor:
        return self._logical(other, lambda a, b: a & b, "&")

    def __or__(self, other: Any) -> Tensor:
        return self._logical(other, lambda a, b: a | b, "|")

    def __xor__(self, other: Any) -> Tensor:
        return self._logical(other, lambda a, b: a ^ b, "^")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    # --- in-place updates, with torch's rules --------------------------------------------

    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place("+=", other, lambda x, other: x + other)

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place("-=", other, lambda x, other: x - other)

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place("*=", other, lambda x, other: x * other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place("/=", other, lambda x, other: x / other)

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._in_place("add_", other, lambda x, other: x + other * alpha if alpha != 1 else x + other)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._in_place("sub_", other, lambda x, other: x - other * alpha if alpha != 1 else x - other)

    def mul_(self, other: Any) -> Tensor:
        return self._in_place("mul_", other, lambda x, other: x * other)

    def div_(self, other: Any) -> Tensor:
        return self._in_place("div_", other, lambda x, other: x / other)

    def zero_(self) -> Tensor:
        """Set every element to 0, in place."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        """Set every element to `value` (a number or a one-element tensor), in place."""
        from .ops.shape import index_put

        return self._in_place("fill_", value, lambda x, value: index_put(x, ..., value), cast=True)

    def copy_(self, source: Any) -> Tensor:
        """Copy `source` (broadcast to this shape, cast to this dtype) into this tensor, in place."""
        from .ops.shape import index_put

        return self._in_place("copy_", source, lambda x, source: index_put(x, ..., source), cast=True)

    def __setitem__(self, index: Any, value: Any) -> None:
        """x[index] = value, in place (value broadcast to the selected shape, cast to x's dtype)."""
        from .ops.shape import index_put

        self._in_place("item assignment", value, lambda x, value: index_put(x, index, value), cast=True)

    def _in_place(self, op: str, other: Any, compute: Callable[[Tensor, Any], Tensor], cast: bool = False) -> Tensor:
        """Replace this tensor's value by compute(itself, other), keeping the same object (as torch's in-place ops).

        Outside the graph (no_grad, or nothing involved requires grad) the memory
        itself is overwritten, so views of it see the change. Inside the graph the
        op is recorded like any other and this tensor becomes its output, while
        the old value stays in the graph for the ops that used it; those ops
        refuse to backpropagate through the changed tensor (its version moved on).
        The result is cast to this tensor's dtype; with `cast=False` (arithmetic)
        only if that loses no category (an int tensor cannot take a float result).
        """
        records = autograd._grad_enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad))
        if records and self.requires_grad and self._backward is None:
            raise RuntimeError(
                f"a leaf tensor that requires grad cannot be changed in place ({op}): backward would need its "
                "old value. To update parameters, do it inside `with mg.no_grad():`; to compute with it, "
                "use an out-of-place op (y = x + 1).")
        if records and self._base is not None:
            raise RuntimeError(f"in-place change ({op}) of a view of another tensor inside the graph is not "
                               "supported: compute a new tensor instead (out-of-place)")
        old = self._snapshot() if records else self
        with autograd.set_grad_enabled(records):
            new = compute(old, old if other is self else other)
            if new.dtype_name != self.dtype_name:
                if not cast and category(new.dtype_name) > category(self.dtype_name):
                    raise RuntimeError(f"{op}: the result is {new.dtype_name}, which cannot be stored in this "
                                       f"{self.dtype_name} tensor in place; use an out-of-place op, or convert "
                                       "the tensor first (e.g. x = x.float())")
                new = new.astype(self.dtype_name)
        if new.shape != self.shape:
            raise ShapeError(f"{op}: a result of shape {new.shape} does not fit this tensor's shape {self.shape}")
        if records:
            self.data, self._prev, self._backward, self._op = new.data, new._prev, new._backward, new._op
            self._versions, self.requires_grad, self.grad = new._versions, new.requires_grad, None
            self._version += 1
        else:
            self._overwrite(new.data, op)
        return self

    def _snapshot(self) -> Tensor:
        """A new tensor object that takes over this one's place in the graph."""
        old = Tensor._wrap(self.data, self._backend)
        old.requires_grad, old._prev, old._backward, old._op = self.requires_grad, self._prev, self._backward, self._op
        old._versions, old._version = self._versions, self._version
        return old

    def _overwrite(self, array: Any, op: str) -> None:
        """Write `array` (of this shape and dtype) into this tensor's memory."""
        try:
            self._backend.setitem(self.data, ..., array)
        except TypeError:  # a NumPy scalar, as a full reduction returns: nothing views it, so replace it
            self.data = self._backend.asarray(array, copy=True)
        except ValueError as exc:
            raise RuntimeError(f"{op}: this tensor's memory cannot be written ({exc}); it may be an "
                               "expand()-ed view: make a copy with .clone() first") from None
        self._root()._version += 1


# --- matrix product -----------------------------------------------------------------------


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """C = A @ B, for 1-D, 2-D and batched operands (as NumPy's and torch's matmul).

    With G = dL/dC:  dL/dA = G B^T  and  dL/dB = A^T G. A 1-D operand is a row
    (on the left) or a column (on the right); batch axes broadcast, and the
    engine sums their gradients back.
    """
    if a._backend is not b._backend:
        raise DeviceError(f"tensors on different devices: {a.device} and {b.device}; "
                          "move one with .to(device) first")
    _check_matmul(a, b)
    xp, A, B = a._backend.xp, a.data, b.data
    out = xp.matmul(A, B)

    def backward(g):
        A2 = xp.reshape(A, (1, -1)) if A.ndim == 1 else A
        B2 = xp.reshape(B, (-1, 1)) if B.ndim == 1 else B
        if B.ndim == 1:
            g = xp.expand_dims(g, axis=-1)
        if A.ndim == 1:
            g = xp.expand_dims(g, axis=-2)
        ga = xp.matmul(g, B2.mT) if a.requires_grad else None
        gb = xp.matmul(A2.mT, g) if b.requires_grad else None
        if ga is not None and A.ndim == 1:
            ga = ga[..., 0, :]
        if gb is not None and B.ndim == 1:
            gb = gb[..., 0]
        return ga, gb
    return a._result(out, (a, b), backward, "@")


def _check_matmul(a: Tensor, b: Tensor) -> None:
    sa, sb = a.shape, b.shape
    if not sa or not sb:
        raise ShapeError(f"matmul needs tensors with at least 1 axis, got shapes {sa} and {sb}")
    if a.dtype != b.dtype:
        raise TypeError(f"matmul of a {a.dtype_name} and a {b.dtype_name} tensor: both must have the same dtype "
                        f"(as in PyTorch). Convert one, e.g. x.float() for float32 (NumPy data: "
                        "X.astype(np.float32)) or x.double() for float64")
    inner_a, inner_b = sa[-1], (sb[0] if len(sb) == 1 else sb[-2])
    if inner_a != inner_b:
        raise ShapeError(f"matmul of shapes {sa} and {sb}: the last axis of the first ({inner_a}) must equal "
                         f"the {'only' if len(sb) == 1 else 'second-to-last'} axis of the second ({inner_b})")
    if _broadcast_shape(sa[:-2], sb[:-2]) is None:
        raise ShapeError(f"matmul of shapes {sa} and {sb}: batch axes {sa[:-2]} and {sb[:-2]} do not broadcast")


# --- helpers --------------------------------------------------------------------------------

def _add(a, b):
    return a + b


def _sub(a, b):
    return a - b


def _mul(a, b):
    return a * b


def _div(a, b):
    return a / b


def _pow(a, b):
    return a ** b


def _broadcast(fn: Callable, a: Any, b: Any, op: str) -> Any:
    """fn(a, b), with a clear error when the shapes do not broadcast."""
    try:
        return fn(a, b)
    except ValueError:
        if _broadcast_shape(tuple(a.shape), tuple(b.shape)) is not None:
            raise
        raise ShapeError(f"shapes {tuple(a.shape)} and {tuple(b.shape)} do not broadcast for '{op}': aligned "
                         "from the right, each pair of axes must be equal or one of them 1") from None


def _broadcast_shape(a: tuple, b: tuple) -> tuple | None:
    """The shape a and b broadcast to, or None if they do not."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            return None
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def _axis(dim: Any, ndim: int) -> int:
    """`dim` as an axis in [0, ndim), or an IndexError naming it (0-d tensors accept 0 and -1, as torch)."""
    if isinstance(dim, Tensor) or not hasattr(dim, "__index__") or isinstance(dim, bool):
        raise TypeError(f"an axis must be an int, got {type(dim).__name__}")
    dim = int(dim.__index__())
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(f"dimension {dim} is out of range for a tensor with {ndim} dimensions "
                         f"(expected one in [{-bound}, {bound - 1}])")
    return dim % bound


def _is_device_name(arg: Any) -> bool:
    return isinstance(arg, str) and (arg.lower() == "cpu" or arg.lower().startswith("cuda"))


def _scalar_array(xp, value: Any, dtype: Any) -> Any:
    """A Python number as a 0-d array of `dtype`; an integer outside a small integer dtype's range wraps
    around, as in torch (uint8: -1 becomes 255)."""
    try:
        return xp.asarray(value, dtype=dtype)
    except OverflowError:
        return xp.astype(xp.asarray(value), dtype)


def _to_array(data: Any, backend: Backend, dtype: Any) -> Any:
    """A new array of `backend` holding `data`, following torch.tensor's dtype rules."""
    if isinstance(data, Tensor):
        data = data.data
    if not backend.owns(data):
        data = host_array(data, dtype)
    name = dtype_name(dtype) if dtype is not None else dtype_name(data.dtype)
    category(name)  # a clear error for a dtype minigrad does not support
    return backend.asarray(data, dtype=name, copy=True)


from . import ops  # noqa: E402,F401  (attaches exp, sum, reshape, ... to Tensor)
