"""Indexing as torch does it, values and gradients.

Where basic and advanced indices mix, torch applies the integers first (they select, as basic
indices) and keeps the advanced axes where they are, so `x[0, :, [0, 1]]` on shape (2, 3, 4)
has shape (3, 2); NumPy treats the integer as advanced and gives (2, 3).
"""
import numpy as np
import pytest

import minigrad as mg
from parity import check

torch = pytest.importorskip("torch")

X3 = np.arange(24.0).reshape(2, 3, 4) / 7.0
X4 = np.arange(120.0).reshape(2, 3, 4, 5) / 11.0

# label -> (index built for L, input)
MIXED = {
    "x[0, :, [0, 1]]": (lambda L: (0, slice(None), [0, 1]), X3),
    "x[0, ..., [1, 2]]": (lambda L: (0, Ellipsis, [1, 2]), X3),
    "x[-1, :, [-1, 0]]": (lambda L: (-1, slice(None), [-1, 0]), X3),
    "x[0, :, tensor([0, 1])]": (lambda L: (0, slice(None), L.const(np.array([0, 1]))), X3),
    "x[1, :, [[0, 1], [2, 3]]]": (lambda L: (1, slice(None), [[0, 1], [2, 3]]), X3),
    "x[0, :, bool mask]": (lambda L: (0, slice(None), L.const(np.array([True, False, True, False]))), X3),
    "x4[:, 0, :, [0, 1]]": (lambda L: (slice(None), 0, slice(None), [0, 1]), X4),
    "x4[0, :, [1, 2], 0]": (lambda L: (0, slice(None), [1, 2], 0), X4),
    "x4[1, [0, 2], :, [1, 3]]": (lambda L: (1, [0, 2], slice(None), [1, 3]), X4),
    "x4[0, 1:3, [0, 2], ::2]": (lambda L: (0, slice(1, 3), [0, 2], slice(None, None, 2)), X4),
}

# indices on which NumPy and torch agree (kept, so a change for the cases above breaks nothing here)
AGREED = {
    "x[:, 0, [0, 1]]": (lambda L: (slice(None), 0, [0, 1]), X3),
    "x[[0, 1], :, 0]": (lambda L: ([0, 1], slice(None), 0), X3),
    "x[1, [0, 2], [1, 3]]": (lambda L: (1, [0, 2], [1, 3]), X3),
    "x[[0, 1], 1, [1, 3]]": (lambda L: ([0, 1], 1, [1, 3]), X3),
    "x[:, [0, 2], 1]": (lambda L: (slice(None), [0, 2], 1), X3),
    "x[[0, 0, 1]] (repeated rows)": (lambda L: [0, 0, 1], X3),
    "x[tensor([[0, 1], [1, 0]])]": (lambda L: L.const(np.array([[0, 1], [1, 0]])), X3),
    "x[x > 1]": (None, X3),
    "x[None]": (lambda L: None, X3),
    "x[:, None, 1]": (lambda L: (slice(None), None, 1), X3),
    "x[..., 1:3]": (lambda L: (Ellipsis, slice(1, 3)), X3),
    "x[:, ::2]": (lambda L: (slice(None), slice(None, None, 2)), X3),
    "x[-1]": (lambda L: -1, X3),
    "x[1, 2, 3] (a 0-d result)": (lambda L: (1, 2, 3), X3),
    "x[tensor(1)] (0-d index)": (lambda L: L.const(np.array(1)), X3),
}


def index_fn(make_index):
    if make_index is None:
        return lambda L, x: x[x > 1]
    return lambda L, x: x[make_index(L)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("label", MIXED)
def test_mixed_basic_and_advanced_indexing_follows_torch(label, dtype):
    make_index, data = MIXED[label]
    check(index_fn(make_index), data, dtype=dtype)


@pytest.mark.parametrize("label", AGREED)
def test_indexing_where_numpy_and_torch_agree(label):
    make_index, data = AGREED[label]
    check(index_fn(make_index), data)


def test_x_0_colon_list_on_shape_2_3_4_has_shape_3_2():
    assert mg.tensor(np.zeros((2, 3, 4)))[0, :, [0, 1]].shape == (3, 2)


def test_index_out_of_range_raises_index_error():
    with pytest.raises(IndexError):
        torch.zeros(3)[5]
    with pytest.raises(IndexError):
        mg.zeros(3)[5]
    with pytest.raises(IndexError):
        mg.zeros(3)[[0, 5]]
