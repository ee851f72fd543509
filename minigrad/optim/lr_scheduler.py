"""Learning-rate schedules, as `torch.optim.lr_scheduler`: change each group's "lr" as training goes on.

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    warmup = lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=100)
    cosine = lr_scheduler.CosineAnnealingLR(opt, T_max=900)
    scheduler = lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[100])
    for step in range(1000):
        opt.zero_grad()
        loss(...).backward()
        opt.step()                 # first the optimizer, with the current learning rate,
        scheduler.step()           # then the scheduler moves to the next one

Below, t is `last_epoch`, the number of `scheduler.step()` calls so far (0 at
construction), and lr_0 a group's initial learning rate ("initial_lr", stored in
the group by the first scheduler built on the optimizer). Each docstring gives
the learning rate after t steps as a formula of t.

As in torch, each scheduler computes the new rate from the group's current
"lr" (lr_t = lr_{t-1} times a factor), so schedulers can be chained: two of
them stepping one optimizer multiply their factors, and a rate set by hand is
carried on. Alone, a scheduler follows its formula (to rounding).
"""
from __future__ import annotations

import math
import numbers
import types
import warnings
from bisect import bisect_right
from collections import Counter
from typing import Any, Callable, Iterable

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR", "LinearLR",
           "SequentialLR"]


class LRScheduler:
    """Base class: `step()` sets every group's "lr" to `get_lr()`; subclasses define `get_lr`.

    Attributes, as in torch: `optimizer`, `base_lrs` (each group's initial_lr),
    `last_epoch` (t), and `get_last_lr()`, the rates set by the last step.
    Building a scheduler takes its first step (t = 0), which sets the groups' "lr".
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer: pass the optimizer whose learning "
                            "rate this schedules, e.g. StepLR(opt, step_size=10)")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"'initial_lr' is not in param_groups[{i}], so the scheduler cannot resume at "
                                   f"last_epoch={last_epoch}: load the optimizer's state_dict from the checkpoint "
                                   "first (it holds initial_lr), or start a new schedule with last_epoch=-1")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The step taken at construction: t = last_epoch + 1, usually 0."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of each group at t = last_epoch (called by `step`; read `get_last_lr()` instead)."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as set by the last `step()`."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Move to the next learning rate: t <- t + 1, then each group's "lr" <- get_lr().

        Call it after `optimizer.step()`. (`epoch`, deprecated in torch too, jumps
        to t = epoch and uses the formula from lr_0.)
        """
        if self._step_count == 1 and self.optimizer._step_calls == 0:
            warnings.warn("Detected call of lr_scheduler.step() before optimizer.step(): call optimizer.step() "
                          "first, then scheduler.step(), in each iteration (as in PyTorch). In this order the "
                          "schedule skips the first learning rate: the optimizer never takes a step with it.",
                          UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn("scheduler.step(epoch) is deprecated, as in PyTorch: call scheduler.step() once per "
                          "step instead", UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                values = self._get_closed_form_lr() if hasattr(self, "_get_closed_form_lr") else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _check_called_within_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                          UserWarning, stacklevel=3)

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (save the optimizer's state_dict beside it), as in torch."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by `state_dict()`: build the scheduler, then load (as torch advises)."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects the dict that scheduler.state_dict() returns, "
                            f"got {type(state_dict).__name__}")
        self.__dict__.update(state_dict)


def _positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


class StepLR(LRScheduler):
    """Multiply the learning rate by gamma every step_size steps.

        lr_t = lr_0 * gamma ** (t // step_size)
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        _positive_int("step_size", step_size)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._check_called_within_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by gamma at each milestone (a milestone listed twice counts twice).

        lr_t = lr_0 * gamma ** (number of milestones <= t)
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._check_called_within_step()
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by gamma at every step.

        lr_t = lr_0 * gamma ** t
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._check_called_within_step()
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from lr_0 down to eta_min over T_max steps (then back up, periodically).

        lr_t = eta_min + (lr_0 - eta_min) * (1 + cos(pi * t / T_max)) / 2

    (Loshchilov & Hutter's SGDR without restarts.) Computed step by step as in torch:
    lr_t - eta_min = (lr_{t-1} - eta_min) * (1 + cos(pi t / T_max)) / (1 + cos(pi (t-1) / T_max)).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        _positive_int("T_max", T_max)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._check_called_within_step()
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:
            return self._get_closed_form_lr()
        if (t - 1 - T) % (2 * T) == 0:          # leaving the bottom, where the ratio below would be 0 / 0
            return [lr + (base - low) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._current_lrs())]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (lr - low) + low
                for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class LambdaLR(LRScheduler):
    """The initial learning rate times a function of the step: lr_lambda(t), one function per group or one for all.

        lr_t = lr_0 * lr_lambda(t)

    state_dict() saves the attributes of callable objects, not functions or lambdas (as torch).
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 1
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"Expected {groups} lr_lambdas, but got {len(lr_lambda)}: one function per "
                                 "parameter group, or a single function for all of them")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._check_called_within_step()
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        saved = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}
        saved["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return saved

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        lr_lambdas = state_dict.pop("lr_lambdas")
        super().load_state_dict(state_dict)
        for fn, saved in zip(self.lr_lambdas, lr_lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class LinearLR(LRScheduler):
    """Move the learning rate's factor linearly from start_factor to end_factor over total_iters steps.

        lr_t = lr_0 * (start_factor + (end_factor - start_factor) * min(t, total_iters) / total_iters)

    A warm-up: LinearLR(opt, start_factor=0.01, total_iters=100) (end_factor=1).
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(f"Starting multiplicative factor expected to be greater than 0 and less or equal "
                             f"to 1, got start_factor={start_factor}")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(f"Ending multiplicative factor expected to be between 0 and 1, got "
                             f"end_factor={end_factor}")
        _positive_int("total_iters", total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._check_called_within_step()
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        change = self.end_factor - self.start_factor
        factor = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        change = self.end_factor - self.start_factor
        return [base * (self.start_factor + change * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run schedulers one after the other: schedulers[i] from milestones[i - 1] on, restarted at its own t = 0.

        SequentialLR(opt, [LinearLR(opt, 0.01, total_iters=100), CosineAnnealingLR(opt, T_max=900)],
                     milestones=[100])      # warm-up for 100 steps, then cosine from lr_0

    Build the inner schedulers on the same optimizer first; from then on step only this one.
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int],
                 last_epoch: int = -1) -> None:
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler, but got no scheduler")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"scheduler {i} is a {type(scheduler).__name__}, not a learning-rate scheduler")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"scheduler {i} ({type(scheduler).__name__}) belongs to another optimizer: build "
                                 "every scheduler of a SequentialLR on the optimizer passed to it")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR needs one more scheduler than milestones: {len(schedulers)} schedulers, "
                             f"{len(milestones)} milestones")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:              # undo what building the inner schedulers did
            group["lr"] = group["initial_lr"]
        _undo_initial_steps(self._schedulers)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Step the scheduler of the current phase; at a milestone, restart the next one at its t = 0."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        saved = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")}
        saved["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return saved

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        inner = state_dict.pop("_schedulers")
        super().load_state_dict(state_dict)
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.load_state_dict(saved)


def _undo_initial_steps(schedulers: list[LRScheduler]) -> None:
    """Take back the step each scheduler took when it was built (inside nested SequentialLRs too)."""
    for scheduler in schedulers:
        if isinstance(scheduler, SequentialLR):
            _undo_initial_steps(scheduler._schedulers)
        else:
            scheduler.last_epoch -= 1
