"""One place for every array call: an array namespace per device.

`Tensor` never imports NumPy or CuPy itself. It asks `get_backend(device)` for a
`Backend`, whose `xp` is an array namespace following the Python array API
standard (NumPy >= 2 and CuPy both are), plus the few things that standard does
not have: scatter-add, random numbers, `erf`, indexing with integer arrays and
the way back to a NumPy array.

Devices:
    "cpu"               NumPy
    "cuda", "cuda:N"    CuPy on GPU N (imported only when asked for)

For testing the seam, the CPU backend can be switched to `array_api_strict`, a
namespace with nothing beyond the standard (`use_cpu_namespace("array_api_strict")`).
There the shim below does, through NumPy, exactly these calls that the standard
lacks or restricts: `getitem` with integer arrays, `scatter_add`, `erf` and the
random generators. Everything else runs on the strict namespace itself.
"""
from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

__all__ = [
    "Backend", "get_backend", "parse_device", "cuda_available", "cuda_status",
    "use_cpu_namespace", "manual_seed", "get_rng_state", "set_rng_state",
]


class DeviceError(RuntimeError):
    """A tensor was asked to live on, or mix with, a device that cannot serve it."""


class Backend:
    """An array namespace `xp` for one device, with the few extra calls the engine needs."""

    def __init__(self, name: str, xp: Any, device: str):
        self.name = name
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

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        """`data` as an array of this backend (copied across devices only here)."""
        return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, array: Any) -> np.ndarray:
        """A NumPy copy of `array` (from the GPU when it lives there)."""
        if self.name == "cupy":
            return array.get()
        if self.name == "array_api_strict":
            return np.from_dlpack(array).copy()
        return np.array(array, copy=True)

    def dtype(self, dtype: Any) -> Any:
        """This backend's dtype for `dtype` (a name such as "float32", a NumPy dtype, or its own)."""
        if dtype is None:
            return None
        name = dtype_name(dtype)
        return getattr(self.xp, name)

    def is_floating(self, dtype: Any) -> bool:
        return self.xp.isdtype(dtype, "real floating")

    # --- what the array API standard does not have ---------------------------

    def getitem(self, array: Any, index: Any) -> Any:
        """array[index], with slices, integers, None, Ellipsis and integer arrays."""
        if self.name == "array_api_strict":
            return self.asarray(np.from_dlpack(array)[_index_to_numpy(index)])
        return array[index]

    def scatter_add(self, target: Any, index: Any, values: Any) -> Any:
        """target[index] += values, where repeated indices *accumulate* (unbuffered)."""
        if self.name == "numpy":
            np.add.at(target, index, values)
            return target
        if self.name == "cupy":
            return _cupy_scatter_add(target, index, values)
        host = np.from_dlpack(target).copy()
        np.add.at(host, _index_to_numpy(index), np.from_dlpack(values))
        return self.asarray(host)

    def erf(self, array: Any) -> Any:
        """The error function, element-wise (the standard has none)."""
        if self.name == "cupy":
            import cupyx.scipy.special as special
            return special.erf(array)
        host = np.from_dlpack(array) if self.name == "array_api_strict" else array
        return self.asarray(np.asarray(_ERF(host), dtype=host.dtype))

    # --- random numbers, generated on the device -----------------------------

    def seed(self, seed: int | None) -> None:
        self._rng = None
        self._seed = seed

    def _generator(self):
        if self._rng is None:
            if self.name == "cupy":
                import cupy
                self._rng = cupy.random.default_rng(self._seed)
            else:
                self._rng = np.random.default_rng(self._seed)
        return self._rng

    def randn(self, shape: tuple, dtype: Any) -> Any:
        """Samples of the standard normal distribution N(0, 1)."""
        out = self._generator().standard_normal(shape)
        return self._from_generator(out, dtype)

    def rand(self, shape: tuple, dtype: Any) -> Any:
        """Samples of the uniform distribution on [0, 1)."""
        out = self._generator().random(shape)
        return self._from_generator(out, dtype)

    def _from_generator(self, out: Any, dtype: Any) -> Any:
        if self.name == "array_api_strict":
            return self.asarray(np.asarray(out), dtype=dtype)
        return self.xp.astype(self.xp.asarray(out), dtype)


_ERF = np.frompyfunc(math.erf, 1, 1)


def _index_to_numpy(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_index_to_numpy(i) for i in index)
    if backend_name_of_array(index) == "array_api_strict":
        return np.from_dlpack(index)
    return index


def _cupy_scatter_add(target: Any, index: Any, values: Any) -> Any:
    """target[index] += values on the GPU, accumulating repeats.

    cupyx.scatter_add relies on CUDA's atomicAdd, which it offers for float32
    (and some integer types) only. For any other dtype, float64 included, each
    picked element's flat position is found by indexing an array of positions
    the same way, and `bincount` sums the values that land on each position.
    """
    import cupy
    import cupyx
    if target.dtype == cupy.float32:
        cupyx.scatter_add(target, index, values)
        return target
    positions = cupy.arange(target.size).reshape(target.shape)[index]
    weights = cupy.broadcast_to(values, positions.shape)
    sums = cupy.bincount(positions.ravel(), weights=weights.ravel(), minlength=target.size)
    return target + sums.reshape(target.shape).astype(target.dtype)


def dtype_name(dtype: Any) -> str:
    """"float32" for np.float32, "float32", np.dtype("float32") or xp.float32 of any namespace."""
    if isinstance(dtype, str):
        return np.dtype(dtype).name
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype).rsplit(".", 1)[-1]


def backend_name_of_array(array: Any) -> str | None:
    """"numpy", "cupy", "array_api_strict", or None for anything that is not an array."""
    module = type(array).__module__
    if isinstance(array, (np.ndarray, np.generic)):
        return "numpy"
    if module.startswith("cupy"):
        return "cupy"
    if module.startswith("array_api_strict"):
        return "array_api_strict"
    return None


# --- devices -----------------------------------------------------------------

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
    device = parse_device(device)
    key = device if device != "cpu" else f"cpu/{_CPU_NAMESPACE}"
    backend = _BACKENDS.get(key)
    if backend is None:
        backend = _make_backend(device)
        if _SEED is not None:
            backend.seed(_SEED)
        _BACKENDS[key] = backend
    return backend


def _make_backend(device: str) -> Backend:
    if device == "cpu":
        if _CPU_NAMESPACE == "array_api_strict":
            import array_api_strict
            return Backend("array_api_strict", array_api_strict, "cpu")
        return Backend("numpy", np, "cpu")
    ok, why = cuda_status()
    if not ok:
        raise DeviceError(f"device {device!r} is not usable: {why}")
    import cupy
    _check_cupy_namespace(cupy)
    index = int(device.split(":")[1])
    if index >= cupy.cuda.runtime.getDeviceCount():
        raise DeviceError(f"device {device!r} does not exist: this machine has "
                          f"{cupy.cuda.runtime.getDeviceCount()} GPU(s)")
    return Backend("cupy", cupy, device)


_STANDARD_NAMES = ("astype", "concat", "permute_dims", "isdtype", "matmul", "broadcast_to", "expand_dims")


def _check_cupy_namespace(cupy: Any) -> None:
    """CuPy >= 14 mirrors NumPy 2, whose main namespace follows the array API standard."""
    missing = [name for name in _STANDARD_NAMES if not hasattr(cupy, name)]
    if missing or not hasattr(cupy.ndarray, "mT"):
        raise DeviceError(f"CuPy {cupy.__version__} lacks array API calls minigrad needs "
                          f"({', '.join(missing) or 'ndarray.mT'}): install cupy-cuda12x>=14")


def use_cpu_namespace(name: str) -> None:
    """Serve the "cpu" device with "numpy" (the default) or "array_api_strict" (for tests)."""
    global _CPU_NAMESPACE
    if name not in ("numpy", "array_api_strict"):
        raise ValueError(f"unknown CPU namespace {name!r}: use 'numpy' or 'array_api_strict'")
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
