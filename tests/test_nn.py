"""nn: finding parameters, modes, layers against PyTorch (float64), init, clipping, state dicts, repr."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import init
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_


def _torch():
    return pytest.importorskip("torch")


def _to_torch(state):
    torch = _torch()
    return {k: torch.tensor(v.numpy()) for k, v in state.items()}


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


# --- finding parameters, buffers and submodules -----------------------------------


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2)]
        self.heads = {"a": nn.Linear(2, 1), "b": nn.Linear(2, 1, bias=False)}
        self.scale = mg.ones(1, requires_grad=True)
        self.pair = (mg.zeros(2, requires_grad=True), mg.zeros(2))   # the second needs no grad
        self.constant = mg.ones(2)                                   # not a parameter
        self.norm = nn.BatchNorm1d(2)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        x = self.norm(x) * self.scale + self.pair[0]
        return self.heads["a"](x) + self.heads["b"](x)


def test_named_parameters_through_lists_dicts_tuples_and_nesting():
    names = [n for n, _ in Block().named_parameters()]
    assert names == [
        "scale", "pair.0",
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
        "heads.a.weight", "heads.a.bias", "heads.b.weight",
        "norm.weight", "norm.bias",
    ]
    model = Block()
    assert [id(p) for p in model.parameters()] == [id(p) for _, p in model.named_parameters()]
    assert all(p.requires_grad for p in model.parameters())


def test_buffers_are_found_and_are_not_parameters():
    model = Block()
    assert [n for n, _ in model.named_buffers()] == ["norm.running_mean", "norm.running_var",
                                                     "norm.num_batches_tracked"]
    assert all(not b.requires_grad for b in model.buffers())
    params = {id(p) for p in model.parameters()}
    assert not any(id(b) in params for b in model.buffers())


def test_shared_modules_and_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.modules())) == 3      # Sequential, Linear, ReLU


def test_frozen_parameter_stays_a_parameter_and_activations_are_not():
    layer = nn.Linear(2, 2)
    layer.weight.requires_grad_(False)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    layer.cache = layer(mg.randn(3, 2))          # a result of a computation, kept for a plot
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]


def test_a_subclass_that_forgets_super_init_still_works():
    class Bare(nn.Module):
        def __init__(self):
            self.w = mg.zeros(2, requires_grad=True)
            self.register_buffer("count", mg.zeros(1))

        def forward(self, x):
            return x * self.w
    m = Bare()
    assert [n for n, _ in m.named_parameters()] == ["w"] and m.training
    assert list(m.state_dict()) == ["w", "count"]


def test_zero_grad_sets_every_grad_to_none():
    model = Block()
    model(mg.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_and_eval_reach_every_submodule():
    model = nn.Sequential(Block(), nn.Residual(nn.Sequential(nn.Dropout(0.5))))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not model.training and all(not m.training for m in model.modules())
    assert not model[0].layers[1].training and not model[0].heads["a"].training
    model.train()
    assert all(m.training for m in model.modules())
    model.train(False)
    assert all(not m.training for m in model.modules())


def test_to_cpu_keeps_tensors_and_requires_grad():
    model = Block()
    params = model.parameters()
    assert model.to("cpu") is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.requires_grad and p.device == "cpu" for p in model.parameters())


def test_to_moves_parameters_buffers_and_grads_between_backends():
    """Moving between two CPU namespaces walks the same code path as moving to a GPU."""
    pytest.importorskip("array_api_strict")
    import minigrad.backend as backend
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model(mg.randn(5, 3)).sum().backward()
    params, values = model.parameters(), [t.numpy() for t in model.parameters() + model.buffers()]
    backend.use_cpu_namespace("array_api_strict")
    try:
        assert model.to("cpu") is model
        moved = model.parameters() + model.buffers()
        assert all(type(t.data).__module__.startswith("array_api_strict") for t in moved)
        assert all(type(p.grad).__module__.startswith("array_api_strict") for p in model.parameters())
        assert [id(p) for p in model.parameters()] == [id(p) for p in params]
        assert all(p.requires_grad for p in model.parameters())
        for t, v in zip(moved, values):
            np.testing.assert_array_equal(t.numpy(), v)
        model(mg.randn(5, 3)).sum().backward()
    finally:
        backend.use_cpu_namespace("numpy")


@pytest.mark.gpu
@pytest.mark.skipif(not mg.cuda_available(), reason="needs a CUDA GPU with CuPy")
def test_to_cuda_moves_parameters_and_buffers_and_trains():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    reference = model.state_dict()
    model.to("cuda")
    assert all(t.device == "cuda:0" for t in model.parameters() + model.buffers())
    assert all(p.requires_grad for p in model.parameters())
    opt = optim.Adam(model.parameters(), lr=0.01)
    x = mg.randn(16, 3, device="cuda")
    loss = (model(x) ** 2).mean()
    loss.backward()
    opt.step()
    model.to("cpu")
    moved = model.state_dict()
    assert not np.allclose(moved["0.weight"].numpy(), reference["0.weight"].numpy())


# --- layers ----------------------------------------------------------------------------


def test_linear_shapes_and_pytorch_init_bounds():
    mg.manual_seed(0)
    layer = nn.Linear(400, 300)
    assert layer.weight.shape == (300, 400) and layer.bias.shape == (300,)
    assert layer.weight.dtype_name == "float32" and layer.weight.requires_grad
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound                      # the whole range is used
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)   # U(-a, a) has std a/sqrt 3
    assert abs(w.mean()) < 0.01 * bound * 10
    assert nn.Linear(3, 2, bias=False).bias is None


def test_linear_matches_torch_forward_and_gradients():
    torch = _torch()
    ours = nn.Linear(4, 3, dtype="float64")
    theirs = torch.nn.Linear(4, 3, dtype=torch.float64)
    theirs.load_state_dict(_to_torch(ours.state_dict()))
    x = _rand(5, 4)
    xm, xt = mg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(xm), theirs(xt)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
    g = _rand(5, 3, seed=1)
    (out * mg.Tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xm.grad, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("activation,expected", [
    ("relu", nn.ReLU), ("tanh", nn.Tanh), ("sigmoid", nn.Sigmoid), ("gelu", nn.GELU),
    ("leaky_relu", nn.LeakyReLU), (nn.Tanh, nn.Tanh), (nn.LeakyReLU(0.2), nn.LeakyReLU),
])
def test_mlp_layout(activation, expected):
    model = nn.MLP([2, 16, 8, 3], activation=activation)
    kinds = [type(m) for m in model]
    assert kinds == [nn.Linear, expected, nn.Linear, expected, nn.Linear]
    assert model[1] is not model[3]
    assert [(l.in_features, l.out_features) for l in model.linears] == [(2, 16), (16, 8), (8, 3)]
    assert model(mg.randn(5, 2)).shape == (5, 3)
    assert [type(m) for m in nn.MLP([2, 3], activation="relu")] == [nn.Linear]


def test_mlp_errors_and_function_activation():
    with pytest.raises(ValueError, match="unknown activation"):
        nn.MLP([2, 3, 1], activation="swish")
    with pytest.raises(ValueError, match="at least"):
        nn.MLP([2])
    model = nn.MLP([2, 3, 1], activation=lambda x: x.relu())
    assert isinstance(model[1], nn.Lambda) and model(mg.randn(4, 2)).shape == (4, 1)
    assert len(nn.MLP([2, 3, 1], activation=None)) == 2


def test_mlp_state_dict_loads_into_the_same_torch_sequential():
    torch = _torch()
    ours = nn.MLP([4, 8, 3], activation="tanh", dtype="float64")
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    theirs.load_state_dict(_to_torch(ours.state_dict()))
    x = _rand(6, 4)
    np.testing.assert_allclose(ours(mg.Tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("module,torch_name,kwargs", [
    (nn.ReLU(), "ReLU", {}), (nn.Tanh(), "Tanh", {}), (nn.Sigmoid(), "Sigmoid", {}),
    (nn.GELU(), "GELU", {}), (nn.LeakyReLU(0.1), "LeakyReLU", {"negative_slope": 0.1}),
])
def test_activation_modules_match_torch(module, torch_name, kwargs):
    torch = _torch()
    x = _rand(4, 5)
    xm, xt = mg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = module(xm), getattr(torch.nn, torch_name)(**kwargs)(xt)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(xm.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_dropout_train_zeros_about_p_and_rescales_eval_is_identity():
    mg.manual_seed(0)
    layer = nn.Dropout(0.3)
    x = mg.ones(200, 500)
    out = layer(x).numpy()
    zero_fraction = (out == 0).mean()
    assert abs(zero_fraction - 0.3) < 0.01
    np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)
    assert abs(out.mean() - 1) < 0.02                      # inverted dropout keeps the mean
    layer.eval()
    assert layer(x) is x or np.array_equal(layer(x).numpy(), x.numpy())
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_dropout_gradient_uses_the_same_mask():
    mg.manual_seed(1)
    x = mg.Tensor(np.ones((50, 40)), requires_grad=True)
    out = nn.Dropout(0.5)(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.numpy())     # d out / d x = mask / (1 - p) = out here


def test_residual_adds_the_input():
    inner = nn.Linear(3, 3, dtype="float64")
    block = nn.Residual(inner)
    x = mg.Tensor(_rand(2, 3), requires_grad=True)
    np.testing.assert_allclose(block(x).numpy(), x.numpy() + inner(x).numpy())
    block(x).sum().backward()
    np.testing.assert_allclose(x.grad, 1 + inner.weight.numpy().sum(axis=0)[None, :].repeat(2, 0))


# --- normalization ------------------------------------------------------------------------


def _copy_to_torch_bn(ours, torch):
    theirs = torch.nn.BatchNorm1d(ours.num_features, eps=ours.eps, momentum=ours.momentum, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(_rand(ours.num_features, seed=5)))
        theirs.bias.copy_(torch.tensor(_rand(ours.num_features, seed=6)))
    ours.load_state_dict(_state_from_torch(theirs))
    return theirs


def _state_from_torch(module):
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
@pytest.mark.parametrize("shape", [(8, 4), (6, 4, 5)])
def test_batchnorm_matches_torch_in_train_and_eval(momentum, shape):
    torch = _torch()
    ours = nn.BatchNorm1d(4, momentum=momentum, dtype="float64")
    theirs = _copy_to_torch_bn(ours, torch)
    for step in range(4):
        x = _rand(*shape, seed=step) * (step + 1) + step
        xm, xt = mg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = ours(xm), theirs(xt)
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-9, atol=1e-12)
        g = _rand(*shape, seed=10 + step)
        (out * mg.Tensor(g)).sum().backward()
        (ref * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(xm.grad, xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-12)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 4
    ours.eval(), theirs.eval()
    x = _rand(*shape, seed=99)
    xm, xt = mg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(xm), theirs(xt)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-9, atol=1e-12)
    out.sum().backward(), ref.sum().backward()
    np.testing.assert_allclose(xm.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_batchnorm_buffers_and_behaviour():
    bn = nn.BatchNorm1d(3)
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert not bn.running_mean.requires_grad and not bn.running_var.requires_grad
    x = mg.Tensor(_rand(64, 3) * 3 + 2, dtype="float32")
    out = bn(x).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-3)
    bn.eval()
    one = bn(x[:1])                                          # a single sample works in eval
    assert one.shape == (1, 3)
    bn.train()
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(x[:1])
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        bn(mg.randn(4, 5))


def test_layernorm_matches_torch_forward_and_gradients():
    torch = _torch()
    for shape, normalized in [((5, 6), 6), ((3, 4, 6), (4, 6))]:
        ours = nn.LayerNorm(normalized, dtype="float64")
        theirs = torch.nn.LayerNorm(normalized, dtype=torch.float64)
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(_rand(*theirs.weight.shape, seed=3)))
            theirs.bias.copy_(torch.tensor(_rand(*theirs.bias.shape, seed=4)))
        ours.load_state_dict(_state_from_torch(theirs))
        x = _rand(*shape) * 4 + 1
        xm, xt = mg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = ours(xm), theirs(xt)
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-9, atol=1e-12)
        g = _rand(*shape, seed=2)
        (out * mg.Tensor(g)).sum().backward()
        (ref * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(xm.grad, xt.grad.numpy(), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_layernorm_same_in_train_and_eval_and_checks_shape():
    ln = nn.LayerNorm(4)
    x = mg.randn(3, 4)
    a = ln(x).numpy()
    ln.eval()
    np.testing.assert_array_equal(ln(x).numpy(), a)
    with pytest.raises(ValueError, match="LayerNorm"):
        ln(mg.randn(3, 5))


# --- init ----------------------------------------------------------------------------------


def test_calculate_gain_matches_torch():
    torch = _torch()
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0), ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError):
        init.calculate_gain("swish")


def _std_and_bound(fn, shape, **kwargs):
    mg.manual_seed(0)
    t = mg.zeros(*shape)
    assert fn(t, **kwargs) is t
    values = t.numpy()
    return values.std(), np.abs(values).max(), values.mean()


@pytest.mark.parametrize("fn,kwargs,expected_std,uniform", [
    (init.xavier_uniform_, {}, math.sqrt(2 / (200 + 300)), True),
    (init.xavier_uniform_, {"gain": 5 / 3}, 5 / 3 * math.sqrt(2 / (200 + 300)), True),
    (init.xavier_normal_, {}, math.sqrt(2 / (200 + 300)), False),
    (init.kaiming_uniform_, {}, math.sqrt(2 / 200), True),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, 1 / math.sqrt(3 * 200), True),
    (init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / 300), True),
    (init.kaiming_normal_, {}, math.sqrt(2 / 200), False),
    (init.kaiming_normal_, {"nonlinearity": "tanh"}, 5 / 3 / math.sqrt(200), False),
    (init.normal_, {"std": 0.02}, 0.02, False),
])
def test_init_std_and_bounds_follow_torch_formulas(fn, kwargs, expected_std, uniform):
    std, biggest, mean = _std_and_bound(fn, (300, 200), **kwargs)   # fan_in = 200, fan_out = 300
    np.testing.assert_allclose(std, expected_std, rtol=0.02)
    assert abs(mean) < 0.01 * expected_std * 10
    if uniform:
        bound = math.sqrt(3) * expected_std
        assert biggest <= bound * (1 + 1e-6) and biggest > 0.99 * bound


def test_init_agrees_with_torch_statistics():
    torch = _torch()
    torch.manual_seed(0)
    for ours, theirs in [(init.xavier_uniform_, torch.nn.init.xavier_uniform_),
                         (init.kaiming_normal_, torch.nn.init.kaiming_normal_)]:
        std_ours = _std_and_bound(ours, (256, 128))[0]
        std_theirs = theirs(torch.empty(256, 128)).std().item()
        np.testing.assert_allclose(std_ours, std_theirs, rtol=0.03)


def test_zeros_constant_uniform_and_fans():
    t = mg.randn(3, 4)
    init.zeros_(t)
    np.testing.assert_array_equal(t.numpy(), 0)
    init.constant_(t, 2.5)
    np.testing.assert_array_equal(t.numpy(), 2.5)
    init.uniform_(t, -2, -1)
    assert t.numpy().min() >= -2 and t.numpy().max() < -1
    assert init._calculate_fan_in_and_fan_out(mg.zeros(5, 3, 2, 2)) == (12, 20)
    with pytest.raises(ValueError, match="at least 2 axes"):
        init.xavier_uniform_(mg.zeros(5))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(mg.zeros(5, 3), mode="fan_avg")


def test_init_keeps_dtype_and_gradients_work():
    w = mg.zeros(4, 3, dtype="float64", requires_grad=True)
    init.kaiming_uniform_(w)
    assert w.dtype_name == "float64" and w.requires_grad and w.is_leaf
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad, 2 * w.numpy())


# --- gradient clipping ------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = _torch()
    grads = [_rand(3, 4, seed=1), _rand(5, seed=2), _rand(2, 2, seed=3)]
    ours = [mg.Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = g.copy(), torch.tensor(g)
    shared = ours[0].grad
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(expected.item(), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(shared, grads[0])       # the old gradient array was not modified
    if max_norm < total:
        flat = np.concatenate([p.grad.ravel() for p in ours])
        assert np.linalg.norm(flat, ord=norm_type) == pytest.approx(max_norm, rel=1e-5)


def test_clip_grad_norm_skips_missing_grads_and_accepts_a_tensor():
    a = mg.Tensor(np.zeros(2), requires_grad=True)
    b = mg.Tensor(np.zeros(2), requires_grad=True)
    assert clip_grad_norm_([a, b], 1.0) == 0.0
    a.grad = np.array([3.0, 4.0])
    assert clip_grad_norm_(a, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad, [0.6, 0.8], rtol=1e-5)
    assert b.grad is None
    a.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="nan or inf"):
        clip_grad_norm_(a, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    torch = _torch()
    g = _rand(4, 5) * 3
    p = mg.Tensor(np.zeros((4, 5)), requires_grad=True)
    q = torch.zeros(4, 5, dtype=torch.float64, requires_grad=True)
    p.grad, q.grad = g.copy(), torch.tensor(g)
    shared = p.grad
    assert clip_grad_value_([p], 1.0) is None
    torch.nn.utils.clip_grad_value_([q], 1.0)
    np.testing.assert_array_equal(p.grad, q.grad.numpy())
    assert np.abs(p.grad).max() == 1.0
    np.testing.assert_array_equal(shared, g)


# --- state dicts ---------------------------------------------------------------------------------


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_state_dict_names_and_snapshot():
    model = _model()
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                           "1.num_batches_tracked", "3.weight", "3.bias"]
    assert all(isinstance(v, mg.Tensor) and not v.requires_grad for v in state.values())
    before = state["0.weight"].numpy()
    optim.SGD(model.parameters(), lr=1.0).step()           # no grads: nothing moves
    model(mg.randn(8, 3)).sum().backward()
    optim.SGD(model.parameters(), lr=1.0).step()
    np.testing.assert_array_equal(state["0.weight"].numpy(), before)    # a snapshot, not a view


def test_state_dict_matches_torch_names():
    torch = _torch()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 2))
    assert list(_model().state_dict()) == list(theirs.state_dict())
    ours = _model()
    ours.load_state_dict(theirs.state_dict())                # torch tensors are accepted too
    np.testing.assert_array_equal(ours[0].weight.numpy(), theirs[0].weight.detach().numpy())


def test_load_state_dict_round_trip_with_tensors_arrays_and_files(tmp_path):
    from minigrad.serialization import load, save
    mg.manual_seed(0)
    source, target = _model(), _model()
    source(mg.randn(8, 3))                                   # move the running stats
    x = mg.randn(5, 3)
    source.eval(), target.eval()
    params = target.parameters()
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(target(x).numpy(), source(x).numpy())
    assert [id(p) for p in target.parameters()] == [id(p) for p in params]   # same tensors, new values
    assert all(p.requires_grad and p.dtype_name == "float32" for p in target.parameters())
    arrays = {k: v.numpy().astype(np.float64) if v.dtype_name == "float32" else v.numpy()
              for k, v in source.state_dict().items()}
    fresh = _model().eval()
    fresh.load_state_dict(arrays)
    assert fresh[0].weight.dtype_name == "float32"           # cast to the parameter's dtype
    np.testing.assert_allclose(fresh(x).numpy(), source(x).numpy(), rtol=1e-6)
    arrays["0.weight"][:] = 0                                # loading copied the array
    assert np.abs(fresh[0].weight.numpy()).max() > 0
    save(source.state_dict(), tmp_path / "model.npz")
    again = _model().eval()
    again.load_state_dict(load(tmp_path / "model.npz"))
    np.testing.assert_array_equal(again(x).numpy(), source(x).numpy())


def test_load_state_dict_errors_name_every_problem():
    model = _model()
    state = dict(model.state_dict())
    del state["0.bias"], state["1.running_var"]
    state["extra.weight"] = np.zeros(3)
    state["3.weight"] = np.zeros((3, 3))
    with pytest.raises(nn.StateDictError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    for part in ("missing", "0.bias", "1.running_var", "unexpected", "extra.weight",
                 "shape", "3.weight", "(2, 4)", "(3, 3)"):
        assert part in message, part
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(nn.StateDictError, match="3.weight"):     # a bad shape is an error even when not strict
        model.load_state_dict(state, strict=False)
    state["3.weight"] = np.zeros((2, 4))
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias", "1.running_var"] and result.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(model[3].weight.numpy(), 0)


# --- repr -------------------------------------------------------------------------------------------


def test_repr_like_pytorch():
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Residual(nn.Sequential(nn.LayerNorm(16), nn.Tanh())),
                          nn.BatchNorm1d(16), nn.Dropout(0.1), nn.LeakyReLU(0.2), nn.Linear(16, 1, bias=False))
    assert repr(model) == "\n".join([
        "Sequential(",
        "  (0): Linear(in_features=2, out_features=16, bias=True)",
        "  (1): ReLU()",
        "  (2): Residual(",
        "    (module): Sequential(",
        "      (0): LayerNorm((16,), eps=1e-05, elementwise_affine=True)",
        "      (1): Tanh()",
        "    )",
        "  )",
        "  (3): BatchNorm1d(16, eps=1e-05, momentum=0.1, affine=True)",
        "  (4): Dropout(p=0.1)",
        "  (5): LeakyReLU(negative_slope=0.2)",
        "  (6): Linear(in_features=16, out_features=1, bias=False)",
        ")",
    ])
    assert repr(nn.MLP([2, 3, 1])).startswith("MLP(\n  (0): Linear(in_features=2, out_features=3, bias=True)")
    assert "(layers.0): Linear" in repr(Block())


def test_sequential_indexing_and_len():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear)
    assert isinstance(model[:2], nn.Sequential) and len(model[:2]) == 2
    model.append(nn.Sigmoid())
    assert len(model) == 4 and model(mg.randn(4, 2)).shape == (4, 1)
    assert nn.Sequential([nn.ReLU(), nn.Tanh()])[1].__class__ is nn.Tanh


# --- the array API seam -----------------------------------------------------------------------------


def test_layers_and_training_step_use_only_the_array_api(cpu_namespace):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Dropout(0.2),
                          nn.Residual(nn.Sequential(nn.LayerNorm(8), nn.LeakyReLU())), nn.Linear(8, 3))
    init.xavier_normal_(model[0].weight)
    init.kaiming_uniform_(model[5].weight, nonlinearity="relu")
    init.zeros_(model[5].bias)
    x, y = mg.randn(16, 4), mg.Tensor(np.arange(16) % 3)
    import minigrad.functional as F
    for opt in (optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True),
                optim.Adagrad(model.parameters()), optim.RMSprop(model.parameters(), centered=True, momentum=0.5),
                optim.Adam(model.parameters(), amsgrad=True), optim.AdamW(model.parameters())):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        total = clip_grad_norm_(model.parameters(), 0.5)
        assert total > 0
        clip_grad_value_(model.parameters(), 0.1)
        opt.step()
    model.eval()
    state = model.state_dict()
    model.load_state_dict(state)
    assert model(x).shape == (16, 3) and np.isfinite(model(x).numpy()).all()


def test_module_to_dtype_casts_parameters_and_buffers_in_place():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    params = model.parameters()
    model.double()
    assert all(p.dtype_name == "float64" for p in model.parameters() + model.buffers()
               if p.dtype_name.startswith("float"))
    assert model.parameters()[0] is params[0] and params[0].requires_grad
    out = model(mg.tensor(np.ones((2, 3))))
    assert out.dtype_name == "float64"
    model.float()
    assert model[0].weight.dtype_name == "float32"
