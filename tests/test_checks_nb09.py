"""The checkers of notebook 09 reject wrong optimizer steps saying which value, at which step, and which slip."""
import numpy as np
import pytest

import minigrad as mg
from checks_references import adamw_step, nesterov_step, rmsprop_step
from minigrad_course.checks import check_adamw_step, check_nesterov_step, check_rmsprop_step

CHECKS = [
    (check_nesterov_step, nesterov_step),
    (check_rmsprop_step, rmsprop_step),
    (check_adamw_step, adamw_step),
]


@pytest.mark.parametrize("check, solution", CHECKS)
def test_only_the_parameter_returned(check, solution, capsys):
    assert not check(lambda *args: solution(*args)[0])
    out = capsys.readouterr().out
    assert "expected 2 arrays" in out or "expected 3 arrays" in out
    assert "return every new value" in out


@pytest.mark.parametrize("check, solution", CHECKS)
def test_swapped_return_values(check, solution, capsys):
    assert not check(lambda *args: tuple(reversed(solution(*args))))
    out = capsys.readouterr().out
    assert "holds the value expected for" in out and "in the order" in out


def test_accepts_tensors_and_lists(capsys):
    assert check_nesterov_step(lambda *a: tuple(mg.Tensor(x) for x in nesterov_step(*a)))
    assert check_rmsprop_step(lambda *a: tuple(x.tolist() for x in rmsprop_step(*a)))


def test_inputs_may_be_modified_in_place(capsys):
    def in_place(p, g, buf, lr, momentum):
        buf *= momentum
        buf += g
        p -= lr * (g + momentum * buf)
        return p, buf
    assert check_nesterov_step(in_place)


# --- exercise 1: Nesterov ------------------------------------------------------


def test_nesterov_plain_momentum(capsys):
    def plain(p, g, buf, lr, momentum):
        buf = momentum * buf + g
        return p - lr * buf, buf
    assert not check_nesterov_step(plain)
    out = capsys.readouterr().out
    assert "case 1 (lr=0.1, momentum=0.9), step t=1: new p at index" in out
    assert "plain momentum" in out


def test_nesterov_dampened_buffer(capsys):
    def dampened(p, g, buf, lr, momentum):
        buf = momentum * buf + (1 - momentum) * g
        return p - lr * (g + momentum * buf), buf
    assert not check_nesterov_step(dampened)
    out = capsys.readouterr().out
    assert "case 1 (lr=0.1, momentum=0.9), step t=1: new buf at index (0, 0)" in out
    assert "you averaged" in out


def test_nesterov_old_buffer_in_the_step(capsys):
    def old_buffer(p, g, buf, lr, momentum):
        return p - lr * (g + momentum * buf), momentum * buf + g
    assert not check_nesterov_step(old_buffer)
    out = capsys.readouterr().out
    assert "step t=1: new p" in out and "with the buf you just updated" in out


def test_nesterov_velocity_form(capsys):
    def velocity(p, g, buf, lr, momentum):
        v = momentum * buf - lr * g
        return p + momentum * v - lr * g, v
    assert not check_nesterov_step(velocity)
    assert "velocity" in capsys.readouterr().out


# --- exercise 2: RMSprop -------------------------------------------------------


def test_rmsprop_eps_inside_the_root(capsys):
    def inside(p, g, v, lr, alpha, eps):
        v = alpha * v + (1 - alpha) * g ** 2
        return p - lr * g / np.sqrt(v + eps), v
    assert not check_rmsprop_step(inside)
    out = capsys.readouterr().out
    assert "step t=1: new p at index" in out
    assert "outside the square root" in out


def test_rmsprop_missing_one_minus_alpha(capsys):
    def no_weight(p, g, v, lr, alpha, eps):
        v = alpha * v + g ** 2
        return p - lr * g / (np.sqrt(v) + eps), v
    assert not check_rmsprop_step(no_weight)
    out = capsys.readouterr().out
    assert "step t=1: new square_avg at index" in out and "(1 - alpha)" in out


def test_rmsprop_adagrad_sum(capsys):
    def adagrad(p, g, v, lr, alpha, eps):
        v = v + g ** 2
        return p - lr * g / (np.sqrt(v) + eps), v
    assert not check_rmsprop_step(adagrad)
    # at the first step alpha * 0 + g^2 is the same slip as the missing (1 - alpha)
    assert "square_avg" in capsys.readouterr().out


def test_rmsprop_not_squared_and_no_root(capsys):
    def not_squared(p, g, v, lr, alpha, eps):
        v = alpha * v + (1 - alpha) * g
        return p - lr * g / (np.sqrt(np.abs(v)) + eps), v
    assert not check_rmsprop_step(not_squared)
    assert "square the gradient" in capsys.readouterr().out

    def no_root(p, g, v, lr, alpha, eps):
        v = alpha * v + (1 - alpha) * g ** 2
        return p - lr * g / (v + eps), v
    assert not check_rmsprop_step(no_root)
    assert "square ROOT" in capsys.readouterr().out


def test_rmsprop_old_average_in_the_step(capsys):
    def old(p, g, v, lr, alpha, eps):
        new_v = alpha * v + (1 - alpha) * g ** 2
        return p - lr * g / (np.sqrt(v) + eps), new_v
    assert not check_rmsprop_step(old)
    assert "use the updated square_avg" in capsys.readouterr().out


# --- exercise 3: AdamW ---------------------------------------------------------


def test_adamw_as_adam_with_l2(capsys):
    def adam_l2(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        return p - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v
    assert not check_adamw_step(adam_l2)
    out = capsys.readouterr().out
    assert "step t=1: new m at index" in out and "L2 penalty" in out


def test_adamw_without_decay(capsys):
    def no_decay(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
        return adamw_step(p, g, m, v, t, lr, beta1, beta2, eps, 0.0)
    assert not check_adamw_step(no_decay)
    out = capsys.readouterr().out
    assert "step t=1: new p at index" in out and "weight decay is missing" in out


def test_adamw_decay_after_the_step(capsys):
    def after(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
        new_p, m, v = adamw_step(p, g, m, v, t, lr, beta1, beta2, eps, 0.0)
        return new_p * (1 - lr * weight_decay), m, v
    assert not check_adamw_step(after)
    assert "BEFORE the step" in capsys.readouterr().out


def test_adamw_decay_without_lr(capsys):
    def no_lr(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
        new_p, m, v = adamw_step(p, g, m, v, t, lr, beta1, beta2, eps, 0.0)
        return new_p - weight_decay * p, m, v
    assert not check_adamw_step(no_lr)
    assert "scaled by the learning rate" in capsys.readouterr().out


def test_adamw_without_bias_correction(capsys):
    def uncorrected(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
        p = p * (1 - lr * weight_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        return p - lr * m / (np.sqrt(v) + eps), m, v
    assert not check_adamw_step(uncorrected)
    out = capsys.readouterr().out
    assert "case 1 (lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.01), step t=1: new p" in out
    assert "bias correction is missing" in out


def test_adamw_returns_corrected_moments(capsys):
    def corrected_m(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
        new_p, m, v = adamw_step(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay)
        return new_p, m / (1 - beta1 ** t), v
    assert not check_adamw_step(corrected_m)
    out = capsys.readouterr().out
    assert "step t=1: new m at index" in out and "return m itself" in out


def test_adamw_eps_inside_and_step_count(capsys):
    def inside(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
        p = p * (1 - lr * weight_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        return p - lr * (m / (1 - beta1 ** t)) / np.sqrt(v / (1 - beta2 ** t) + eps), m, v
    assert not check_adamw_step(inside)
    assert "outside the square root" in capsys.readouterr().out

    def off_by_one(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
        return adamw_step(p, g, m, v, t + 1, lr, beta1, beta2, eps, weight_decay)
    assert not check_adamw_step(off_by_one)
    assert "beta**t" in capsys.readouterr().out


def test_adamw_wrong_shape(capsys):
    assert not check_adamw_step(lambda p, g, m, v, *rest: (p.ravel(), m, v))
    assert "new_p has shape (6,), expected (2, 3)" in capsys.readouterr().out


# --- the reference each checker uses is minigrad.optim; these tie the exercises to torch.optim itself ---


def _torch_steps(make, steps=4, seed=3):
    """(p before, g, p after) for `steps` steps of a torch optimizer, float64, gradients of mixed sizes."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    p = torch.tensor(rng.normal(size=(2, 3)) * 2.0, requires_grad=True)
    opt = make(torch.optim, [p])
    out = []
    for _ in range(steps):
        g = (rng.normal(size=(2, 3)) + 0.3) * np.array([0.02, 1.0, 30.0])
        before = p.detach().numpy().copy()
        p.grad = torch.tensor(g)
        opt.step()
        out.append((before, g, p.detach().numpy().copy(), opt.state[p]))
    return out


def test_nesterov_solution_matches_torch_sgd():
    buf = np.zeros((2, 3))
    for p, g, expected, _ in _torch_steps(lambda o, ps: o.SGD(ps, lr=0.1, momentum=0.9, nesterov=True)):
        new_p, buf = nesterov_step(p, g, buf, 0.1, 0.9)
        np.testing.assert_allclose(new_p, expected, rtol=1e-12, atol=1e-14)


def test_rmsprop_solution_matches_torch_rmsprop():
    avg = np.zeros((2, 3))
    for p, g, expected, _ in _torch_steps(lambda o, ps: o.RMSprop(ps, lr=0.1, alpha=0.5, eps=0.1)):
        new_p, avg = rmsprop_step(p, g, avg, 0.1, 0.5, 0.1)
        np.testing.assert_allclose(new_p, expected, rtol=1e-12, atol=1e-14)


def test_adamw_solution_matches_torch_adamw_and_the_two_slips_do_not():
    """The reference step equals torch's AdamW; Adam + L2 and AdamW without bias correction differ from it
    by more than the checker's tolerance (so its rejection of them, tested above, is about real differences)."""
    m = v = np.zeros((2, 3))
    hyper = dict(lr=0.1, beta1=0.5, beta2=0.8, eps=0.1, weight_decay=0.5)
    for t, (p, g, expected, _) in enumerate(_torch_steps(lambda o, ps: o.AdamW(
            ps, lr=0.1, betas=(0.5, 0.8), eps=0.1, weight_decay=0.5)), start=1):
        new_p, m_new, v_new = adamw_step(p, g, m, v, t, *hyper.values())
        np.testing.assert_allclose(new_p, expected, rtol=1e-12, atol=1e-14)
        coupled = g + 0.5 * p                                 # the decay added to the gradient: Adam + L2
        mc, vc = 0.5 * m + 0.5 * coupled, 0.8 * v + 0.2 * coupled ** 2
        l2 = p - 0.1 * (mc / (1 - 0.5 ** t)) / (np.sqrt(vc / (1 - 0.8 ** t)) + 0.1)
        uncorrected = p * (1 - 0.05) - 0.1 * m_new / (np.sqrt(v_new) + 0.1)
        assert np.abs(l2 - expected).max() > 1e-3 and np.abs(uncorrected - expected).max() > 1e-3
        m, v = m_new, v_new
