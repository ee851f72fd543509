"""Optimizers: the same trajectories as torch.optim (float64), and clear errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
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


# --- state_dict / load_state_dict ----------------------------------------------------------------


def _params(P, keys=("W0", "b0", "v0")):
    return [mg.Tensor(P[k].copy(), requires_grad=True) for k in keys]


def _train(opt, params, P, steps):
    for _ in range(steps):
        opt.zero_grad()
        _loss(*params, P, lambda x: x.tanh()).backward()
        opt.step()


def _other_lr(kwargs):
    """The same settings with another learning rate: load_state_dict must bring back the saved one."""
    return {**kwargs, "lr": 0.123}


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_state_dict_round_trip_equals_uninterrupted_training(name, kwargs):
    P = _problem()
    straight = _params(P)
    _train(getattr(optim, name)(straight, **kwargs), straight, P, 15)

    first = _params(P)
    opt = getattr(optim, name)(first, **kwargs)
    _train(opt, first, P, 7)
    saved = opt.state_dict()
    fresh = [mg.Tensor(p.numpy(), requires_grad=True) for p in first]      # a fresh copy of the model
    resumed = getattr(optim, name)(fresh, **_other_lr(kwargs))
    resumed.load_state_dict(saved)
    _train(resumed, fresh, P, 8)
    for mine, ref in zip(fresh, straight):
        np.testing.assert_array_equal(mine.numpy(), ref.numpy())


def test_state_dict_round_trip_with_groups_and_a_module():
    mg.manual_seed(0)
    X, y = mg.randn(16, 3), np.arange(16) % 2

    def run(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            F.cross_entropy(model(X), y).backward()
            opt.step()

    def make(model, lr=0.01):
        return optim.Adam([{"params": model[0].parameters()},
                           {"params": model[2].parameters(), "lr": 0.05, "amsgrad": True}], lr=lr)

    straight = nn.MLP([3, 8, 2])
    copy = nn.MLP([3, 8, 2])
    copy.load_state_dict(straight.state_dict())
    run(straight, make(straight), 12)

    opt = make(copy)
    run(copy, opt, 5)
    fresh = nn.MLP([3, 8, 2])
    fresh.load_state_dict(copy.state_dict())
    resumed = make(fresh, lr=1.0)
    resumed.load_state_dict(opt.state_dict())
    assert [g["lr"] for g in resumed.param_groups] == [0.01, 0.05]
    run(fresh, resumed, 7)
    for (name, mine), (_, ref) in zip(fresh.named_parameters(), straight.named_parameters()):
        np.testing.assert_array_equal(mine.numpy(), ref.numpy(), err_msg=name)


def _numpy_state_dict(torch_sd):
    """A torch optimizer state dict with every tensor as a NumPy array (what minigrad can read)."""
    state = {i: {k: v.numpy() if hasattr(v, "numpy") else v for k, v in s.items()}
             for i, s in torch_sd["state"].items()}
    return {"state": state, "param_groups": [dict(g) for g in torch_sd["param_groups"]]}


def _torch_state_dict(sd):
    """A minigrad optimizer state dict in torch's types: tensors, and the step count as a float tensor."""
    torch = pytest.importorskip("torch")
    state = {i: {k: torch.tensor(float(v)) if k == "step" else torch.tensor(v.numpy()) for k, v in s.items()}
             for i, s in sd["state"].items()}
    return {"state": state, "param_groups": [dict(g) for g in sd["param_groups"]]}


def _run_torch_params(name, kwargs, steps, P, params=None, state=None):
    torch = pytest.importorskip("torch")
    params = params or [torch.tensor(P[k].copy(), requires_grad=True) for k in ("W0", "b0", "v0")]
    Pt = {k: torch.tensor(v) for k, v in P.items()}
    opt = getattr(torch.optim, name)(params, **kwargs)
    if state is not None:
        opt.load_state_dict(state)
    for _ in range(steps):
        opt.zero_grad()
        _loss(*params, Pt, torch.tanh).backward()
        opt.step()
    return params, opt


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_state_dict_has_torch_structure_and_values(name, kwargs):
    P = _problem()
    ours = _params(P)
    opt = getattr(optim, name)(ours, **kwargs)
    _train(opt, ours, P, 6)
    _, ref = _run_torch_params(name, kwargs, 6, P)
    mine, theirs = opt.state_dict(), ref.state_dict()
    assert set(mine) == {"state", "param_groups"}
    assert list(mine["state"]) == list(theirs["state"])
    for index, state in mine["state"].items():
        assert set(state) == set(theirs["state"][index]), (index, set(state), set(theirs["state"][index]))
        for key, value in state.items():
            expected = theirs["state"][index][key]
            if key == "step":
                assert isinstance(value, int) and value == expected.item()
            else:
                assert isinstance(value, mg.Tensor) and value.dtype_name == "float64"
                np.testing.assert_allclose(value.numpy(), expected.numpy(), rtol=1e-9, atol=1e-12)
    assert len(mine["param_groups"]) == len(theirs["param_groups"])
    for group, expected in zip(mine["param_groups"], theirs["param_groups"]):
        for key, value in group.items():
            assert expected[key] == value, key


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_torch_state_dict_loads_and_training_goes_on_the_same(name, kwargs):
    torch = pytest.importorskip("torch")
    P = _problem()
    params, ref = _run_torch_params(name, kwargs, 6, P)
    saved = _numpy_state_dict(ref.state_dict())
    ours = [mg.Tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    opt = getattr(optim, name)(ours, **_other_lr(kwargs))
    opt.load_state_dict(saved)
    _train(opt, ours, P, 9)
    theirs = [torch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    _run_torch_params(name, _other_lr(kwargs), 9, P, theirs, ref.state_dict())
    for mine, expected in zip(ours, theirs):
        np.testing.assert_allclose(mine.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_torch_loads_minigrad_state_dict_and_training_goes_on_the_same(name, kwargs):
    torch = pytest.importorskip("torch")
    P = _problem()
    ours = _params(P)
    opt = getattr(optim, name)(ours, **kwargs)
    _train(opt, ours, P, 6)
    theirs = [torch.tensor(p.numpy(), requires_grad=True) for p in ours]
    _run_torch_params(name, _other_lr(kwargs), 9, P, theirs, _torch_state_dict(opt.state_dict()))
    _train(opt, ours, P, 9)
    for mine, expected in zip(ours, theirs):
        np.testing.assert_allclose(mine.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_state_dict_is_a_copy_and_loading_copies():
    P = _problem()
    params = _params(P)
    opt = optim.Adam(params, lr=0.01)
    _train(opt, params, P, 3)
    saved = opt.state_dict()
    kept = saved["state"][0]["exp_avg"].numpy()
    _train(opt, params, P, 2)
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"].numpy(), kept)   # later steps leave it alone
    assert saved["state"][0]["step"] == 3 and opt.state_dict()["state"][0]["step"] == 5

    fresh = optim.Adam(_params(P), lr=0.01)
    fresh.load_state_dict(saved)
    saved["state"][0]["exp_avg"].data[...] = 123.0
    saved["param_groups"][0]["lr"] = 7.0
    assert not np.any(fresh.state[fresh.param_groups[0]["params"][0]]["exp_avg"] == 123.0)
    assert fresh.param_groups[0]["lr"] == 0.01


def test_state_dict_groups_number_parameters_across_groups_as_torch():
    a, b, c = (mg.zeros(2, requires_grad=True) for _ in range(3))
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    for p in (a, c):
        p.grad = np.ones(2, dtype=np.float32)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sorted(sd["state"]) == [0, 2]                     # b had no gradient: no state, as in torch
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.5]


def test_load_casts_state_to_each_parameters_dtype():
    P = _problem()
    params = _params(P)                                       # float64
    opt = optim.Adam(params, lr=0.01, amsgrad=True)
    _train(opt, params, P, 2)
    float32 = [mg.Tensor(p.numpy().astype(np.float32), requires_grad=True) for p in params]
    other = optim.Adam(float32, lr=0.01, amsgrad=True)
    other.load_state_dict(opt.state_dict())
    for p in float32:
        state = other.state[p]
        assert state["step"] == 2
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            assert state[key].dtype == np.float32 and state[key].shape == p.shape
    _train(other, float32, {k: v.astype(np.float32) for k, v in P.items()}, 2)
    assert all(p.dtype_name == "float32" and other.state[p]["exp_avg"].dtype == np.float32 for p in float32)


def test_a_step_keeps_the_parameters_dtype_as_torchs_in_place_update():
    w = mg.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = np.full(3, 0.5)                                   # a float64 gradient
    opt.step()
    assert w.dtype_name == "float32"
    np.testing.assert_allclose(w.numpy(), 0.95)


@pytest.mark.gpu
def test_load_moves_state_to_the_parameters_device():
    usable, why = mg.cuda_status()
    if not usable:
        pytest.skip(f"no usable GPU: {why}")
    P = _problem()
    params = _params(P)
    opt = optim.SGD(params, lr=0.01, momentum=0.9)
    _train(opt, params, P, 2)
    on_gpu = [mg.Tensor(p.numpy(), requires_grad=True, device="cuda") for p in params]
    other = optim.SGD(on_gpu, lr=0.01, momentum=0.9)
    other.load_state_dict(opt.state_dict())
    for p in on_gpu:
        assert type(other.state[p]["momentum_buffer"]).__module__.startswith("cupy")
    saved = other.state_dict()
    assert saved["state"][0]["momentum_buffer"].device == "cuda"
    back = optim.SGD(params, lr=0.01, momentum=0.9)
    back.load_state_dict(saved)
    assert isinstance(back.state[params[0]]["momentum_buffer"], np.ndarray)


def _adam_with_state():
    P = _problem()
    params = _params(P)
    opt = optim.Adam(params, lr=0.01)
    _train(opt, params, P, 2)
    return opt, params


@pytest.mark.parametrize("change,error,match", [
    (lambda sd: None, TypeError, r"expects the dict that optimizer.state_dict\(\) returns .* got NoneType"),
    (lambda sd: {"0.weight": np.ones(2)}, ValueError, r"no 'state'.*model.load_state_dict"),
    (lambda sd: {"state": sd["state"]}, ValueError, r"no 'param_groups'"),
    (lambda sd: {**sd, "state": [1]}, TypeError, r"state_dict\['state'\] must be a dict"),
    (lambda sd: {**sd, "param_groups": [{"lr": 0.1}]}, ValueError, r"must be a dict with a 'params' list"),
    (lambda sd: {**sd, "param_groups": sd["param_groups"] * 2}, ValueError,
     r"the state dict has 2 parameter groups, this optimizer has 1"),
    (lambda sd: {**sd, "param_groups": [{**sd["param_groups"][0], "params": [0, 1]}]}, ValueError,
     r"parameter group 0 of the state dict has 2 parameters, this optimizer's has 3"),
    (lambda sd: {**sd, "state": {**sd["state"], 1: {**sd["state"][1], "exp_avg": np.zeros(3)}}}, ValueError,
     r"state 'exp_avg' of parameter 1 has shape \(3,\), but the parameter has shape \(2,\)"),
    (lambda sd: {**sd, "state": {**sd["state"], 5: sd["state"][0]}}, ValueError,
     r"state for parameter 5, but the parameter groups list only 0 to 2"),
    (lambda sd: {**sd, "state": {**sd["state"], 0: {**sd["state"][0], "exp_avg": "zeros"}}}, TypeError,
     r"state 'exp_avg' of parameter 0 is a str"),
    (lambda sd: {**sd, "param_groups": [{k: v for k, v in sd["param_groups"][0].items() if k != "betas"}]},
     ValueError, r"parameter group 0 of the state dict has no 'betas': was it saved from another optimizer"),
])
def test_load_state_dict_errors_leave_the_optimizer_unchanged(change, error, match):
    opt, params = _adam_with_state()
    before = opt.state_dict()
    with pytest.raises(error, match=match):
        opt.load_state_dict(change(opt.state_dict()))
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for index, state in before["state"].items():
        for key, value in state.items():
            np.testing.assert_array_equal(np.asarray(after["state"][index][key].numpy()
                                                     if key != "step" else after["state"][index][key]),
                                          value.numpy() if key != "step" else value)


def test_sgd_state_dict_into_adam_says_so():
    w = mg.zeros(2, requires_grad=True)
    sgd = optim.SGD([w], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"has no 'betas'.*another optimizer.*this one is Adam"):
        optim.Adam([w]).load_state_dict(sgd.state_dict())


# --- what can be a parameter ---------------------------------------------------------------------


def test_numpy_array_is_not_a_parameter():
    with pytest.raises(TypeError, match=r"parameter 0 is a NumPy array.*Tensor\(array, requires_grad=True\)"):
        optim.SGD([np.zeros(2)], lr=0.1)
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):                            # torch raises the same kind of error
        torch.optim.SGD([np.zeros(2)], lr=0.1)


def test_parameter_that_does_not_require_grad():
    w = mg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"parameter 1 does not require grad.*requires_grad=True.*frozen"):
        optim.SGD([w, mg.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match=r"parameter 0 of group 1 does not require grad"):
        optim.Adam([{"params": [w]}, {"params": [mg.zeros(2)]}])


@pytest.mark.parametrize("bad,type_name", [(1.0, "float"), ("w", "str"), ([1.0, 2.0], "list")])
def test_other_things_are_not_parameters(bad, type_name):
    with pytest.raises(TypeError, match=rf"parameter 0 is a {type_name}: optimizers update Tensors"):
        optim.SGD([bad], lr=0.1)


def test_the_parameters_method_or_a_non_iterable():
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"the method model.parameters itself: call it, model.parameters\(\)"):
        optim.SGD(model.parameters, lr=0.1)
    with pytest.raises(TypeError, match="params must be an iterable of Tensors or of dicts, got int"):
        optim.SGD(3, lr=0.1)
