"""One place for every array call: an array namespace per device.

The engine (tensor, ops, functional, nn) never imports NumPy or CuPy and never
asks which library it runs on. It asks `get_backend(device)` for a `Backend`,
whose `xp` is an array namespace following the Python array API standard
(NumPy >= 2 and CuPy >= 14 both are), plus the few calls that standard lacks:
scatter-add, random numbers, `erf`, the way back to a NumPy array, and
whether an array owns its memory. Each library is a subclass that fills those in.

Devices:
    "cpu"               NumPy
    "cuda", "cuda:N"    CuPy on GPU N (imported only when asked for)

Another namespace can serve "cpu" for testing the seam: `register_cpu_backend`
adds a factory under a name, `use_cpu_namespace(name)` switches to it.
"""
from __future__ import annotations

import contextlib
import copy
from typing import Any, Callable

import numpy as np

__all__ = [
    "Backend", "get_backend", "parse_device", "cuda_available", "cuda_status", "register_cpu_backend",
    "use_cpu_namespace", "manual_seed", "get_rng_state", "set_rng_state", "DeviceError",
]


class DeviceError(RuntimeError):
    """A tensor was asked to live on, or mix with, a device that cannot serve it."""


class Backend:
    """An array namespace `xp` for one device, with the few extra calls the engine needs.

    This base class uses the array API standard alone; subclasses give faster or
    device-specific versions of the calls the standard does not have.
    """

    name = "array_api"

    def __init__(self, xp: Any, device: str):
        self.xp = xp
        self.device = device
        self._rng = None
        self._seed: int | None = None

    def __reduce__(self):
        """Copies and pickles of a tensor share its device's backend (a module cannot be copied)."""
        return (get_backend, (self.device,))

    def __deepcopy__(self, memo: dict) -> Backend:
        return self

    # --- arrays in and out ---------------------------------------------------

    def owns(self, array: Any) -> bool:
        """Whether this is one of this backend's arrays."""
        return type(array).__module__.split(".")[0] == self.xp.__name__.split(".")[0]

    def asarray(self, data: Any, dtype: Any = None, copy: bool | None = None) -> Any:
        """`data` (numbers, nested lists, or an array of any backend) as an array of this one.

        copy=None copies only when it must (another device or dtype), copy=True always.
        """
        if not self.owns(data) and _is_array(data):
            data = to_numpy(data)
        if copy is None:
            return self.xp.asarray(data, dtype=self.dtype(dtype))
        return self.xp.asarray(data, dtype=self.dtype(dtype), copy=copy)

    def to_numpy(self, array: Any) -> np.ndarray:
        """A NumPy copy of `array` (from the device when it lives elsewhere)."""
        return np.from_dlpack(array).copy()

    def owns_memory(self, array: Any) -> bool:
        """True when `array` is a fresh, writable block that nothing else refers to (no copy needed)."""
        return False

    def dtype(self, dtype: Any) -> Any:
        """This backend's dtype for `dtype` (a name such as "float32", a NumPy dtype, or its own)."""
        if dtype is None:
            return None
        return getattr(self.xp, dtype_name(dtype))

    def is_floating(self, dtype: Any) -> bool:
        return dtype_name(dtype) in ("float16", "float32", "float64")

    def errstate(self):
        """A context in which overflow, 0/0 and log(negative) give inf and nan silently, as in PyTorch."""
        return contextlib.nullcontext()

    # --- what the array API standard does not have ---------------------------

    def getitem(self, array: Any, index: Any) -> Any:
        """array[index], with slices, integers, None, Ellipsis, masks and integer arrays."""
        return array[index]

    def setitem(self, array: Any, index: Any, values: Any) -> None:
        """array[index] = values, in place."""
        array[index] = values

    def scatter_add(self, target: Any, index: Any, values: Any) -> Any:
        """target[index] += values, where repeated indices *accumulate* (unbuffered)."""
        host = self.to_numpy(target)
        np.add.at(host, _index_to_numpy(index), to_numpy(values))
        return self.asarray(host)

    def sum(self, array: Any, axis: Any = None, keepdims: bool = False) -> Any:
        """xp.sum, for the engine's hottest reductions (a backend may have a faster call)."""
        return self.xp.sum(array, axis=axis, keepdims=keepdims)

    def max(self, array: Any, axis: Any = None, keepdims: bool = False) -> Any:
        """xp.max, likewise."""
        return self.xp.max(array, axis=axis, keepdims=keepdims)

    def zero_where(self, mask: Any, values: Any) -> Any:
        """0 where `mask` is True, else `values`: xp.where(mask, 0, values), also where values is nan or inf."""
        return self.xp.where(mask, self.xp.zeros((), dtype=values.dtype), values)

    def cumsum(self, array: Any, axis: int) -> Any:
        """Running sums along `axis`."""
        return self.xp.cumulative_sum(array, axis=axis)

    def erf(self, array: Any) -> Any:
        """The error function, element-wise, to within 2 units of the last place of float64.

        Cephes' rational approximations (Moshier): erf(x) = x T(x^2) / U(x^2) for |x| <= 1,
        else 1 - erfc(|x|) with erfc(a) = e^(-a^2) P(a) / Q(a) (R / S beyond 8), the sign restored.
        Computed in float64, or in float32 for float32 input (as accurate as float32 can hold).
        """
        xp = self.xp
        work = xp.float32 if array.dtype == xp.float32 else xp.float64
        x = xp.astype(array, work)
        a = xp.minimum(xp.abs(x), xp.asarray(30.0, dtype=work))  # erfc(30) is 0 in float64
        with self.errstate():  # the branch not taken may overflow
            z = x * x
            small = x * _polynomial(z, _ERF_T) / _polynomial(z, _ERF_U, monic=True)
            tail = xp.where(a < 8, _polynomial(a, _ERFC_P) / _polynomial(a, _ERFC_Q, monic=True),
                            _polynomial(a, _ERFC_R) / _polynomial(a, _ERFC_S, monic=True))
            large = xp.sign(x) * (1 - xp.exp(-a * a) * tail)
        out = xp.where(xp.abs(x) <= 1, small, xp.where(x != x, x, large))
        return xp.astype(out, array.dtype)

    def sliding_windows(self, array: Any, window: tuple[int, int], stride: tuple[int, int]) -> Any:
        """Every (kH, kW) window of the last two axes, one every (sH, sW) positions, as an array of
        shape (..., OH, OW, kH, kW) with OH = (H - kH) // sH + 1 (likewise OW):

            out[..., i, j, a, b] = array[..., i * sH + a, j * sW + b]

        The patches of a convolution or a pooling layer (im2col). Here (and so on CuPy), kH * kW
        strided slices stacked, a copy; NumPy's version is a view that copies nothing.
        """
        (kh, kw), (sh, sw) = window, stride
        oh, ow = _window_count(array.shape[-2], kh, sh), _window_count(array.shape[-1], kw, sw)
        rows = [slice(a, a + sh * (oh - 1) + 1, sh) for a in range(kh)]
        cols = [slice(b, b + sw * (ow - 1) + 1, sw) for b in range(kw)]
        pieces = [self.getitem(array, (Ellipsis, r, c)) for r in rows for c in cols]
        return self.xp.reshape(self.xp.stack(pieces, axis=-1), tuple(array.shape[:-2]) + (oh, ow, kh, kw))

    # --- random numbers, generated on the device -----------------------------

    def seed(self, seed: int | None) -> None:
        self._rng = None
        self._seed = seed

    def _generator(self):
        if self._rng is None:
            self._rng = np.random.default_rng(self._seed)
        return self._rng

    def randn(self, shape: tuple, dtype: Any) -> Any:
        """Samples of the standard normal distribution N(0, 1)."""
        return self.asarray(self._generator().standard_normal(shape), dtype=dtype)

    def rand(self, shape: tuple, dtype: Any) -> Any:
        """Samples of the uniform distribution on [0, 1)."""
        return self.asarray(self._generator().random(shape), dtype=dtype)


class NumpyBackend(Backend):
    """The CPU, with NumPy (whose main namespace follows the array API standard since 2.0)."""

    name = "numpy"

    def __init__(self) -> None:
        super().__init__(np, "cpu")

    def owns(self, array: Any) -> bool:
        return isinstance(array, (np.ndarray, np.generic))

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.array(array, copy=True)

    def owns_memory(self, array: Any) -> bool:
        return array.flags.owndata and array.flags.writeable

    def errstate(self):
        return np.errstate(all="ignore")

    def getitem(self, array: Any, index: Any) -> Any:
        out = array[index]
        if isinstance(out, np.ndarray):
            return out
        return array[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]  # a 0-d view, not a scalar

    def scatter_add(self, target: Any, index: Any, values: Any) -> Any:
        np.add.at(target, index, values)
        return target

    def sliding_windows(self, array: Any, window: tuple[int, int], stride: tuple[int, int]) -> Any:
        view = np.lib.stride_tricks.sliding_window_view(array, window, axis=(-2, -1))
        return view[..., ::stride[0], ::stride[1], :, :]

    def cumsum(self, array: Any, axis: int) -> Any:
        return np.cumsum(array, axis=axis)

    def sum(self, array: Any, axis: Any = None, keepdims: bool = False) -> Any:
        """np.sum goes through a Python wrapper that costs as much as summing a small array."""
        return np.add.reduce(array, axis=axis, keepdims=keepdims)

    def max(self, array: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return np.maximum.reduce(array, axis=axis, keepdims=keepdims)

    def zero_where(self, mask: Any, values: Any) -> Any:
        """np.where is slow with a scalar; a bitwise AND of each value with all-zeros or all-ones bits
        gives the same array (0.0 is all zero bits) in a third of the time."""
        if values.dtype.kind != "f":
            return super().zero_where(mask, values)
        unsigned, signed = f"u{values.dtype.itemsize}", f"i{values.dtype.itemsize}"
        bits = np.subtract(mask, 1, dtype=signed).view(unsigned)  # True -> 0, False -> all ones
        return np.bitwise_and(values.view(unsigned), bits).view(values.dtype)

    def randn(self, shape: tuple, dtype: Any) -> Any:
        return self._generator().standard_normal(shape).astype(dtype, copy=False)

    def rand(self, shape: tuple, dtype: Any) -> Any:
        return self._generator().random(shape).astype(dtype, copy=False)


class CupyBackend(Backend):
    """An NVIDIA GPU, with CuPy (>= 14, which mirrors NumPy 2)."""

    name = "cupy"

    def __init__(self, cupy: Any, device: str):
        super().__init__(cupy, device)

    def to_numpy(self, array: Any) -> np.ndarray:
        return array.get()

    def owns_memory(self, array: Any) -> bool:
        return array.base is None

    def scatter_add(self, target: Any, index: Any, values: Any) -> Any:
        """cupyx.scatter_add relies on CUDA's atomicAdd, which it offers for float32 (and some
        integer types) only. For any other dtype, float64 included, each picked element's flat
        position is found by indexing an array of positions the same way, and `bincount` sums
        the values that land on each position."""
        import cupyx
        cupy = self.xp
        if target.dtype == cupy.float32:
            cupyx.scatter_add(target, index, values)
            return target
        positions = cupy.arange(target.size).reshape(target.shape)[index]
        weights = cupy.broadcast_to(values, positions.shape)
        sums = cupy.bincount(positions.ravel(), weights=weights.ravel(), minlength=target.size)
        return target + sums.reshape(target.shape).astype(target.dtype)

    def erf(self, array: Any) -> Any:
        import cupyx.scipy.special as special
        return special.erf(array)

    def cumsum(self, array: Any, axis: int) -> Any:
        return self.xp.cumsum(array, axis=axis)

    def _generator(self):
        if self._rng is None:
            self._rng = self.xp.random.default_rng(self._seed)
        return self._rng

    def randn(self, shape: tuple, dtype: Any) -> Any:
        return self._generator().standard_normal(shape).astype(dtype, copy=False)

    def rand(self, shape: tuple, dtype: Any) -> Any:
        return self._generator().random(shape).astype(dtype, copy=False)


def _polynomial(x: Any, coefficients: tuple, monic: bool = False) -> Any:
    """c0 x^n + c1 x^(n-1) + ... + cn by Horner's rule (with a leading 1 x^(n+1) when monic)."""
    out = x + coefficients[0] if monic else coefficients[0]
    for c in coefficients[1:]:
        out = out * x + c
    return out


_ERF_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
          7.00332514112805075473e3, 5.55923013010394962768e4)
_ERF_U = (3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
          2.26290000613890934246e4, 4.92673942608635921086e4)
_ERFC_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
           4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
           9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_ERFC_Q = (1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
           9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
           1.65666309194161350182e3, 5.57535340817727675546e2)
_ERFC_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
           6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_ERFC_S = (2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
           1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0)


def _window_count(length: int, window: int, stride: int) -> int:
    """How many windows of `window` elements, one every `stride`, fit in `length` (at least 0)."""
    return max((length - window) // stride + 1, 0)


def _is_array(data: Any) -> bool:
    return hasattr(data, "__dlpack__") or hasattr(data, "__array__")


def to_numpy(array: Any) -> np.ndarray:
    """Any backend's array (or a NumPy one) as a NumPy array."""
    if isinstance(array, (np.ndarray, np.generic)):
        return np.asarray(array)
    if hasattr(array, "get") and type(array).__module__.startswith("cupy"):
        return array.get()
    return np.from_dlpack(array)


def _index_to_numpy(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_index_to_numpy(i) for i in index)
    if hasattr(index, "__dlpack__") and not isinstance(index, np.ndarray):
        return to_numpy(index)
    return index


def host_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Python numbers and nested lists, NumPy data or another device's array, as a NumPy array.

    Without `dtype`, Python data follows torch.tensor: floats become float32,
    integers int64, booleans bool; arrays and NumPy scalars keep their dtype.
    With `dtype`, Python numbers are converted to it directly (never through float32).
    """
    if data is None:
        raise TypeError("cannot make a tensor from None")
    if _is_array(data) and not isinstance(data, (list, tuple)):
        array = to_numpy(data)
        return array if dtype is None else array.astype(dtype_name(dtype), copy=False)
    try:
        array = np.asarray(data, dtype=None if dtype is None else dtype_name(dtype))
    except ValueError as exc:
        raise ValueError(f"cannot make a tensor from this data (ragged nested lists?): {exc}") from None
    if dtype is not None:
        return array
    if array.dtype.kind == "f":
        return array.astype(np.float32)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "b":
        return array
    raise TypeError(f"cannot make a tensor from {type(data).__name__} data of dtype {array.dtype}")


def python_number(value: Any) -> bool | int | float | None:
    """`value` as a Python number if it is one (NumPy scalars included), else None."""
    if isinstance(value, (bool, int, float)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    return None


def array_device(value: Any) -> str | None:
    """"cpu" for a NumPy array, "cuda" for a CuPy one, None for anything else."""
    if isinstance(value, np.ndarray):
        return "cpu"
    if type(value).__module__.split(".")[0] == "cupy":
        return "cuda"
    return None


def format_array(array: np.ndarray, prefix: str) -> str:
    """How a tensor prints its numbers: 4 digits, commas, aligned under `prefix`."""
    return np.array2string(array, precision=4, separator=", ", prefix=prefix)


_DTYPE_NAMES: dict = {}


def dtype_name(dtype: Any) -> str:
    """"float32" for np.float32, "float32", np.dtype("float32") or xp.float32 of any namespace."""
    key = (dtype.__class__, dtype)  # dtypes of different namespaces never compare with each other
    try:
        return _DTYPE_NAMES[key]
    except (KeyError, TypeError):  # not seen yet, or not hashable
        pass
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype).rsplit(".", 1)[-1]
    try:
        _DTYPE_NAMES[key] = name
    except TypeError:
        pass
    return name


# --- devices -----------------------------------------------------------------

_CPU_FACTORIES: dict[str, Callable[[], Backend]] = {"numpy": NumpyBackend}
_CPU_NAMESPACE = "numpy"
_BACKENDS: dict[str, Backend] = {}
_SEED: int | None = None


def parse_device(device: Any) -> str:
    """Normalise a device name: "cpu", or "cuda:N" ("cuda" means "cuda:0")."""
    name = str(device).strip().lower()
    if name == "cpu":
        return "cpu"
    if name == "cuda":
        return "cuda:0"
    if name.startswith("cuda:") and name[5:].isdigit():
        return name
    raise ValueError(f"unknown device {device!r}: use 'cpu', 'cuda' or 'cuda:N'")


def get_backend(device: Any = "cpu") -> Backend:
    """The backend that serves `device` (created once, then reused)."""
    device = "cpu" if device == "cpu" else parse_device(device)
    key = "cpu/" + _CPU_NAMESPACE if device == "cpu" else device
    backend = _BACKENDS.get(key)
    if backend is None:
        backend = _make_backend(device)
        if _SEED is not None:
            backend.seed(_SEED)
        _BACKENDS[key] = backend
    return backend


def _make_backend(device: str) -> Backend:
    if device == "cpu":
        return _CPU_FACTORIES[_CPU_NAMESPACE]()
    ok, why = cuda_status()
    if not ok:
        raise DeviceError(f"device {device!r} is not usable: {why}")
    import cupy
    _check_cupy_namespace(cupy)
    index = int(device.split(":")[1])
    if index >= cupy.cuda.runtime.getDeviceCount():
        raise DeviceError(f"device {device!r} does not exist: this machine has "
                          f"{cupy.cuda.runtime.getDeviceCount()} GPU(s)")
    return CupyBackend(cupy, device)


_STANDARD_NAMES = ("astype", "concat", "permute_dims", "isdtype", "matmul", "broadcast_to", "expand_dims")


def _check_cupy_namespace(cupy: Any) -> None:
    """CuPy >= 14 mirrors NumPy 2, whose main namespace follows the array API standard."""
    missing = [name for name in _STANDARD_NAMES if not hasattr(cupy, name)]
    if missing or not hasattr(cupy.ndarray, "mT"):
        raise DeviceError(f"CuPy {cupy.__version__} lacks array API calls minigrad needs "
                          f"({', '.join(missing) or 'ndarray.mT'}): install cupy-cuda12x>=14")


def register_cpu_backend(name: str, factory: Callable[[], Backend]) -> None:
    """Make `use_cpu_namespace(name)` serve "cpu" with `factory()` (a Backend for another namespace)."""
    _CPU_FACTORIES[name] = factory


def use_cpu_namespace(name: str) -> None:
    """Serve the "cpu" device with "numpy" (the default) or a namespace given to `register_cpu_backend`."""
    global _CPU_NAMESPACE
    if name not in _CPU_FACTORIES:
        raise ValueError(f"unknown CPU namespace {name!r}: use one of {sorted(_CPU_FACTORIES)}")
    _CPU_NAMESPACE = name


def manual_seed(seed: int) -> None:
    """Seed the random generators of every device, now and those created later."""
    global _SEED
    _SEED = int(seed)
    for backend in _BACKENDS.values():
        backend.seed(_SEED)


def get_rng_state() -> dict:
    """A snapshot of every device's random generator (and the seed in force), for `set_rng_state`."""
    return {"seed": _SEED,
            "generators": {key: (copy.deepcopy(b._rng), b._seed) for key, b in _BACKENDS.items()}}


def set_rng_state(state: dict) -> None:
    """Put every device's random generator back as `get_rng_state` found it."""
    global _SEED
    _SEED = state["seed"]
    for key, backend in _BACKENDS.items():
        if key in state["generators"]:
            backend._rng, backend._seed = copy.deepcopy(state["generators"][key])
        else:  # a device first used after the snapshot: back to the seed in force then
            backend.seed(_SEED)


def cuda_status() -> tuple[bool, str]:
    """(True, GPU name) when CuPy can run on a GPU here, else (False, why not). Never raises."""
    try:
        import cupy
    except Exception as exc:  # not installed, or a broken install
        return False, f"CuPy is not installed ({type(exc).__name__}: {exc})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        if count < 1:
            return False, "CuPy is installed but no GPU was found"
        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props["name"]
        return True, name.decode() if isinstance(name, bytes) else str(name)
    except Exception as exc:  # CUDARuntimeError without a driver or GPU, among others
        return False, f"CuPy is installed but CUDA cannot run ({type(exc).__name__}: {exc})"


def cuda_available() -> bool:
    """Whether the "cuda" device can be used here. Never raises."""
    return cuda_status()[0]
