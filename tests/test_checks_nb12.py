"""The checkers of notebook 12 reject wrong answers saying what and where, with the usual slip named."""
import numpy as np
import pytest

import minigrad as mg
from checks_references import dropout_mask, early_stopping, l2_penalty
from minigrad_course.checks import check_dropout_mask, check_early_stopping, check_l2_penalty


# --- exercise 1: the L2 penalty -----------------------------------------------------


def test_l2_accepts_tensors_and_numpy_numbers(capsys):
    def with_tensors(weights, lam):
        ts = [mg.Tensor(W) for W in weights]
        return mg.Tensor(lam / 2 * sum(float((W ** 2).sum()) for W in weights)), [t * lam for t in ts]

    def numpy_scalar(weights, lam):
        return np.float64(l2_penalty(weights, lam)[0]), tuple(lam * W for W in weights)
    assert check_l2_penalty(with_tensors)
    assert check_l2_penalty(numpy_scalar)


def test_l2_penalty_without_the_half(capsys):
    def no_half(weights, lam):
        return lam * sum(float((W ** 2).sum()) for W in weights), [2 * lam * W for W in weights]
    assert not check_l2_penalty(no_half)
    out = capsys.readouterr().out
    assert "test 1" in out and "penalty" in out and "twice the right one" in out


def test_l2_gradient_doubled(capsys):
    def grad_doubled(weights, lam):
        penalty, _ = l2_penalty(weights, lam)
        return penalty, [2 * lam * W for W in weights]
    assert not check_l2_penalty(grad_doubled)
    out = capsys.readouterr().out
    assert "test 1" in out and "grads[0] at index (0, 0)" in out and "2 lam W" in out


def test_l2_norm_not_squared(capsys):
    def norm(weights, lam):
        return lam / 2 * sum(float(np.sqrt((W ** 2).sum())) for W in weights), [lam * W for W in weights]
    assert not check_l2_penalty(norm)
    assert "uses its square" in capsys.readouterr().out


def test_l2_first_array_only(capsys):
    def first_only(weights, lam):
        return lam / 2 * float((weights[0] ** 2).sum()), [lam * W for W in weights]
    assert not check_l2_penalty(first_only)
    assert "only counted the first array" in capsys.readouterr().out


def test_l2_gradient_is_the_summand(capsys):
    def squared(weights, lam):
        return l2_penalty(weights, lam)[0], [lam * W * W for W in weights]
    assert not check_l2_penalty(squared)
    assert "not its derivative" in capsys.readouterr().out


def test_l2_wrong_last_array_named(capsys):
    def last_wrong(weights, lam):
        penalty, grads = l2_penalty(weights, lam)
        grads[-1] = grads[-1] + 0.5
        return penalty, grads
    assert not check_l2_penalty(last_wrong)
    out = capsys.readouterr().out
    assert "grads[2] at index (0, 0)" in out and "off by 0.5" in out


def test_l2_in_place_and_shapes(capsys):
    def in_place(weights, lam):
        for W in weights:
            W *= 1 - lam
        return 0.0, weights
    assert not check_l2_penalty(in_place)
    assert "changed the weights in place" in capsys.readouterr().out

    assert not check_l2_penalty(lambda weights, lam: l2_penalty(weights, lam)[1])
    assert "expected 2 values (penalty, grads), got 3 values" in capsys.readouterr().out

    assert not check_l2_penalty(lambda weights, lam: ([0.0], [lam * W for W in weights]))
    # a one-element list is accepted as a number only when right: here it is wrong
    assert "penalty" in capsys.readouterr().out

    assert not check_l2_penalty(lambda weights, lam: (l2_penalty(weights, lam)[0], [lam * weights[0]]))
    assert "a list of 3 arrays, one per weight array, got 1 arrays" in capsys.readouterr().out

    assert not check_l2_penalty(lambda weights, lam: ([lam * W for W in weights], l2_penalty(weights, lam)[0]))
    assert "the penalty: expected one number, got a list" in capsys.readouterr().out


# --- exercise 2: the dropout mask -----------------------------------------------------


def test_dropout_not_scaled(capsys):
    assert not check_dropout_mask(lambda shape, p, rng: (rng.random(shape) >= p).astype(float))
    out = capsys.readouterr().out
    assert "an entry is 1, but each entry must be 0 (dropped) or 1/(1-p) = 2" in out and "scaled up by 1/(1-p)" in out


def test_dropout_scaled_by_one_over_p(capsys):
    def over_p(shape, p, rng):
        return (rng.random(shape) >= p) / p
    assert not check_dropout_mask(over_p)
    out = capsys.readouterr().out
    assert "p=0.2" in out and "not by 1/p" in out


def test_dropout_scaled_by_keep_probability(capsys):
    def times_keep(shape, p, rng):
        return (rng.random(shape) >= p) * (1 - p)
    assert not check_dropout_mask(times_keep)
    assert "not by (1-p)" in capsys.readouterr().out


def test_dropout_keeps_with_probability_p(capsys):
    def swapped(shape, p, rng):
        return (rng.random(shape) < p) / (1 - p)
    assert not check_dropout_mask(swapped)
    out = capsys.readouterr().out
    assert "80.0% of the entries are 0, expected about p = 20%" in out and "probability 1 - p" in out


def test_dropout_ignores_rng(capsys):
    global_rng = np.random.default_rng(0)

    def own_rng(shape, p, rng):
        return (global_rng.random(shape) >= p) / (1 - p)
    assert not check_dropout_mask(own_rng)
    assert "from the `rng` argument" in capsys.readouterr().out


def test_dropout_not_random(capsys):
    def fixed(shape, p, rng):
        flat = np.arange(int(np.prod(shape))) >= p * int(np.prod(shape))
        return flat.reshape(shape) / (1 - p)
    assert not check_dropout_mask(fixed)
    assert "the mask is not random" in capsys.readouterr().out


def test_dropout_shape_and_values(capsys):
    assert not check_dropout_mask(lambda shape, p, rng: (rng.random(shape) >= p).ravel() / (1 - p))
    assert "dropout_mask((4, 5), p=0.5, rng): the mask has shape (20,), expected (4, 5)" in capsys.readouterr().out
    assert not check_dropout_mask(lambda shape, p, rng: rng.random(shape) / (1 - p))
    assert "only two values" in capsys.readouterr().out
    assert not check_dropout_mask(lambda shape, p, rng: None)
    assert "forget `return`" in capsys.readouterr().out


def test_dropout_p_zero(capsys):
    def drops_one(shape, p, rng):
        mask = (rng.random(shape) >= p) / (1 - p)
        if p == 0:
            mask.flat[0] = 0.0
        return mask
    assert not check_dropout_mask(drops_one)
    assert "with p = 0 nothing is dropped" in capsys.readouterr().out


def test_dropout_accepts_tensors(capsys):
    assert check_dropout_mask(lambda shape, p, rng: mg.Tensor(dropout_mask(shape, p, rng)))


# --- exercise 3: the early-stopping rule ------------------------------------------------


def test_early_stopping_order_swapped(capsys):
    assert not check_early_stopping(lambda losses, patience: early_stopping(losses, patience)[::-1])
    out = capsys.readouterr().out
    assert "test 1 (val_losses=[1.0, 0.8, 0.7, 0.72, 0.75, 0.71, 0.9, 0.95], patience=2)" in out
    assert "you returned (best_epoch, stop_epoch) = (4, 2), expected (2, 4)" in out and "the order is" in out


def test_early_stopping_looks_into_the_future(capsys):
    def global_min(losses, patience):
        return int(np.argmin(losses)), early_stopping(losses, patience)[1]
    assert not check_early_stopping(global_min)
    out = capsys.readouterr().out
    assert "test 2" in out and "never saw it" in out


def test_early_stopping_ties_improve(capsys):
    def ties(losses, patience):
        best_loss, best_epoch = float("inf"), 0
        for epoch, loss in enumerate(losses):
            if loss <= best_loss:
                best_loss, best_epoch = loss, epoch
            elif epoch - best_epoch == patience:
                return best_epoch, epoch
        return best_epoch, len(losses) - 1
    assert not check_early_stopping(ties)
    out = capsys.readouterr().out
    assert "test 3" in out and "strict `<`" in out


@pytest.mark.parametrize("shift, words", [(1, "one epoch late"), (-1, "one epoch early")])
def test_early_stopping_off_by_one(shift, words, capsys):
    def off(losses, patience):
        best_loss, best_epoch = float("inf"), 0
        for epoch, loss in enumerate(losses):
            if loss < best_loss:
                best_loss, best_epoch = loss, epoch
            elif epoch - best_epoch == patience + shift:
                return best_epoch, epoch
        return best_epoch, len(losses) - 1
    assert not check_early_stopping(off)
    assert words in capsys.readouterr().out


def test_early_stopping_never_stops(capsys):
    def runs_to_the_end(losses, patience):
        return early_stopping(losses, patience)[0], len(losses) - 1
    assert not check_early_stopping(runs_to_the_end)
    assert "as soon as `patience` epochs have passed" in capsys.readouterr().out


def test_early_stopping_bad_return(capsys):
    assert not check_early_stopping(lambda losses, patience: 3)
    assert "expected 2 values (best_epoch, stop_epoch), got an int" in capsys.readouterr().out
    assert not check_early_stopping(lambda losses, patience: (None, 2))
    assert "whole numbers" in capsys.readouterr().out


def test_early_stopping_accepts_numpy_ints(capsys):
    assert check_early_stopping(lambda losses, patience: tuple(np.int64(v) for v in early_stopping(losses, patience)))
