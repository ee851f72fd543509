"""Tensor semantics: dtypes, accumulation, no_grad, detach, deep graphs, and clear errors for bad input."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from helpers import grad_of

pytestmark = pytest.mark.usefixtures("cpu_namespace")


def test_lists_and_numbers_follow_torch_tensor_dtypes():
    assert mg.tensor([1.0, 2.0]).dtype_name == "float32"
    assert mg.tensor(3.0).dtype_name == "float32"
    assert mg.tensor([1, 2]).dtype_name == "int64"
    assert mg.tensor(np.zeros(2, dtype=np.float64)).dtype_name == "float64"
    assert mg.tensor(np.zeros(2, dtype=np.int32)).dtype_name == "int32"
    assert mg.tensor([1, 2], dtype="float64").dtype_name == "float64"


def test_numbers_keep_the_tensor_dtype():
    x = mg.tensor([1.0, 2.0])
    assert (x * 2.5 + 1).dtype_name == "float32"
    assert (2.5 / x).dtype_name == "float32"


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require grad.*int64"):
        mg.tensor([1, 2, 3], requires_grad=True)


def test_gradients_accumulate_across_backward_calls():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(grad_of(x), [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_every_tensor_requiring_grad_gets_its_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.sum().backward()
    np.testing.assert_allclose(grad_of(h), [1.0, 1.0])
    np.testing.assert_allclose(grad_of(x), [2.0, 4.0])


def test_reused_tensor_accumulates():
    a = mg.tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert float(grad_of(a)) == 4.0


def test_backward_with_explicit_grad():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(np.array([1.0, 0.0, 2.0], dtype=np.float32))
    np.testing.assert_allclose(grad_of(x), [2.0, 0.0, 12.0])


def test_no_grad_records_nothing_and_restores():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y._prev == ()


def test_no_grad_as_decorator():
    @mg.no_grad()
    def double(t):
        return t * 2

    assert not double(mg.tensor([1.0], requires_grad=True)).requires_grad


def test_detach_cuts_the_graph():
    x = mg.tensor([2.0], requires_grad=True)
    y = x.detach() * x
    y.sum().backward()
    np.testing.assert_allclose(grad_of(x), [2.0])


def test_deep_tensor_chain_has_no_recursion_limit():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    y.backward()
    assert float(grad_of(x)) == 1.0


def test_item_numpy_and_repr():
    x = mg.tensor([[1.5]], requires_grad=True)
    assert x.item() == 1.5
    assert isinstance(x.numpy(), np.ndarray)
    assert "requires_grad=True" in repr(x)


# --- clear errors for a user's mistakes ------------------------------------------------


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(mg.ShapeError, match=r"matmul of shapes \(2, 3\) and \(4, 5\).*\(3\).*\(4\)"):
        mg.zeros(2, 3) @ mg.zeros(4, 5)


def test_batched_matmul_bad_batch_axes():
    with pytest.raises(mg.ShapeError, match=r"batch axes \(2,\) and \(3,\)"):
        mg.zeros(2, 3, 4) @ mg.zeros(3, 4, 5)


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(mg.ShapeError, match=r"shapes \(2, 3\) and \(4,\) do not broadcast for '\+'"):
        mg.zeros(2, 3) + mg.zeros(4)


def test_backward_on_non_scalar_without_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"needs a single number.*shape \(2,\).*\.sum\(\)"):
        (x * 2).backward()


def test_backward_on_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


def test_backward_grad_of_wrong_shape():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(mg.ShapeError, match=r"grad of shape \(2,\), got \(3,\)"):
        (x * 2).backward(np.ones(3, dtype=np.float32))


def test_reshape_error():
    with pytest.raises(mg.ShapeError, match=r"cannot reshape a tensor of shape \(2, 3\) \(6 elements\) to \(4,\)"):
        mg.zeros(2, 3).reshape(4)


def test_index_error_names_the_shape():
    with pytest.raises(IndexError, match=r"does not fit a tensor of shape \(3,\)"):
        mg.zeros(3)[np.array([0, 5])]


def test_cross_entropy_rejects_out_of_range_targets():
    with pytest.raises(IndexError, match=r"targets must lie in \[0, 2\] for 3 classes .*got values from 0 to 3"):
        F.cross_entropy(mg.zeros(2, 3), np.array([0, 3]))


def test_cross_entropy_takes_float_targets_as_probabilities_of_the_logits_shape():
    with pytest.raises(mg.ShapeError, match=r"float targets are class probabilities .* for class indices use integers"):
        F.cross_entropy(mg.zeros(2, 3), mg.tensor([0.0, 1.0]))


def test_cross_entropy_rejects_wrong_target_shape():
    with pytest.raises(mg.ShapeError, match=r"targets of shape \(2,\), got \(3,\)"):
        F.cross_entropy(mg.zeros(2, 3), np.array([0, 1, 2]))


def test_unknown_device_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        mg.zeros(2, device="gpu")


def test_cuda_device_without_gpu_says_why():
    if mg.cuda_available():
        pytest.skip("a GPU is usable here")
    with pytest.raises(RuntimeError, match="device 'cuda:0' is not usable"):
        mg.zeros(2, device="cuda")


def test_cuda_available_never_raises():
    assert mg.cuda_available() in (True, False)
    ok, why = mg.cuda_status()
    assert isinstance(why, str) and why


def test_tensors_can_be_deep_copied_and_pickled():
    import copy
    import pickle

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    for clone in (copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        np.testing.assert_array_equal(clone.numpy(), x.numpy())
        assert clone.device == x.device and clone.requires_grad


def test_rng_state_round_trip():
    mg.manual_seed(1)
    state = mg.get_rng_state()
    a = mg.randn(4).numpy()
    mg.randn(3)
    mg.set_rng_state(state)
    np.testing.assert_array_equal(mg.randn(4).numpy(), a)
