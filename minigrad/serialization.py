"""Saving and loading a model's parameters: one `.npz` file, no pickle.

    mg.save(model.state_dict(), "model.npz")
    model.load_state_dict(mg.load("model.npz"))

A `.npz` file is a zip archive with one `.npy` file per array (NumPy's own
format: a small header with dtype and shape, then the raw bytes), so loading it
runs no code from the file, unlike `pickle` (which `torch.save` uses).

File names: when `path` does not end in ".npz", both `save` and `load` add it,
so `save(sd, "model")` writes "model.npz" and `load("model")` reads it back.

Array names: the array called `name` is the member `name + ".npy"` of the
archive, so `np.load` sees the same names. Any str is a valid name: the three
characters a zip archive cannot hold as they are ("%", "\\" and NUL) are written
"%25", "%5C" and "%00" in the member's name, and `load` turns them back.
(`np.load` alone mixes up "a" and "a.npy": `load` reads the members itself.)
"""
from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

import numpy as np

__all__ = ["save", "load"]

PathLike = Union[str, "os.PathLike[str]"]

_ESCAPES = {"%": "%25", "\\": "%5C", "\x00": "%00"}
_UNESCAPES = {code: char for char, code in _ESCAPES.items()}
_NPY_MAGIC = b"\x93NUMPY"


def _npz_path(path: PathLike) -> Path:
    """`path` as a Path ending in ".npz" (added when missing, as np.savez does)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__}")
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _member_name(name: str) -> str:
    """The archive member that holds the array `name`: name + ".npy", with "%", "\\" and NUL escaped."""
    member = "".join(_ESCAPES.get(char, char) for char in name) + ".npy"
    try:
        member.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"state_dict name {name!r} cannot be written to a file: it is not valid Unicode text "
                         "(it holds a lone surrogate)") from None
    return member


def _array_name(member: str) -> str:
    """The inverse of _member_name."""
    return re.sub("%25|%5C|%00", lambda match: _UNESCAPES[match.group()], member[:-len(".npy")])


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
    if needed) under its name; any str is a name ("0.weight", "a.npy", ...).
    Adds ".npz" to `path` if it lacks it. Overwrites an existing file. Returns None.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict must be a dict of name -> Tensor, got {type(state_dict).__name__}")
    members = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"state_dict names must be str, got {type(name).__name__} {name!r}")
        members[_member_name(name)] = _to_numpy(name, value)
    with zipfile.ZipFile(_npz_path(path), "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for member, array in members.items():
            with archive.open(member, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, array, allow_pickle=False)


def load(path: PathLike) -> dict[str, np.ndarray]:
    """Read the .npz file at `path` (".npz" added if missing) written by `save`.

    Returns:
        A dict name -> NumPy array, in the saved order, with the saved dtypes and
        shapes. The arrays are fresh copies in memory and the file is closed.
        Nothing is unpickled. Any other file (not a zip of .npy arrays, an array
        of Python objects, a file cut short) raises ValueError saying so.
    """
    file = _npz_path(path)
    if not file.is_file():
        added = "" if str(file) == os.fspath(path) else f" ('.npz' added to {os.fspath(path)!r})"
        raise FileNotFoundError(f"no such file: {str(file)!r}{added}")
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise _not_ours(file, _why_not_a_zip(file)) from None
    with archive:
        return {_array_name(info.filename): _read_member(archive, info, file) for info in archive.infolist()}


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: Path) -> np.ndarray:
    """One .npy member as an array; never unpickles (an object array is refused from its header)."""
    if not info.filename.endswith(".npy"):
        hint = " (a PyTorch file from torch.save?)" if info.filename.endswith(".pkl") else ""
        raise _not_ours(file, f"its member {info.filename!r} is not a .npy array{hint}")
    name = _array_name(info.filename)
    try:
        with archive.open(info) as f:
            if not _header_dtype(f).hasobject:
                f.seek(0)
                return np.lib.format.read_array(f, allow_pickle=False)
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as error:
        raise _not_ours(file, f"the array {name!r} is not a readable .npy array ({type(error).__name__}: "
                              f"{error})") from None
    raise _not_ours(file, f"the array {name!r} holds Python objects (dtype object), which only pickle can read, "
                          "and minigrad never unpickles a file")


def _header_dtype(f: Any) -> np.dtype:
    """The dtype in a .npy header (versions 1.0 and 2.0; a later version is left to read_array)."""
    version = np.lib.format.read_magic(f)
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        return np.dtype(np.float64)
    return readers[version](f)[2]


def _why_not_a_zip(file: Path) -> str:
    with open(file, "rb") as f:
        start = f.read(len(_NPY_MAGIC))
    if not start:
        return "the file is empty"
    if start == _NPY_MAGIC:
        return "it holds a single NumPy array (np.save), not an archive: read it with np.load"
    return "it is not a zip archive (a text file, a pickle, another format, or a file cut short)"


def _not_ours(file: Path, reason: str) -> ValueError:
    return ValueError(f"{str(file)!r} is not a minigrad .npz file: {reason}. mg.load reads the files that mg.save "
                    "writes, zip archives of .npy arrays")
