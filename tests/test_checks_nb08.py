"""The checkers of notebook 08 accept the reference solutions, reject wrong ones saying what and where,
say "not done yet" for stubs, and leave minigrad's random numbers as they found them."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import no_grad
from minigrad_course.checks import check_accuracy, check_grid_predictions, check_train_one_epoch
from minigrad_course.checks.verdict import Verdict


# --- reference solutions, as in the notebook ----------------------------------


def accuracy(logits, targets):
    predicted = logits.numpy().argmax(axis=1)
    return float((predicted == np.asarray(targets)).mean())


def train_one_epoch(model, loader, optimizer):
    model.train()
    total, count = 0.0, 0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        count += len(yb)
    return total / count


def grid_predictions(model, xlim, ylim, n):
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    model.eval()
    with no_grad():
        logits = model(mg.Tensor(points))
    return xs, ys, logits.numpy().argmax(axis=1).reshape(n, n)


def stub(*args):
    raise NotImplementedError


CHECKS = [
    (check_accuracy, accuracy),
    (check_train_one_epoch, train_one_epoch),
    (check_grid_predictions, grid_predictions),
]


def verdict(check, fn, capsys):
    result = check(fn)
    return result, capsys.readouterr().out


# --- every checker: right answer, stub, crash ----------------------------------


@pytest.mark.parametrize("check, solution", CHECKS)
def test_accepts_reference(check, solution, capsys):
    ok, out = verdict(check, solution, capsys)
    assert ok
    assert "✅" in out and "❌" not in out


@pytest.mark.parametrize("check", [c for c, _ in CHECKS])
def test_stub_is_not_done_yet(check, capsys):
    ok, out = verdict(check, stub, capsys)
    assert not ok
    assert "not done yet" in out and "Traceback" not in out


@pytest.mark.parametrize("check", [c for c, _ in CHECKS])
def test_crash_is_reported(check, capsys):
    def crashes(*args):
        return 1 / 0
    ok, out = verdict(check, crashes, capsys)
    assert not ok
    assert "ZeroDivisionError" in out


@pytest.mark.parametrize("check, solution", CHECKS)
def test_verdicts_are_verdicts(check, solution, capsys):
    assert isinstance(check(solution), Verdict) and isinstance(check(stub), Verdict)
    assert check(solution) == True and check(stub) == False  # noqa: E712


@pytest.mark.parametrize("check, solution", CHECKS)
def test_checks_leave_random_numbers_alone(check, solution, capsys):
    mg.manual_seed(123)
    expected = mg.randn(5).numpy()
    mg.manual_seed(123)
    check(solution)
    assert np.array_equal(mg.randn(5).numpy(), expected)


# --- exercise 1: accuracy -------------------------------------------------------


def test_accuracy_accepts_numpy_scalars_and_tensors(capsys):
    assert check_accuracy(lambda logits, t: np.mean(logits.numpy().argmax(1) == t))
    assert check_accuracy(lambda logits, t: mg.Tensor(accuracy(logits, t)))


@pytest.mark.parametrize("wrong, message", [
    (lambda lg, t: float((lg.numpy().argmax(1) == t).sum()), "number of right answers"),
    (lambda lg, t: 100 * accuracy(lg, t), "percentage"),
    (lambda lg, t: float((lg.numpy().argmin(1) == t).mean()), "argmax, not argmin"),
    (lambda lg, t: lg.numpy().argmax(1) == t, "one per example"),
    (lambda lg, t: None, "forget `return`"),
])
def test_accuracy_names_the_slip(wrong, message, capsys):
    ok, out = verdict(check_accuracy, wrong, capsys)
    assert not ok
    assert message in out
    assert "test 1" in out or "test" in out


def test_accuracy_catches_the_wrong_axis_on_a_square_case(capsys):
    def wrong_axis(logits, targets):
        a = logits.numpy()
        if a.shape[0] != a.shape[1]:  # only the square test can hide this slip from the shapes
            return accuracy(logits, targets)
        return float((a.argmax(axis=0) == targets).mean())
    ok, out = verdict(check_accuracy, wrong_axis, capsys)
    assert not ok
    assert "axis 0" in out and "N=5" in out


# --- exercise 2: one epoch -------------------------------------------------------


def _epoch_variant(zero_grad=True, train=True, step=True, returns="mean"):
    def fn(model, loader, optimizer):
        if train:
            model.train()
        losses, sizes = [], []
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            if zero_grad:
                optimizer.zero_grad()
            loss.backward()
            if step:
                optimizer.step()
            losses.append(loss.item())
            sizes.append(len(yb))
        if returns == "last":
            return losses[-1]
        if returns == "unweighted":
            return sum(losses) / len(losses)
        return float(np.dot(losses, sizes) / np.sum(sizes))
    return fn


@pytest.mark.parametrize("variant, message", [
    (_epoch_variant(zero_grad=False), "optimizer.zero_grad()"),
    (_epoch_variant(train=False), "model.train()"),
    (_epoch_variant(step=False), "unchanged"),
    (_epoch_variant(returns="last"), "last batch only"),
    (_epoch_variant(returns="unweighted"), "Weight each batch"),
])
def test_train_one_epoch_names_the_slip(variant, message, capsys):
    ok, out = verdict(check_train_one_epoch, variant, capsys)
    assert not ok
    assert "❌" in out and message in out


def test_train_one_epoch_accepts_other_spellings(capsys):
    def other(model, loader, optimizer):
        model.train()
        losses = []
        for xb, yb in loader:
            model.zero_grad()                                    # the model's zero_grad works as well
            loss = F.cross_entropy(model(xb), yb, reduction="sum") / len(yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item() * len(yb))
        return mg.Tensor(sum(losses) / len(loader.X))
    assert check_train_one_epoch(other)


def test_train_one_epoch_with_a_twice_walked_loader_fails(capsys):
    def two_epochs(model, loader, optimizer):
        train_one_epoch(model, loader, optimizer)
        return train_one_epoch(model, loader, optimizer)
    ok, out = verdict(check_train_one_epoch, two_epochs, capsys)
    assert not ok and "differs" in out and "exactly once" in out


# --- exercise 3: the grid --------------------------------------------------------


def test_grid_transposed_is_named(capsys):
    def transposed(model, xlim, ylim, n):
        xs, ys, classes = grid_predictions(model, xlim, ylim, n)
        return xs, ys, classes.T
    ok, out = verdict(check_grid_predictions, transposed, capsys)
    assert not ok and "transposed" in out and "classes[" in out


def test_grid_meshgrid_coordinates_are_named(capsys):
    def meshgrid_coords(model, xlim, ylim, n):
        xs, ys, classes = grid_predictions(model, xlim, ylim, n)
        gx, gy = np.meshgrid(xs, ys)
        return gx, gy, classes
    ok, out = verdict(check_grid_predictions, meshgrid_coords, capsys)
    assert not ok and "1-D" in out


def test_grid_logits_instead_of_classes(capsys):
    def logits_out(model, xlim, ylim, n):
        xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
        gx, gy = np.meshgrid(xs, ys)
        model.eval()
        with no_grad():
            logits = model(mg.Tensor(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)))
        return xs, ys, logits.numpy()
    ok, out = verdict(check_grid_predictions, logits_out, capsys)
    assert not ok and "argmax" in out


def test_grid_requires_eval_mode_and_no_grad(capsys):
    def no_eval(model, xlim, ylim, n):
        xs, ys, classes = grid_predictions(model, xlim, ylim, n)
        model.train()
        xs2, ys2 = np.meshgrid(xs, ys)
        with no_grad():
            model(mg.Tensor(np.stack([xs2.ravel(), ys2.ravel()], 1).astype(np.float32)))
        return xs, ys, classes
    ok, out = verdict(check_grid_predictions, no_eval, capsys)
    assert not ok and "model.eval()" in out

    def with_graph(model, xlim, ylim, n):
        xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
        gx, gy = np.meshgrid(xs, ys)
        model.eval()
        logits = model(mg.Tensor(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)))
        return xs, ys, logits.numpy().argmax(1).reshape(n, n)
    ok, out = verdict(check_grid_predictions, with_graph, capsys)
    assert not ok and "no_grad()" in out


def test_grid_point_by_point_passes_with_a_tip(capsys):
    def one_by_one(model, xlim, ylim, n):
        xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
        model.eval()
        classes = np.zeros((n, n), dtype=np.int64)
        with no_grad():
            for i, yv in enumerate(ys):
                for j, xv in enumerate(xs):
                    classes[i, j] = model(mg.Tensor([[xv, yv]])).numpy().argmax()
        return xs, ys, classes
    ok, out = verdict(check_grid_predictions, one_by_one, capsys)
    assert ok and "times for one grid" in out
