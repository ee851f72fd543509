"""Splitting a data set and walking through it in minibatches.

`train_test_split` cuts (X, y) once into a training and a test part;
`DataLoader` serves the training part as (X batch, y batch) Tensors, one epoch
per `for` loop, in a new random order each epoch.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterator

import numpy as np

from ._checks import check_int, check_pair

__all__ = ["train_test_split", "DataLoader"]


def _test_count(test_size: Any, n: int) -> int:
    """How many of `n` samples go to the test set: ceil(test_size * n) for a fraction."""
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a fraction or an int, got {type(test_size).__name__}")
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    elif 0 < test_size < 1:
        # The tiny tolerance keeps float round-off (0.07 * 100 = 7.000000000000001) from adding a sample.
        n_test = math.ceil(test_size * n - 1e-9)
    else:
        raise ValueError(f"test_size must be a fraction in (0, 1) or an int count, got {test_size}")
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_size={test_size} gives {n_test} test samples out of {n}: "
            f"train and test need at least one sample each (1 <= test count <= {n - 1})"
        )
    return n_test


def train_test_split(X: Any, y: Any, test_size: float | int = 0.2, seed: int | None = 0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the n samples and cut them into a training and a test set.

    A random permutation p of 0..n-1 (from `default_rng(seed)`) puts samples
    p[:n_test] in the test set and p[n_test:] in the training set, where
    n_test = ceil(test_size * n) for a fraction 0 < test_size < 1, or
    n_test = test_size for an int. Every sample lands in exactly one of them.

    Returns:
        X_train, X_test, y_train, y_test: NumPy arrays (scikit-learn's order), with
        the dtypes of X and y; len(X_test) = n_test, len(X_train) = n - n_test.
    """
    X, y = check_pair(X, y)
    n_test = _test_count(test_size, len(X))
    order = np.random.default_rng(seed).permutation(len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


class DataLoader:
    """Minibatches of (X, y) as Tensors, one epoch per `for` loop.

    Each epoch (each `iter()`) takes the samples in a fresh random permutation
    (or in order when `shuffle=False`) and cuts it into consecutive batches of
    `batch_size`; the last batch is smaller when batch_size does not divide n,
    or left out when `drop_last=True`. So an epoch has
        len(loader) = ceil(n / batch_size)   (drop_last=False)
        len(loader) = floor(n / batch_size)  (drop_last=True)
    batches, and sees every sample once (all but the n % batch_size left over
    with drop_last). The permutations come from one generator seeded once from
    `seed`: epoch after epoch they differ, and a new loader with the same seed
    repeats the whole sequence.

    Yields:
        (Tensor(X_batch, device=device), Tensor(y_batch, device=device)): the
        arrays keep their dtypes (float32 stays float32, int64 stays int64).
    """

    def __init__(self, X: Any, y: Any, batch_size: int, shuffle: bool = True,
                 seed: int | None = None, drop_last: bool = False, device: str = "cpu"):
        self.X, self.y = check_pair(X, y)
        self.batch_size = check_int("batch_size", batch_size, 1)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.device = device
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        n, b = len(self.X), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        # Draw the epoch's order now, not at the first next(), so each iter() is one epoch.
        order = self._rng.permutation(len(self.X)) if self.shuffle else np.arange(len(self.X))
        return self._batches(order)

    def _batches(self, order: np.ndarray) -> Iterator[tuple[Any, Any]]:
        from ..tensor import Tensor

        b = self.batch_size
        for start in range(0, len(self) * b, b):
            index = order[start:start + b]  # fancy indexing copies: batches never alias X or y
            yield Tensor(self.X[index], device=self.device), Tensor(self.y[index], device=self.device)

    def __repr__(self) -> str:
        return (f"DataLoader(n_samples={len(self.X)}, batch_size={self.batch_size}, "
                f"batches={len(self)}, shuffle={self.shuffle}, drop_last={self.drop_last}, "
                f"device={self.device!r})")
