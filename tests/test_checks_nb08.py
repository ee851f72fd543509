"""The checkers of notebook 08 (exercises 3 and 4; the backward passes are in test_checks_nb08_backward.py) reject wrong answers saying what and where, and name the usual slips."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from checks_references import grid_predictions, run, train_one_epoch
from minigrad import no_grad
from minigrad_course.checks import check_grid_predictions, check_train_one_epoch


# --- exercise 3: one epoch -------------------------------------------------------


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
    ok, out = run(check_train_one_epoch, variant, capsys=capsys)
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
    ok, out = run(check_train_one_epoch, two_epochs, capsys=capsys)
    assert not ok and "differs" in out and "exactly once" in out


# --- exercise 4: the grid --------------------------------------------------------


def test_grid_transposed_is_named(capsys):
    def transposed(model, xlim, ylim, n):
        xs, ys, classes = grid_predictions(model, xlim, ylim, n)
        return xs, ys, classes.T
    ok, out = run(check_grid_predictions, transposed, capsys=capsys)
    assert not ok and "transposed" in out and "classes[" in out


def test_grid_meshgrid_coordinates_are_named(capsys):
    def meshgrid_coords(model, xlim, ylim, n):
        xs, ys, classes = grid_predictions(model, xlim, ylim, n)
        gx, gy = np.meshgrid(xs, ys)
        return gx, gy, classes
    ok, out = run(check_grid_predictions, meshgrid_coords, capsys=capsys)
    assert not ok and "1-D" in out


def test_grid_logits_instead_of_classes(capsys):
    def logits_out(model, xlim, ylim, n):
        xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
        gx, gy = np.meshgrid(xs, ys)
        model.eval()
        with no_grad():
            logits = model(mg.Tensor(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)))
        return xs, ys, logits.numpy()
    ok, out = run(check_grid_predictions, logits_out, capsys=capsys)
    assert not ok and "argmax" in out


def test_grid_requires_eval_mode_and_no_grad(capsys):
    def no_eval(model, xlim, ylim, n):
        xs, ys, classes = grid_predictions(model, xlim, ylim, n)
        model.train()
        xs2, ys2 = np.meshgrid(xs, ys)
        with no_grad():
            model(mg.Tensor(np.stack([xs2.ravel(), ys2.ravel()], 1).astype(np.float32)))
        return xs, ys, classes
    ok, out = run(check_grid_predictions, no_eval, capsys=capsys)
    assert not ok and "model.eval()" in out

    def with_graph(model, xlim, ylim, n):
        xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
        gx, gy = np.meshgrid(xs, ys)
        model.eval()
        logits = model(mg.Tensor(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)))
        return xs, ys, logits.numpy().argmax(1).reshape(n, n)
    ok, out = run(check_grid_predictions, with_graph, capsys=capsys)
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
    ok, out = run(check_grid_predictions, one_by_one, capsys=capsys)
    assert ok and "times for one grid" in out
