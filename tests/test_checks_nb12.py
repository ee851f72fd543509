"""The checkers of notebook 12 reject wrong answers saying what and where, with the usual slip named."""
import numpy as np
import pytest

import minigrad as mg
from checks_references import dropout_backward, dropout_forward, early_stopping, l2_penalty, stub
from minigrad_course.checks import check_dropout, check_early_stopping, check_l2_penalty


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


# --- exercise 2: dropout's forward and backward ------------------------------------------


def forward_with(factor, eval_factor=1.0, keep_if=lambda u, p: u >= p, draw=None):
    """A dropout forward that multiplies kept entries by factor(p) in training and x by eval_factor(p) in
    evaluation: the reference is factor = 1/(1-p), eval_factor = 1."""
    def forward(ctx, x, p, training, rng):
        if not training or p == 0:
            scale = eval_factor(p) if callable(eval_factor) else eval_factor
            ctx.mask = np.full(x.shape, scale) if training is False else None
            return x * scale
        u = (draw or rng.random)(x.shape)
        ctx.mask = keep_if(u, p) * factor(p)
        return x * ctx.mask
    return forward


def test_dropout_scaled_at_evaluation(capsys):
    assert not check_dropout(forward_with(lambda p: 1 / (1 - p), eval_factor=lambda p: 1 / (1 - p)),
                             dropout_backward)
    out = capsys.readouterr().out
    assert "evaluation mode, p = 0.4: the output should be x itself, but output / x holds the value 1.667" in out
    assert "you scaled at evaluation time" in out


def test_dropout_original_rule_at_evaluation(capsys):
    assert not check_dropout(forward_with(lambda p: 1 / (1 - p), eval_factor=lambda p: 1 - p), dropout_backward)
    assert "the rule of the original dropout" in capsys.readouterr().out


def test_dropout_not_scaled(capsys):
    assert not check_dropout(forward_with(lambda p: 1.0), dropout_backward)
    out = capsys.readouterr().out
    assert "training mode, p = 0.3, x of shape (6, 7): output / x holds the values 0, 1;" in out
    assert "you did not scale the kept entries" in out


def test_dropout_scaled_by_p(capsys):
    assert not check_dropout(forward_with(lambda p: p), dropout_backward)
    assert "you multiplied by p;" in capsys.readouterr().out
    assert not check_dropout(forward_with(lambda p: 1 / p), dropout_backward)
    assert "you divided by p, the probability of dropping" in capsys.readouterr().out
    assert not check_dropout(forward_with(lambda p: 1 - p), dropout_backward)
    assert "you multiplied by 1 - p" in capsys.readouterr().out


def test_dropout_new_mask_in_backward(capsys):
    def forward(ctx, x, p, training, rng):
        ctx.p, ctx.rng, ctx.training = p, rng, training
        return dropout_forward(ctx, x, p, training, rng)

    def backward(ctx, grad):
        if not ctx.training or ctx.p == 0:
            return grad, None, None, None
        return grad * ((ctx.rng.random(grad.shape) >= ctx.p) / (1 - ctx.p)), None, None, None
    assert not check_dropout(forward, backward)
    out = capsys.readouterr().out
    assert "training mode, p = 0.3, x of shape (6, 7): the gradient of x at index" in out
    assert "it draws a new mask" in out and "ctx.mask = mask" in out


def test_dropout_backward_without_the_mask_or_the_scale(capsys):
    assert not check_dropout(dropout_forward, lambda ctx, grad: (grad, None, None, None))
    assert "passes the gradient through unchanged" in capsys.readouterr().out

    def unscaled(ctx, grad):
        return (grad if ctx.mask is None else grad * (ctx.mask > 0)), None, None, None
    assert not check_dropout(dropout_forward, unscaled)
    assert "uses the mask without the 1/(1-p)" in capsys.readouterr().out


def test_dropout_keeps_with_probability_p(capsys):
    assert not check_dropout(forward_with(lambda p: 1 / (1 - p), keep_if=lambda u, p: u < p), dropout_backward)
    out = capsys.readouterr().out
    assert "x of shape (200, 500): 69.8% of the entries were dropped, expected about p = 30%" in out
    assert "probability 1 - p" in out


def test_dropout_ignores_rng(capsys):
    own = np.random.default_rng(0)
    assert not check_dropout(forward_with(lambda p: 1 / (1 - p), draw=own.random), dropout_backward)
    assert "from the `rng` argument" in capsys.readouterr().out


def test_dropout_changes_x_in_place_or_returns_an_array(capsys):
    def in_place(ctx, x, p, training, rng):
        ctx.mask = None if not training or p == 0 else (rng.random(x.shape) >= p) / (1 - p)
        if ctx.mask is not None:
            x *= ctx.mask
        return x
    assert not check_dropout(in_place, dropout_backward)
    assert "dropout_forward changed x in place" in capsys.readouterr().out

    def array(ctx, x, p, training, rng):
        return dropout_forward(ctx, x, p, training, rng).numpy()
    assert not check_dropout(array, dropout_backward)
    assert "must return a Tensor, got ndarray" in capsys.readouterr().out


def test_dropout_backward_returns_one_gradient_or_none(capsys):
    assert not check_dropout(dropout_forward, lambda ctx, grad: grad * ctx.mask)
    assert "returned 1 gradients, expected 4" in capsys.readouterr().out
    assert not check_dropout(dropout_forward, lambda ctx, grad: (None, None, None, None))
    assert "no gradient reached x" in capsys.readouterr().out


def test_dropout_backward_stub_is_not_done(capsys):
    assert not check_dropout(dropout_forward, stub)
    out = capsys.readouterr().out
    assert out.startswith("⏳ dropout_backward is not done yet") and "❌" not in out


def test_dropout_p_zero_in_training(capsys):
    def drops_one(ctx, x, p, training, rng):
        out = dropout_forward(ctx, x, p, training, rng)
        if training and p == 0:
            ctx.mask = np.ones(x.shape)
            ctx.mask[0, 0] = 0.0
            return x * ctx.mask
        return out
    assert not check_dropout(drops_one, dropout_backward)
    assert "with p = 0 nothing is dropped" in capsys.readouterr().out


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
