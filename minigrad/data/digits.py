"""The 8x8 handwritten digits, shipped with the package (no download).

`digits.npz`, next to this file, holds the 1,797 images of the test set of the UCI
"Optical Recognition of Handwritten Digits" data set (E. Alpaydin and C. Kaynak,
1998) as distributed with scikit-learn; licence and citation in DIGITS_LICENSE.txt.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["load_digits"]

DIGITS_PATH = Path(__file__).with_name("digits.npz")


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits data set: 1,797 grey 8x8 images of the digits 0-9.

    Each image was drawn on a 32x32 black-and-white bitmap, cut into 8x8 blocks
    of 4x4 pixels; a pixel here counts the "on" pixels of its block, so it is an
    integer in 0..16. Images are flattened row by row: `X[i].reshape(8, 8)` is
    image i. Divide by 16 to get values in [0, 1] before training.
    Each of the 10 classes has about 180 images (174 to 183).

    Returns:
        X: float32 array (1797, 64), pixel values 0..16 (the same as scikit-learn's
           `load_digits().data`).
        y: int64 array (1797,), the digit shown, 0..9.
    """
    with np.load(DIGITS_PATH, allow_pickle=False) as f:
        return f["X"].astype(np.float32), f["y"].astype(np.int64)
