"""The CuPy backend against the NumPy one: every op's gradient and a training run (`pytest -m gpu`).

Skipped, with the reason, where no GPU is usable.
"""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import nn, optim
from test_tensor_grad import BINARY, INDEXES, MATMUL_SHAPES, SHAPE_OPS, UNARY, prepare

usable, why = mg.cuda_status()
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not usable, reason=f"no usable GPU: {why}")]


def run_on(device, fn, arrays):
    """fn's output and the gradients of sum(output * w) on `device`, as NumPy arrays."""
    inputs = [mg.Tensor(a, requires_grad=True, device=device) for a in arrays]
    out = fn(*inputs)
    weights = np.random.default_rng(3).normal(size=out.shape)
    (out * mg.Tensor(weights, device=device)).sum().backward()
    return out.numpy(), [x.grad.get() if device != "cpu" else x.grad for x in inputs]


def same_on_both(fn, arrays, rtol=1e-10):
    out_cpu, grads_cpu = run_on("cpu", fn, arrays)
    out_gpu, grads_gpu = run_on("cuda", fn, arrays)
    np.testing.assert_allclose(out_gpu, out_cpu, rtol=rtol, atol=1e-12)
    for g_gpu, g_cpu in zip(grads_gpu, grads_cpu):
        np.testing.assert_allclose(g_gpu, g_cpu, rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops(name, rng):
    op, _, domain = UNARY[name]
    same_on_both(op, [prepare(rng.normal(size=(3, 4)), domain)])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_with_broadcasting(name, rng):
    a, b = np.abs(rng.normal(size=(2, 3, 4))) + 0.5, np.abs(rng.normal(size=(3, 1))) + 0.5
    same_on_both(BINARY[name], [a, b])


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes, rng):
    same_on_both(lambda x, y: x @ y, [rng.normal(size=s) for s in shapes])


@pytest.mark.parametrize("name", sorted(INDEXES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_indexing_scatter_add_float32_and_float64(name, dtype, rng):
    index = INDEXES[name]
    same_on_both(lambda x: x[index], [rng.normal(size=(4, 3)).astype(dtype)], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_ops(name, rng):
    same_on_both(SHAPE_OPS[name][0], [rng.normal(size=(2, 3, 4))])


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
def test_reductions(op, rng):
    same_on_both(lambda x: getattr(x, op)(axis=1), [rng.normal(size=(3, 5))])


FUNCTIONAL = {
    "softmax": lambda x: F.softmax(x),
    "log_softmax": lambda x: F.log_softmax(x),
    "gelu": lambda x: F.gelu(x),
    "cross_entropy": lambda x: F.cross_entropy(x, np.array([0, 2, 1])),
    "bce_logits": lambda x: F.binary_cross_entropy_with_logits(x, x.detach().sigmoid()),
    "mse": lambda x: F.mse_loss(x, x.detach() * 0.5),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional(name, rng):
    same_on_both(FUNCTIONAL[name], [rng.normal(size=(3, 4))])


def test_cross_entropy_takes_targets_on_the_gpu(rng):
    logits = mg.Tensor(rng.normal(size=(3, 4)), device="cuda")
    targets = mg.tensor([0, 3, 1], device="cuda")
    assert np.isfinite(F.cross_entropy(logits, targets).item())


def test_mixing_devices_is_a_clear_error():
    with pytest.raises(RuntimeError, match="different devices: cpu and cuda:0"):
        mg.ones(2) + mg.ones(2, device="cuda")
    with pytest.raises(RuntimeError, match="a numpy array cannot mix with a tensor on cuda:0"):
        mg.ones(2, device="cuda") + np.ones(2)


def test_seeded_random_numbers_on_the_device():
    mg.manual_seed(4)
    a = mg.randn(3, device="cuda").numpy()
    mg.manual_seed(4)
    b = mg.randn(3, device="cuda").numpy()
    np.testing.assert_array_equal(a, b)


def train_digits(device, epochs=3):
    mg.manual_seed(0)
    X, y = mg.data.load_digits()
    model = nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 10))
    model.to(device)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(epochs):
        for xb, yb in mg.data.DataLoader(X / 16, y, batch_size=128, seed=0, device=device):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return np.array(losses), model


def test_training_run_matches_numpy():
    cpu_losses, _ = train_digits("cpu")
    gpu_losses, model = train_digits("cuda")
    assert all(p.device == "cuda:0" for p in model.parameters())
    assert model[1].running_mean.device == "cuda:0"
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-3, atol=1e-4)
    assert gpu_losses[-1] < 0.5 * gpu_losses[0]
