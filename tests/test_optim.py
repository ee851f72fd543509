"""Optimizers: the same trajectories as torch.optim (float64), and clear errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

CONFIGS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.5, weight_decay=0.05)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.01, momentum=0.5, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.02, initial_accumulator_value=0.1)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.001, alpha=0.9)),
    ("RMSprop", dict(lr=0.001, centered=True)),
    ("RMSprop", dict(lr=0.001, momentum=0.9)),
    ("RMSprop", dict(lr=0.001, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.001, momentum=0.8, centered=True, weight_decay=0.05, eps=1e-6)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05, eps=1e-6)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.0)),
]


def _problem():
    """A small float64 model: a least-squares fit plus an ill-conditioned quadratic, with a non-convex term."""
    rng = np.random.default_rng(0)
    return dict(
        X=rng.normal(size=(16, 3)), Y=rng.normal(size=(16, 2)),
        d=np.array([0.1, 1.0, 10.0, 50.0]), c=rng.normal(size=4),
        W0=rng.normal(size=(2, 3)), b0=rng.normal(size=2), v0=rng.normal(size=4),
    )


def _loss(W, b, v, P, lib_tanh):
    fit = ((P["X"] @ W.T + b - P["Y"]) ** 2).mean()
    quad = (P["d"] * (v - P["c"]) ** 2).sum() * 0.5
    return fit + quad + lib_tanh(W).sum() * 0.1


def _run_minigrad(name, kwargs, steps, P, schedule=None):
    params = [mg.Tensor(P[k].copy(), requires_grad=True) for k in ("W0", "b0", "v0")]
    opt = getattr(optim, name)(params, **kwargs)
    for t in range(steps):
        if schedule:
            schedule(opt, t)
        opt.zero_grad()
        _loss(*params, P, lambda x: x.tanh()).backward()
        opt.step()
    return [p.numpy() for p in params]


def _run_torch(name, kwargs, steps, P, schedule=None):
    torch = pytest.importorskip("torch")
    params = [torch.tensor(P[k].copy(), requires_grad=True) for k in ("W0", "b0", "v0")]
    Pt = {k: torch.tensor(v) for k, v in P.items()}
    opt = getattr(torch.optim, name)(params, **kwargs)
    for t in range(steps):
        if schedule:
            schedule(opt, t)
        opt.zero_grad()
        _loss(*params, Pt, torch.tanh).backward()
        opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_matches_torch_over_100_steps(name, kwargs):
    P = _problem()
    ours = _run_minigrad(name, kwargs, 100, P)
    theirs = _run_torch(name, kwargs, 100, P)
    for mine, ref, start in zip(ours, theirs, (P["W0"], P["b0"], P["v0"])):
        assert not np.allclose(mine, start), "the parameters should have moved"
        np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_learning_rate_schedule_through_param_groups(name):
    def schedule(opt, t):
        for group in opt.param_groups:
            group["lr"] = 0.01 * 0.97 ** t
    P = _problem()
    kwargs = dict(lr=0.01, momentum=0.9) if name == "SGD" else dict(lr=0.01)
    ours = _run_minigrad(name, kwargs, 50, P, schedule)
    theirs = _run_torch(name, kwargs, 50, P, schedule)
    for mine, ref in zip(ours, theirs):
        np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=1e-10)


def test_lr_property_sets_every_group():
    a, b = mg.zeros(2, requires_grad=True), mg.zeros(2, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    with pytest.raises(AttributeError, match="different learning rates"):
        opt.lr
    opt.lr = 0.2
    assert opt.lr == 0.2 and [g["lr"] for g in opt.param_groups] == [0.2, 0.2]


def test_param_groups_match_torch():
    torch = pytest.importorskip("torch")
    P = _problem()
    ours = [mg.Tensor(P[k].copy(), requires_grad=True) for k in ("W0", "b0", "v0")]
    theirs = [torch.tensor(P[k].copy(), requires_grad=True) for k in ("W0", "b0", "v0")]
    Pt = {k: torch.tensor(v) for k, v in P.items()}
    opt = optim.Adam([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.05, "amsgrad": True}], lr=0.01)
    ref = torch.optim.Adam([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.05, "amsgrad": True}], lr=0.01)
    for _ in range(30):
        for o, params, P_, tanh in ((opt, ours, P, lambda x: x.tanh()), (ref, theirs, Pt, torch.tanh)):
            o.zero_grad()
            _loss(*params, P_, tanh).backward()
            o.step()
    for mine, r in zip(ours, theirs):
        np.testing.assert_allclose(mine.numpy(), r.detach().numpy(), rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_step_skips_parameters_without_grad(name):
    used = mg.Tensor(np.ones(3), requires_grad=True)
    unused = mg.Tensor(np.ones(3), requires_grad=True)
    opt = getattr(optim, name)([used, unused], lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
    (used * used).sum().backward()
    opt.step()
    assert not np.allclose(used.numpy(), 1.0)
    np.testing.assert_array_equal(unused.numpy(), 1.0)
    assert unused.grad is None and unused not in opt.state


def test_zero_grad_sets_none_and_step_never_touches_grad():
    w = mg.Tensor(np.arange(3.0), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.1)
    (w * w).sum().backward()
    grad_before = w.grad.copy()
    grad_array = w.grad
    opt.step()
    opt.step()
    assert w.grad is grad_array
    np.testing.assert_array_equal(w.grad, grad_before)
    assert opt.state[w]["momentum_buffer"] is not w.grad
    opt.zero_grad()
    assert w.grad is None


def test_works_with_a_module_and_keeps_float32():
    mg.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.1)
    x = mg.randn(8, 3)
    first = None
    for _ in range(20):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < first
    assert all(p.dtype_name == "float32" for p in model.parameters())


def test_closure_is_called_and_returned():
    w = mg.Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert loss.item() == 2.0
    np.testing.assert_allclose(w.numpy(), 0.0)


def test_defaults_are_torch_defaults():
    torch = pytest.importorskip("torch")
    w, tw = mg.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    for name in ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW"):
        ours = getattr(optim, name)([w]).param_groups[0]
        theirs = getattr(torch.optim, name)([tw]).param_groups[0]
        for key, value in ours.items():
            if key != "params":
                assert theirs[key] == value, (name, key)


@pytest.mark.parametrize("make,match", [
    (lambda p: optim.SGD(p, lr=-0.1), "Invalid learning rate"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-1), "Invalid momentum"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
    (lambda p: optim.Adam(p, lr=-1), "Invalid learning rate"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "beta parameter at index 0"),
    (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), "beta parameter at index 1"),
    (lambda p: optim.Adam(p, betas=(0.9,)), "pair"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Invalid eps"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay"),
    (lambda p: optim.RMSprop(p, alpha=-0.5), "Invalid alpha"),
    (lambda p: optim.RMSprop(p, weight_decay=-0.5), "Invalid weight_decay"),
])
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make([mg.zeros(2, requires_grad=True)])


def test_bad_params():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD(nn.ReLU().parameters(), lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(mg.zeros(2, requires_grad=True), lr=0.1)
    with pytest.raises(TypeError, match="model.parameters"):
        optim.SGD(nn.Linear(2, 2), lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([mg.zeros(2, requires_grad=True) * 2], lr=0.1)
    w = mg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.SGD([w], lr=0.1).lr = -1


def test_repr_lists_groups():
    text = repr(optim.Adam([mg.zeros(2, requires_grad=True)], lr=0.01))
    assert text.startswith("Adam (") and "Parameter Group 0" in text and "lr: 0.01" in text
