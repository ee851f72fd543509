"""Feeding data to a model in the model's own dtype.

minigrad, like PyTorch, refuses to multiply float32 data by float64 weights (or
the other way round). The course's helpers take NumPy data from the learner and
hand it to models of either precision, so they convert it here, once.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.tensor import Tensor


def model_dtype(model: Any) -> str | None:
    """The dtype of the model's first floating parameter (None for a model without parameters)."""
    for p in getattr(model, "parameters", lambda: [])():
        if p.dtype_name.startswith("float"):
            return p.dtype_name
    return None


def model_input(model: Any, X: Any) -> Tensor:
    """X as a Tensor in the model's dtype (a Tensor of another dtype is cast, in the graph)."""
    dtype = model_dtype(model)
    if isinstance(X, Tensor):
        return X if dtype is None or X.dtype_name == dtype else X.astype(dtype)
    array = np.asarray(X)
    if dtype is not None and array.dtype.kind == "f":
        array = array.astype(dtype, copy=False)
    return Tensor(array)
