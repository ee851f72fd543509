"""optim.lr_scheduler: each docstring's formula, and against torch.optim.lr_scheduler (where installed) the
same learning rates step after step, defaults, last_epoch, state dicts, chaining, and the warning about
the order of the steps."""
import copy
import inspect
import math
import warnings
from bisect import bisect_right

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler
from helpers import torch

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")

STEPS = 60


class Warmup:
    """A callable object (its state is saved by LambdaLR.state_dict, as in torch)."""

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.steps)


def _ours(lrs=(0.1,), momentum=0.9):
    """An SGD optimizer, one parameter group per learning rate."""
    return optim.SGD([{"params": [mg.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs],
                     lr=lrs[0], momentum=momentum)


def _optimizers(lrs=(0.1,), momentum=0.9):
    """The same SGD optimizer in minigrad and in torch."""
    ours = _ours(lrs, momentum)
    theirs = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs],
                             lr=lrs[0], momentum=momentum)
    return ours, theirs


def _step(opt):
    """One optimizer step with a gradient of ones (so the scheduler is stepped in the right order)."""
    for group in opt.param_groups:
        for p in group["params"]:
            p.grad = np.ones(2, dtype=np.float32) if isinstance(p, mg.Tensor) else torch.ones(2)
    opt.step()


def _lrs(opt, scheduler, steps):
    """get_last_lr() and the groups' lr after construction and after each of `steps` steps."""
    seen = [(list(scheduler.get_last_lr()), [g["lr"] for g in opt.param_groups])]
    for _ in range(steps):
        _step(opt)
        scheduler.step()
        seen.append((list(scheduler.get_last_lr()), [g["lr"] for g in opt.param_groups]))
    return seen


def _assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for t, ((mine_last, mine_groups), (ref_last, ref_groups)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(mine_last, ref_last, rtol=1e-12, atol=1e-15, err_msg=f"get_last_lr at step {t}")
        np.testing.assert_allclose(mine_groups, ref_groups, rtol=1e-12, atol=1e-15, err_msg=f"group lr at step {t}")


def _both(make, lrs=(0.1,)):
    """`make(module, optimizer)` builds the scheduler; run it in minigrad and in torch."""
    ours, theirs = _optimizers(lrs)
    return _lrs(ours, make(lr_scheduler, ours), STEPS), _lrs(theirs, make(torch.optim.lr_scheduler, theirs), STEPS)


SCHEDULES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=3),
    "StepLR-gamma": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[3, 10, 25]),
    "MultiStepLR-repeated": lambda m, o: m.MultiStepLR(o, milestones=[12, 4, 12, 30], gamma=0.3),
    "MultiStepLR-at-0": lambda m, o: m.MultiStepLR(o, milestones=[0, 5], gamma=0.5),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=20),
    "CosineAnnealingLR-eta_min": lambda m, o: m.CosineAnnealingLR(o, T_max=13, eta_min=1e-3),
    "CosineAnnealingLR-T_max-1": lambda m, o: m.CosineAnnealingLR(o, T_max=1, eta_min=0.01),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda epoch: 0.95 ** epoch),
    "LambdaLR-object": lambda m, o: m.LambdaLR(o, Warmup(10)),
    "LinearLR": lambda m, o: m.LinearLR(o),
    "LinearLR-warmup": lambda m, o: m.LinearLR(o, start_factor=0.01, total_iters=12),
    "LinearLR-decay": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=40),
    "SequentialLR-warmup-cosine": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.01, total_iters=10), m.CosineAnnealingLR(o, T_max=40, eta_min=1e-4)],
        milestones=[10]),
    "SequentialLR-three": lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, gamma=0.9), m.StepLR(o, step_size=4, gamma=0.5), m.LinearLR(o, 0.5, total_iters=6)],
        milestones=[8, 30]),
    "SequentialLR-lambda-first": lambda m, o: m.SequentialLR(
        o, [m.LambdaLR(o, Warmup(5)), m.MultiStepLR(o, [10, 20])], milestones=[5]),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("lrs", [(0.1,), (0.1, 0.02)], ids=["one-group", "two-groups"])
def test_same_learning_rates_as_torch(name, lrs):
    _assert_same(*_both(SCHEDULES[name], lrs))


FORMULAS = {
    # name: (the scheduler, the formula in its docstring: the learning rate after t steps from lr_0)
    "StepLR": (SCHEDULES["StepLR-gamma"], lambda lr0, t: lr0 * 0.5 ** (t // 7)),
    "MultiStepLR": (SCHEDULES["MultiStepLR-repeated"],
                    lambda lr0, t: lr0 * 0.3 ** bisect_right([4, 12, 12, 30], t)),
    "ExponentialLR": (SCHEDULES["ExponentialLR"], lambda lr0, t: lr0 * 0.93 ** t),
    "CosineAnnealingLR": (SCHEDULES["CosineAnnealingLR-eta_min"],
                          lambda lr0, t: 1e-3 + (lr0 - 1e-3) * (1 + math.cos(math.pi * t / 13)) / 2),
    "LambdaLR": (SCHEDULES["LambdaLR-object"], lambda lr0, t: lr0 * min(1.0, (t + 1) / 10)),
    "LinearLR": (SCHEDULES["LinearLR-warmup"], lambda lr0, t: lr0 * (0.01 + 0.99 * min(t, 12) / 12)),
    "LinearLR-decay": (SCHEDULES["LinearLR-decay"], lambda lr0, t: lr0 * (1.0 - 0.95 * min(t, 40) / 40)),
    "SequentialLR": (SCHEDULES["SequentialLR-warmup-cosine"],
                     lambda lr0, t: lr0 * (0.01 + 0.99 * t / 10) if t < 10 else
                     1e-4 + (lr0 - 1e-4) * (1 + math.cos(math.pi * (t - 10) / 40)) / 2),
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_learning_rates_follow_the_docstring_formula(name):
    make, formula = FORMULAS[name]
    opt = _ours((0.1, 0.02))
    for t, (last, groups) in enumerate(_lrs(opt, make(lr_scheduler, opt), STEPS)):
        np.testing.assert_allclose(last, [formula(0.1, t), formula(0.02, t)], rtol=1e-12, atol=1e-15,
                                   err_msg=f"step {t}")
        assert groups == last


@needs_torch
def test_lambdalr_with_one_function_per_group():
    def make(m, o):
        return m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e])
    _assert_same(*_both(make, (0.1, 0.5)))


@needs_torch
def test_chained_schedulers_compose_as_in_torch():
    """Two schedulers stepping one optimizer: each scales the lr the other one left (torch's docs example)."""
    ours, theirs = _optimizers()
    mine = [lr_scheduler.ExponentialLR(ours, gamma=0.9), lr_scheduler.MultiStepLR(ours, milestones=[5, 12])]
    ref = [torch.optim.lr_scheduler.ExponentialLR(theirs, gamma=0.9),
           torch.optim.lr_scheduler.MultiStepLR(theirs, milestones=[5, 12])]
    for _ in range(30):
        for opt, scheds in ((ours, mine), (theirs, ref)):
            _step(opt)
            for s in scheds:
                s.step()
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-12)


@needs_torch
def test_training_follows_the_schedule():
    """The parameters of SGD with warm-up then cosine end where torch's do."""
    rng = np.random.default_rng(0)
    A, b, w0 = rng.normal(size=(6, 3)), rng.normal(size=6), rng.normal(size=3)
    w = mg.Tensor(w0.copy(), requires_grad=True)
    tw = torch.tensor(w0.copy(), requires_grad=True)
    for module, param, opt_class, At, bt in ((lr_scheduler, w, optim.SGD, mg.Tensor(A), mg.Tensor(b)),
                                             (torch.optim.lr_scheduler, tw, torch.optim.SGD, torch.tensor(A),
                                              torch.tensor(b))):
        opt = opt_class([param], lr=0.05, momentum=0.9)
        sched = module.SequentialLR(opt, [module.LinearLR(opt, 0.1, total_iters=5),
                                          module.CosineAnnealingLR(opt, T_max=25)], milestones=[5])
        for _ in range(30):
            opt.zero_grad()
            (((At @ param) - bt) ** 2).sum().backward()
            opt.step()
            sched.step()
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-12)


# --- defaults, last_epoch ------------------------------------------------------------------------


@needs_torch
@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
                                  "LinearLR", "SequentialLR"])
def test_signature_and_defaults_as_torch(name):
    ours = inspect.signature(getattr(lr_scheduler, name)).parameters
    theirs = inspect.signature(getattr(torch.optim.lr_scheduler, name)).parameters
    assert list(ours) == list(theirs)
    for key, parameter in ours.items():
        assert parameter.default == theirs[key].default, key


@needs_torch
@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR-repeated", "CosineAnnealingLR-eta_min", "LinearLR-warmup",
                                  "ExponentialLR", "LambdaLR"])
def test_resuming_with_last_epoch_as_torch(name):
    """A scheduler built with last_epoch=k on an optimizer that has initial_lr (from a checkpoint)."""
    make = SCHEDULES[name]
    runs = []
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), _optimizers((0.1, 0.03))):
        make(module, opt)                                         # sets initial_lr in each group
        for group, lr in zip(opt.param_groups, (0.05, 0.01)):
            group["lr"] = lr                                      # the lr reached at step k, say
        factory = {"StepLR": lambda o: module.StepLR(o, 3, last_epoch=9),
                   "MultiStepLR-repeated": lambda o: module.MultiStepLR(o, [12, 4, 12, 30], 0.3, last_epoch=9),
                   "CosineAnnealingLR-eta_min": lambda o: module.CosineAnnealingLR(o, 13, 1e-3, last_epoch=9),
                   "LinearLR-warmup": lambda o: module.LinearLR(o, 0.01, total_iters=12, last_epoch=9),
                   "ExponentialLR": lambda o: module.ExponentialLR(o, 0.93, last_epoch=9),
                   "LambdaLR": lambda o: module.LambdaLR(o, lambda e: 0.95 ** e, last_epoch=9)}[name]
        runs.append(_lrs(opt, factory(opt), 30))
    _assert_same(*runs)


def test_last_epoch_without_initial_lr_is_a_clear_error():
    opt = _ours()
    with pytest.raises(KeyError, match=r"'initial_lr' is not in param_groups\[0\].*last_epoch=-1"):
        lr_scheduler.StepLR(opt, 3, last_epoch=4)


# --- state dicts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_state_dict_round_trip_equals_an_uninterrupted_run(name):
    make = SCHEDULES[name]
    opt = _ours((0.1, 0.02))
    straight = _lrs(opt, make(lr_scheduler, opt), 40)

    opt = _ours((0.1, 0.02))
    sched = make(lr_scheduler, opt)
    first = _lrs(opt, sched, 17)
    saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    fresh = _ours((0.7, 0.7))
    resumed = make(lr_scheduler, fresh)          # build the scheduler first, then load: as torch advises
    fresh.load_state_dict(saved_opt)
    resumed.load_state_dict(saved_sched)
    second = _lrs(fresh, resumed, 23)
    _assert_same(first + second[1:], straight)


@needs_torch
@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
                                  "SequentialLR-warmup-cosine", "LambdaLR-object"])
def test_state_dict_has_torchs_keys_and_values(name):
    make = SCHEDULES[name]
    ours, theirs = _optimizers()
    mine, ref = make(lr_scheduler, ours), make(torch.optim.lr_scheduler, theirs)
    _lrs(ours, mine, 12)
    _lrs(theirs, ref, 12)
    _assert_same_state(mine.state_dict(), ref.state_dict())


def _assert_same_state(mine, ref):
    assert set(mine) == set(ref)
    for key, value in ref.items():
        if key == "_schedulers":
            for a, b in zip(mine[key], value):
                _assert_same_state(a, b)
        elif key == "milestones":
            assert dict(mine[key]) == dict(value)
        elif isinstance(value, list) and value and isinstance(value[0], float):
            np.testing.assert_allclose(mine[key], value, rtol=1e-12)
        else:
            assert mine[key] == value, key


def test_lambdalr_saves_callable_objects_not_functions():
    opt = _ours((0.1, 0.2))
    sched = lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 1.0])
    saved = sched.state_dict()
    assert saved["lr_lambdas"] == [{"steps": 4}, None]
    other = lr_scheduler.LambdaLR(opt, [Warmup(99), lambda e: 1.0])
    other.load_state_dict(saved)
    assert other.lr_lambdas[0].steps == 4


# --- the order of the steps ----------------------------------------------------------------------


@needs_torch
def test_scheduler_step_before_optimizer_step_warns_as_torch():
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), _optimizers()):
        sched = module.StepLR(opt, 3)
        with pytest.warns(UserWarning, match=r"`?lr_scheduler.step\(\)`? before `?optimizer.step\(\)`?"):
            sched.step()


def test_the_warning_says_what_to_do():
    opt = _ours()
    sched = lr_scheduler.CosineAnnealingLR(opt, 10)
    with pytest.warns(UserWarning, match=r"call optimizer.step\(\) first.*skips the first learning rate"):
        sched.step()


def test_right_order_does_not_warn():
    opt = _ours()
    sched = lr_scheduler.StepLR(opt, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            _step(opt)
            sched.step()


def test_get_lr_outside_step_warns_to_use_get_last_lr():
    opt = _ours()
    sched = lr_scheduler.StepLR(opt, 3)
    with pytest.warns(UserWarning, match=r"get_last_lr\(\)"):
        sched.get_lr()


# --- errors --------------------------------------------------------------------------------------


def test_bad_arguments():
    opt = _ours((0.1, 0.2))
    other = _ours()
    with pytest.raises(TypeError, match=r"list is not an Optimizer"):
        lr_scheduler.StepLR([], 3)
    with pytest.raises(ValueError, match=r"step_size must be a positive integer, got 0"):
        lr_scheduler.StepLR(opt, 0)
    with pytest.raises(ValueError, match=r"T_max must be a positive integer, got 0"):
        lr_scheduler.CosineAnnealingLR(opt, 0)
    with pytest.raises(ValueError, match=r"Expected 2 lr_lambdas, but got 3"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0] * 3)
    with pytest.raises(ValueError, match=r"Starting multiplicative factor"):
        lr_scheduler.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match=r"Ending multiplicative factor"):
        lr_scheduler.LinearLR(opt, end_factor=1.5)
    with pytest.raises(ValueError, match=r"at least one scheduler"):
        lr_scheduler.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match=r"one more scheduler than milestones: 2 schedulers, 2 milestones"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 2), lr_scheduler.StepLR(opt, 3)], [2, 4])
    with pytest.raises(ValueError, match=r"scheduler 1 \(StepLR\) belongs to another optimizer"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 2), lr_scheduler.StepLR(other, 3)], [2])


def test_the_module_is_importable_as_in_torch():
    from minigrad.optim.lr_scheduler import CosineAnnealingLR, LRScheduler  # noqa: F401
    assert optim.lr_scheduler is lr_scheduler
    assert math.isclose(lr_scheduler.StepLR(_ours(), 2).get_last_lr()[0], 0.1)
