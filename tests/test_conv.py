"""Convolution and pooling: F.conv2d, F.max_pool2d, F.avg_pool2d and their nn layers.

Forward and gradients against PyTorch (float64) and against finite differences; PyTorch's
choice of the maximum among ties; the errors a learner meets; PyTorch's initialisation and
state-dict names; the same results on the strict array API namespace (the backend seam).
"""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from helpers import grad_of, grads_match_torch, leaf, torch
from minigrad import backend, nn

tF = torch.nn.functional if torch is not None else None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

# (N, C_in, H, W, C_out, kernel, stride, padding): batch 1, non-square inputs and kernels, strides
# and paddings per axis, a 1 x 1 kernel, a kernel as large as the padded input.
CONV_CASES = [
    (2, 3, 7, 5, 4, 3, 1, 1),
    (1, 1, 8, 8, 2, 3, 1, 0),
    (1, 2, 6, 9, 3, (2, 3), (2, 1), (0, 2)),
    (3, 2, 5, 5, 1, 1, 2, 0),
    (2, 1, 4, 3, 2, (4, 5), 1, (0, 1)),
    (1, 3, 9, 7, 2, 5, 3, 2),
]
POOL_CASES = [  # (N, C, H, W, kernel, stride, padding)
    (2, 3, 8, 8, 2, None, 0),
    (1, 2, 7, 5, 3, 2, 1),
    (1, 1, 6, 9, (2, 3), (1, 2), (1, 1)),
    (2, 1, 5, 4, 3, 1, 0),
]


def _ids(cases):
    return [f"case{i}" for i in range(len(cases))]


def _conv_arrays(rng, n, c, h, w, c_out, kernel):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    return rng.normal(size=(n, c, h, w)), rng.normal(size=(c_out, c, kh, kw)), rng.normal(size=c_out)


# --- against PyTorch -----------------------------------------------------------------------


@needs_torch
@pytest.mark.usefixtures("cpu_namespace")
@pytest.mark.parametrize("n, c, h, w, c_out, kernel, stride, padding", CONV_CASES, ids=_ids(CONV_CASES))
def test_conv2d_matches_torch(rng, n, c, h, w, c_out, kernel, stride, padding):
    arrays = _conv_arrays(rng, n, c, h, w, c_out, kernel)
    grads_match_torch(lambda x, wt, b: F.conv2d(x, wt, b, stride, padding),
                      lambda x, wt, b: tF.conv2d(x, wt, b, stride, padding), arrays)


@needs_torch
@pytest.mark.parametrize("n, c, h, w, c_out, kernel, stride, padding", CONV_CASES[:3], ids=_ids(CONV_CASES[:3]))
def test_conv2d_without_bias_matches_torch(rng, n, c, h, w, c_out, kernel, stride, padding):
    x, wt, _ = _conv_arrays(rng, n, c, h, w, c_out, kernel)
    grads_match_torch(lambda x, wt: F.conv2d(x, wt, None, stride, padding),
                      lambda x, wt: tF.conv2d(x, wt, None, stride, padding), [x, wt])


@needs_torch
@pytest.mark.usefixtures("cpu_namespace")
@pytest.mark.parametrize("n, c, h, w, kernel, stride, padding", POOL_CASES, ids=_ids(POOL_CASES))
@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_pooling_matches_torch(rng, name, n, c, h, w, kernel, stride, padding):
    x = rng.normal(size=(n, c, h, w))
    grads_match_torch(lambda t: getattr(F, name)(t, kernel, stride, padding),
                      lambda t: getattr(tF, name)(t, kernel, stride, padding), [x])


@needs_torch
@pytest.mark.parametrize("count_include_pad, divisor_override", [(False, None), (True, 5), (False, 2)])
def test_avg_pool2d_divisors_match_torch(rng, count_include_pad, divisor_override):
    x = rng.normal(size=(2, 2, 5, 6))
    options = dict(count_include_pad=count_include_pad, divisor_override=divisor_override)
    grads_match_torch(lambda t: F.avg_pool2d(t, 3, 2, 1, **options), lambda t: tF.avg_pool2d(t, 3, 2, 1, **options),
                      [x])


@needs_torch
def test_one_image_without_batch_axis_as_torch(rng):
    x, wt, b = _conv_arrays(rng, 1, 2, 6, 5, 3, 3)
    grads_match_torch(lambda x, wt, b: F.conv2d(x, wt, b, 1, 1), lambda x, wt, b: tF.conv2d(x, wt, b, 1, 1),
                      [x[0], wt, b])
    grads_match_torch(lambda t: F.max_pool2d(t, 2), lambda t: tF.max_pool2d(t, 2), [x[0]])
    assert F.conv2d(mg.tensor(x[0]), mg.tensor(wt), padding=1).shape == (3, 6, 5)


# --- against finite differences ------------------------------------------------------------


@pytest.mark.parametrize("n, c, h, w, c_out, kernel, stride, padding", CONV_CASES[:4], ids=_ids(CONV_CASES[:4]))
def test_conv2d_gradcheck(rng, n, c, h, w, c_out, kernel, stride, padding):
    x, wt, b = (leaf(a) for a in _conv_arrays(rng, n, c, h, w, c_out, kernel))
    assert mg.gradcheck(lambda x, wt, b: F.conv2d(x, wt, b, stride, padding), [x, wt, b], mode="full")


@pytest.mark.parametrize("n, c, h, w, kernel, stride, padding", POOL_CASES, ids=_ids(POOL_CASES))
def test_pooling_gradcheck(rng, n, c, h, w, kernel, stride, padding):
    # distinct values at least 0.01 apart: a step of 1e-6 never changes which element is the maximum
    x = leaf(rng.permutation(n * c * h * w).reshape(n, c, h, w) * 0.01)
    assert mg.gradcheck(lambda t: F.max_pool2d(t, kernel, stride, padding), [x], mode="full")
    assert mg.gradcheck(lambda t: F.avg_pool2d(t, kernel, stride, padding, count_include_pad=False), [x],
                        mode="full")


def test_a_wrong_fold_would_be_caught(rng):
    """The finite-difference check is not vacuous here: a conv whose input gradient skips the
    accumulation of overlapping patches fails it."""
    x, wt = leaf(rng.normal(size=(1, 1, 4, 4))), leaf(rng.normal(size=(1, 1, 3, 3)))

    class NoAccumulation(mg.Function):
        @staticmethod
        def forward(ctx, x, wt):
            ctx.save_for_backward(x, wt)
            return F.conv2d(x, wt)

        @staticmethod
        def backward(ctx, g):
            x, wt = ctx.saved_tensors
            gx = np.zeros(x.shape)
            for i in range(2):
                for j in range(2):  # overwrites instead of adding where patches overlap
                    gx[0, 0, i:i + 3, j:j + 3] = g.numpy()[0, 0, i, j] * wt.numpy()[0, 0]
            return gx, None

    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(NoAccumulation.apply, [x, wt])


# --- max pooling: PyTorch's choice among ties ----------------------------------------------------


@needs_torch
@pytest.mark.parametrize("kernel, stride, padding", [(2, 2, 0), (3, 1, 1), (2, 1, 0), ((2, 3), (1, 2), (1, 1))])
def test_max_pool_ties_pick_the_element_torch_picks(kernel, stride, padding):
    x = np.array([[1, 1, 3, 3, 0], [1, 2, 2, 3, 0], [4, 4, 2, 2, 1], [4, 0, 0, 1, 1]], dtype=np.float64)
    x = np.stack([x, np.ones_like(x)])[:, None]          # (2, 1, 4, 5); the second image is all ties
    ours = leaf(x)
    values, indices = F.max_pool2d(ours, kernel, stride, padding, return_indices=True)
    theirs = torch.tensor(x, requires_grad=True)
    ref_values, ref_indices = tF.max_pool2d(theirs, kernel, stride, padding, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())
    assert indices.dtype_name == "int64"
    np.testing.assert_array_equal(values.numpy(), ref_values.detach().numpy())
    weights = np.arange(1, values.numel() + 1, dtype=np.float64).reshape(values.shape)
    values.backward(weights)
    ref_values.backward(torch.tensor(weights))
    np.testing.assert_array_equal(grad_of(ours), theirs.grad.numpy())


@needs_torch
def test_max_pool_nan_and_minus_infinity_as_torch():
    nan, inf = math.nan, math.inf
    x = np.array([[1, nan, 3, nan], [2, 2, nan, 0], [-inf, -inf, 5, 5], [-inf, -inf, 5, 5]])[None, None]
    for kernel, stride, padding in [(2, 2, 0), (2, 1, 1)]:
        values, indices = F.max_pool2d(mg.tensor(x), kernel, stride, padding, return_indices=True)
        ref_values, ref_indices = tF.max_pool2d(torch.tensor(x), kernel, stride, padding, return_indices=True)
        np.testing.assert_array_equal(values.numpy(), ref_values.numpy())
        np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())


def test_max_pool_gradient_goes_to_the_first_maximum_without_torch():
    x = leaf(np.array([[[[5.0, 5.0], [5.0, 1.0]]]]))
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(grad_of(x), [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_overlapping_windows_add_their_gradients():
    x = leaf(np.array([[[[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]]))
    F.max_pool2d(x, 2, stride=1).sum().backward()      # the 9 is the maximum of all four windows
    assert grad_of(x)[0, 0, 1, 1] == 4.0 and grad_of(x).sum() == 4.0


# --- formulas by hand ------------------------------------------------------------------------


def test_conv2d_is_the_sliding_dot_product():
    rng = np.random.default_rng(1)
    x, wt, b = rng.normal(size=(2, 2, 5, 6)), rng.normal(size=(3, 2, 2, 3)), rng.normal(size=3)
    out = F.conv2d(mg.tensor(x), mg.tensor(wt), mg.tensor(b), stride=(2, 1)).numpy()
    expected = np.zeros((2, 3, 2, 4))
    for n in range(2):
        for o in range(3):
            for i in range(2):
                for j in range(4):
                    expected[n, o, i, j] = b[o] + np.sum(wt[o] * x[n, :, 2 * i:2 * i + 2, j:j + 3])
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_sliding_windows_base_version_equals_numpy_view():
    rng = np.random.default_rng(2)
    array = rng.normal(size=(2, 3, 7, 6))
    numpy_backend = backend.get_backend("cpu")
    generic = backend.Backend(np, "cpu")   # the array API version, as CuPy runs it
    for window, stride in [((3, 3), (1, 1)), ((2, 3), (2, 1)), ((7, 1), (1, 3)), ((1, 1), (3, 2))]:
        view = numpy_backend.sliding_windows(array, window, stride)
        np.testing.assert_array_equal(generic.sliding_windows(array, window, stride), view)
        i, j, a, b = view.shape[2] - 1, view.shape[3] - 1, window[0] - 1, window[1] - 1
        assert view[1, 2, i, j, a, b] == array[1, 2, i * stride[0] + a, j * stride[1] + b]


# --- the strict array API namespace: every array call goes through the backend ---------------------


def _conv_net_step(seed):
    mg.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(3, 2, 2),
                          nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False), nn.Flatten(), nn.Linear(18, 4))
    x = mg.tensor(np.random.default_rng(seed).normal(size=(2, 1, 6, 6)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(model(x), np.array([1, 3]))
    loss.backward()
    return [loss.numpy()] + [p._backend.to_numpy(p.grad) for p in model.parameters()] + [grad_of(x)]


def test_same_results_on_the_strict_array_api_namespace():
    pytest.importorskip("array_api_strict")
    expected = _conv_net_step(0)
    backend.use_cpu_namespace("array_api_strict")
    try:
        got = _conv_net_step(0)
    finally:
        backend.use_cpu_namespace("numpy")
    for mine, ref in zip(got, expected):
        np.testing.assert_allclose(mine, ref, rtol=1e-5, atol=1e-6)


# --- errors ------------------------------------------------------------------------------------


def test_wrong_channel_count_says_what_to_do():
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(mg.ShapeError, match=r"has 1 channels \(axis 1\).*expects in_channels = 3.*in_channels=1"):
        conv(mg.zeros(2, 1, 8, 8))
    with pytest.raises(mg.ShapeError, match=r"channels-last.*permute\(0, 3, 1, 2\)"):
        conv(mg.zeros(2, 8, 8, 3))


def test_kernel_larger_than_padded_input():
    with pytest.raises(mg.ShapeError, match=r"kernel \(5 x 5\) is larger than the padded input \(4 x 4: 2 x 2 with "
                                            r"padding \(1, 1\)\)"):
        F.conv2d(mg.zeros(1, 1, 2, 2), mg.zeros(1, 1, 5, 5), padding=1)
    with pytest.raises(mg.ShapeError, match="larger than the padded input.*pool less often"):
        F.max_pool2d(mg.zeros(1, 1, 1, 1), 2)


@pytest.mark.parametrize("shape, words", [((64,), r"got a tensor of shape \(64,\)"),
                                          ((5, 64), r"X.reshape\(-1, 1, 8, 8\)"),
                                          ((1, 1, 1, 8, 8), r"\(N, C, H, W\), or one image \(C, H, W\)")])
@pytest.mark.parametrize("fn", [lambda x: F.conv2d(x, mg.zeros(1, 1, 3, 3)), lambda x: F.max_pool2d(x, 2),
                                lambda x: F.avg_pool2d(x, 2)], ids=["conv2d", "max_pool2d", "avg_pool2d"])
def test_images_must_have_four_axes(fn, shape, words):
    with pytest.raises(mg.ShapeError, match=words):
        fn(mg.zeros(*shape))


def test_other_bad_arguments():
    x, wt = mg.zeros(1, 1, 5, 5), mg.zeros(2, 1, 3, 3)
    with pytest.raises(TypeError, match="input is float64 but the weight is float32"):
        F.conv2d(mg.zeros(1, 1, 5, 5, dtype="float64"), wt)
    with pytest.raises(TypeError, match="floating-point images, got int64"):
        F.max_pool2d(mg.tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2)
    with pytest.raises(TypeError, match="takes a Tensor of images"):
        F.conv2d(np.zeros((1, 1, 5, 5)), wt)
    with pytest.raises(ValueError, match="stride must be positive"):
        F.conv2d(x, wt, stride=0)
    with pytest.raises(TypeError, match="padding must be an int or a pair"):
        F.conv2d(x, wt, padding=(1, 1, 1))
    with pytest.raises(TypeError, match="padding='same' is not supported"):
        F.conv2d(x, wt, padding="same")
    with pytest.raises(mg.ShapeError, match=r"bias must be a Tensor of shape \(2,\)"):
        F.conv2d(x, wt, mg.zeros(3))
    with pytest.raises(mg.ShapeError, match=r"weight must be a Tensor of shape \(out_channels, in_channels, kH, kW\)"):
        F.conv2d(x, mg.zeros(2, 9))
    with pytest.raises(ValueError, match="padding .* must be at most half the kernel size"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="kernel_size must be positive"):
        nn.Conv2d(1, 1, 0)


# --- layers ------------------------------------------------------------------------------------


def test_conv2d_init_as_torch():
    mg.manual_seed(0)
    conv = nn.Conv2d(4, 64, (3, 5))
    bound = 1 / math.sqrt(4 * 3 * 5)
    w, b = conv.weight.numpy(), conv.bias.numpy()
    assert w.shape == (64, 4, 3, 5) and b.shape == (64,) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound      # U(-b, b) has std b / sqrt(3)
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.8 * bound
    assert nn.Conv2d(1, 2, 3, bias=False).bias is None


def _cnn(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3, padding=1), lib.nn.ReLU(), lib.nn.MaxPool2d(2),
                             lib.nn.Conv2d(4, 6, 3, stride=2, padding=1, bias=False), lib.nn.ReLU(),
                             lib.nn.AvgPool2d(2), lib.nn.Flatten(), lib.nn.Linear(6, 10))


def test_state_dict_names_as_torch():
    names = {k: tuple(v.shape) for k, v in _cnn(mg).state_dict().items()}
    assert names == {"0.weight": (4, 1, 3, 3), "0.bias": (4,), "3.weight": (6, 4, 3, 3), "7.weight": (10, 6),
                     "7.bias": (10,)}
    if torch is not None:
        assert names == {k: tuple(v.shape) for k, v in _cnn(torch).state_dict().items()}


@needs_torch
def test_a_cnn_loaded_from_torch_gives_torch_outputs_and_gradients():
    theirs = _cnn(torch).double()
    ours = _cnn(mg).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).normal(size=(5, 1, 8, 8))
    targets = np.array([0, 3, 9, 3, 1])
    loss = F.cross_entropy(ours(mg.tensor(x)), targets)
    ref = tF.cross_entropy(theirs(torch.tensor(x)), torch.tensor(targets))
    loss.backward()
    ref.backward()
    assert abs(loss.item() - ref.item()) < 1e-12
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(grad_of(p), q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_layer_reprs():
    assert repr(nn.Conv2d(1, 8, 3, padding=1)) == "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert repr(nn.Conv2d(2, 4, (1, 3), stride=2, bias=False)) == \
        "Conv2d(2, 4, kernel_size=(1, 3), stride=(2, 2), bias=False)"
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


@needs_torch
@pytest.mark.parametrize("start_dim, end_dim", [(1, -1), (0, 1), (2, 3), (-3, -2)])
def test_flatten_as_torch(start_dim, end_dim):
    x = np.arange(120.0).reshape(2, 3, 4, 5)
    ours = nn.Flatten(start_dim, end_dim)(mg.tensor(x))
    theirs = torch.nn.Flatten(start_dim, end_dim)(torch.tensor(x))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_max_pool_module_returns_indices_when_asked():
    values, indices = nn.MaxPool2d(2, return_indices=True)(mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4)))
    np.testing.assert_array_equal(values.numpy(), [[[[5.0, 7.0], [13.0, 15.0]]]])
    np.testing.assert_array_equal(indices.numpy(), [[[[5, 7], [13, 15]]]])


def test_only_what_needs_a_gradient_gets_one(rng):
    x = mg.tensor(rng.normal(size=(2, 1, 5, 5)))                     # data: no gradient
    wt = leaf(rng.normal(size=(3, 1, 3, 3)))
    out = F.conv2d(x, wt, padding=1)
    out.sum().backward()
    assert x.grad is None and wt.grad.shape == (3, 1, 3, 3)
    with mg.no_grad():
        assert not F.conv2d(x, wt).requires_grad
    assert F.conv2d(x.float(), wt.float()).dtype_name == "float32"


def test_a_small_cnn_learns():
    mg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 1, 6, 6)).astype(np.float32)
    y = (x[:, 0, :3].sum(axis=(1, 2)) > x[:, 0, 3:].sum(axis=(1, 2))).astype(np.int64)   # top half brighter?
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 2))
    opt = mg.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(60):
        loss = F.cross_entropy(model(mg.tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]


# --- the GPU (CuPy): the same numbers as the CPU (`pytest -m gpu`) ------------------------------

GPU_USABLE, WHY_NO_GPU = mg.cuda_status()


@pytest.mark.gpu
@pytest.mark.skipif(not GPU_USABLE, reason=f"no usable GPU: {WHY_NO_GPU}")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_numbers_on_the_gpu(dtype):
    rng = np.random.default_rng(5)
    x, wt, b = (a.astype(dtype) for a in _conv_arrays(rng, 2, 3, 7, 6, 4, 3))

    def run(device):
        leaves = [mg.Tensor(a, requires_grad=True, device=device) for a in (x, wt, b)]
        out = F.conv2d(*leaves, stride=(1, 2), padding=1)
        out = F.max_pool2d(out, 2, stride=1) + F.avg_pool2d(out, 3, stride=1, padding=1)[..., :-1, :-1]
        weights = np.linspace(-1, 1, out.numel()).reshape(out.shape).astype(dtype)
        (out * mg.Tensor(weights, device=device)).sum().backward()
        return [out.numpy()] + [t._backend.to_numpy(t.grad) for t in leaves]

    rtol = 1e-5 if dtype == np.float32 else 1e-10
    for on_gpu, on_cpu in zip(run("cuda"), run("cpu")):
        np.testing.assert_allclose(on_gpu, on_cpu, rtol=rtol, atol=rtol)
