"""Saving and loading a model's parameters: one `.npz` file, no pickle.

    mg.save(model.state_dict(), "model.npz")
    model.load_state_dict(mg.load("model.npz"))

A `.npz` file is a zip archive with one `.npy` file per array (NumPy's own
format: a small header with dtype and shape, then the raw bytes), so loading it
runs no code from the file, unlike `pickle` (which `torch.save` uses).

File names: when `path` does not end in ".npz", both `save` and `load` add it,
so `save(sd, "model")` writes "model.npz" and `load("model")` reads it back.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

import numpy as np

__all__ = ["save", "load"]

PathLike = Union[str, "os.PathLike[str]"]

# np.savez(file, *args, allow_pickle=..., **arrays) takes the arrays as keyword
# arguments, so these two names cannot be array names.
_RESERVED = ("file", "allow_pickle")


def _npz_path(path: PathLike) -> Path:
    """`path` as a Path ending in ".npz" (added when missing, as np.savez does)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__}")
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _to_numpy(name: str, value: Any) -> np.ndarray:
    """A Tensor or NumPy array as a NumPy array that can be saved without pickle."""
    if not isinstance(value, np.ndarray):
        from .tensor import Tensor

        if not isinstance(value, Tensor):
            raise TypeError(
                f"state_dict[{name!r}] is a {type(value).__name__}: "
                "only Tensors and NumPy arrays can be saved"
            )
        value = value.numpy()
    if value.dtype.hasobject:
        raise ValueError(
            f"state_dict[{name!r}] has dtype {value.dtype}, which holds Python objects: "
            "it cannot be saved without pickle; use a numeric dtype"
        )
    return value


def save(state_dict: Mapping[str, Any], path: PathLike) -> None:
    """Write `state_dict` (name -> Tensor or NumPy array) to the .npz file at `path`.

    Each value is stored as a NumPy array (`Tensor.numpy()`, copied from the GPU
    if needed) under its name; names may contain dots ("0.weight"). Adds ".npz"
    to `path` if it lacks it. Overwrites an existing file. Returns None.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict must be a dict of name -> Tensor, got {type(state_dict).__name__}")
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"state_dict names must be str, got {type(name).__name__} {name!r}")
        if name in _RESERVED:
            raise ValueError(f"{name!r} cannot be an array name in an .npz file (reserved by np.savez)")
        arrays[name] = _to_numpy(name, value)
    np.savez(_npz_path(path), allow_pickle=False, **arrays)


def load(path: PathLike) -> dict[str, np.ndarray]:
    """Read the .npz file at `path` (".npz" added if missing) written by `save`.

    Returns:
        A dict name -> NumPy array, in the saved order, with the saved dtypes and
        shapes. The arrays are fresh copies in memory and the file is closed.
        Nothing is unpickled: a file holding Python objects raises ValueError.
    """
    file = _npz_path(path)
    if not file.is_file():
        added = "" if str(file) == os.fspath(path) else f" ('.npz' added to {os.fspath(path)!r})"
        raise FileNotFoundError(f"no such file: {str(file)!r}{added}")
    with np.load(file, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}
