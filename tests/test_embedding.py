"""nn.Embedding and F.embedding: lookups of any index shape, a scatter-add gradient, PyTorch's init and semantics."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import nn
from minigrad.tensor import ShapeError

try:
    import torch
except ImportError:  # the comparisons with PyTorch skip themselves
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")

INDICES_2D = np.array([[0, 3, 3, 1], [4, 3, 0, 0], [1, 1, 1, 6]])   # repeated rows, within and across rows
NUM, DIM = 7, 5                                                       # row 2 and row 5 are never used


def _table(seed=0):
    return np.random.default_rng(seed).normal(size=(NUM, DIM))


def _upstream(shape, seed=1):
    return np.random.default_rng(seed).normal(size=shape)


def test_forward_picks_rows_for_any_index_shape():
    weight = mg.tensor(_table())
    for indices in (np.array(3), np.array([2, 0, 2]), INDICES_2D, INDICES_2D.reshape(3, 2, 2)):
        out = F.embedding(mg.tensor(indices), weight)
        assert out.shape == indices.shape + (DIM,)
        np.testing.assert_array_equal(out.numpy(), _table()[indices])


def test_gradient_is_a_scatter_add_each_use_of_a_row_adds_its_gradient():
    weight = mg.tensor(_table(), requires_grad=True)
    g = _upstream(INDICES_2D.shape + (DIM,))
    F.embedding(mg.tensor(INDICES_2D), weight).backward(g)
    expected = np.zeros((NUM, DIM))
    for position, row in np.ndenumerate(INDICES_2D):
        expected[row] += g[position]
    np.testing.assert_allclose(weight.grad, expected, atol=1e-12)
    assert np.all(weight.grad[[2, 5]] == 0)                   # rows never used get no gradient
    row_three = g[INDICES_2D == 3].sum(axis=0)                # used three times: the sum of all three
    np.testing.assert_allclose(weight.grad[3], row_three, atol=1e-12)


def test_same_as_one_hot_times_the_table_forward_and_backward():
    """A lookup is onehot(i) @ W, so its gradient is onehot^T g: the engine's matmul gives the reference."""
    idx = mg.tensor(INDICES_2D)
    w1, w2 = mg.tensor(_table(), requires_grad=True), mg.tensor(_table(), requires_grad=True)
    g = _upstream(INDICES_2D.shape + (DIM,))
    looked_up = F.embedding(idx, w1)
    multiplied = F.one_hot(idx, NUM).double() @ w2
    np.testing.assert_allclose(looked_up.numpy(), multiplied.numpy(), atol=1e-12)
    looked_up.backward(g)
    multiplied.backward(g)
    np.testing.assert_allclose(w1.grad, w2.grad, atol=1e-12)


def test_gradcheck_with_repeated_indices():
    idx = mg.tensor(INDICES_2D)
    assert mg.gradcheck(lambda w: F.embedding(idx, w) * 1.5, [mg.tensor(_table(), requires_grad=True)])


def test_gradients_accumulate_over_two_calls():
    emb = nn.Embedding(NUM, DIM, dtype="float64")
    emb(mg.tensor([1, 1])).sum().backward()
    emb(mg.tensor([1, 4])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [0, 3, 0, 0, 1, 0, 0])


@needs_torch
def test_forward_and_gradient_match_torch_float64():
    g = _upstream(INDICES_2D.shape + (DIM,))
    ours = mg.tensor(_table(), requires_grad=True)
    theirs = torch.tensor(_table(), requires_grad=True)
    out = F.embedding(mg.tensor(INDICES_2D), ours)
    ref = torch.nn.functional.embedding(torch.tensor(INDICES_2D), theirs)
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), atol=1e-12, rtol=1e-12)


@needs_torch
def test_module_matches_torch_module_with_the_same_weights():
    mg.manual_seed(0)
    ours = nn.Embedding(NUM, DIM, dtype="float64")
    theirs = torch.nn.Embedding(NUM, DIM, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.numpy()))
    g = _upstream(INDICES_2D.shape + (DIM,))
    ours(mg.tensor(INDICES_2D)).backward(g)
    theirs(torch.tensor(INDICES_2D)).backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), atol=1e-12)
    assert repr(ours) == repr(theirs) == "Embedding(7, 5)"


def test_init_is_standard_normal_as_pytorch():
    mg.manual_seed(0)
    weight = nn.Embedding(1000, 50).weight.numpy()
    assert weight.dtype == np.float32 and weight.shape == (1000, 50)
    # 50,000 samples: the mean's sd is 0.0045 and the sd's about 0.0032, so these bounds hold by > 4 sd
    assert abs(weight.mean()) < 0.02 and abs(weight.std() - 1) < 0.02


def test_module_parameters_state_dict_and_seeding():
    mg.manual_seed(3)
    a = nn.Embedding(4, 2)
    mg.manual_seed(3)
    b = nn.Embedding(4, 2)
    assert [n for n, _ in a.named_parameters()] == ["weight"] and list(a.state_dict()) == ["weight"]
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    assert a.weight.requires_grad and a.weight.is_leaf


def test_inputs_as_lists_and_arrays_and_int32():
    emb = nn.Embedding(NUM, DIM, dtype="float64")
    expected = emb.weight.numpy()[[1, 2, 1]]
    for indices in ([1, 2, 1], np.array([1, 2, 1]), mg.tensor(np.array([1, 2, 1], dtype=np.int32))):
        np.testing.assert_array_equal(emb(indices).numpy(), expected)


def test_clear_errors():
    emb = nn.Embedding(NUM, DIM)
    with pytest.raises(TypeError, match=r"integer indices.*long\(\)"):
        emb(mg.tensor([1.0, 2.0]))
    with pytest.raises(IndexError, match=r"\[0, 6\] for a table of 7 rows, got values from 0 to 7"):
        emb(mg.tensor([0, 7]))
    with pytest.raises(IndexError, match="got values from -1"):
        emb(mg.tensor([-1]))
    with pytest.raises(ShapeError, match=r"\(num_embeddings, embedding_dim\)"):
        F.embedding(mg.tensor([0]), mg.zeros(3))
    with pytest.raises(ValueError, match="non-negative"):
        nn.Embedding(-1, 3)


def test_empty_index_gives_an_empty_result_and_a_zero_gradient():
    weight = mg.tensor(_table(), requires_grad=True)
    out = F.embedding(mg.tensor(np.zeros((2, 0), dtype=np.int64)), weight)
    assert out.shape == (2, 0, DIM)
    (out.sum() + weight.sum() * 0).backward()
    np.testing.assert_array_equal(weight.grad, np.zeros((NUM, DIM)))


def test_the_same_on_the_strict_array_api_namespace(cpu_namespace):
    """Every array call of the lookup and its scatter-add goes through the backend."""
    weight = mg.tensor(_table(), requires_grad=True)
    g = _upstream(INDICES_2D.shape + (DIM,))
    out = F.embedding(mg.tensor(INDICES_2D), weight)
    out.backward(g)
    expected = np.zeros((NUM, DIM))
    np.add.at(expected, INDICES_2D, g)
    np.testing.assert_allclose(out.numpy(), _table()[INDICES_2D], atol=1e-15)
    np.testing.assert_allclose(weight._backend.to_numpy(weight.grad), expected, atol=1e-12)
