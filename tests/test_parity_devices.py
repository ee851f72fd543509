"""Moving a tensor between devices keeps it in the graph, as torch's `.to(device)` does (`pytest -m gpu`)."""
import numpy as np
import pytest

import minigrad as mg

usable, why = mg.cuda_status()
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not usable, reason=f"no usable GPU: {why}")]


def test_to_cuda_and_back_on_a_non_leaf_keeps_the_graph():
    x = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * 2).to("cuda")
    (y * y).sum().to("cpu").backward()
    np.testing.assert_allclose(np.asarray(x.grad), [8.0, 16.0])


def test_to_cuda_of_a_leaf_keeps_requires_grad_and_gradients_flow_back_to_the_cpu_leaf():
    x = mg.tensor(np.array([3.0]), requires_grad=True)
    y = x.to("cuda")
    assert y.requires_grad
    (y * y).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [6.0])
