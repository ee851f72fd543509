"""The exercise checkers of notebooks 05 and 06: accept the reference, explain a wrong answer, wait for a stub."""
import numpy as np

from minigrad_course import checks

# --- reference solutions (the same as the notebooks' solution cells) --------------------


def sigmoid_grad_from_output(s):
    return s * (1 - s)


def leaky_relu(x, slope):
    return np.where(x > 0, x, slope * x)


def leaky_relu_grad(x, slope):
    return np.where(x > 0, 1.0, slope)


def softmax_jacobian(z):
    e = np.exp(z - z.max())
    s = e / e.sum()
    return np.diag(s) - np.outer(s, s)


def cross_entropy_grad(logits, targets):
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    y = np.eye(logits.shape[1])[targets]
    return (p - y) / len(logits)


def bce_with_logits(z, y):
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


def gradient_descent(f_and_grad, x0, lr, steps):
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        _, g = f_and_grad(x)
        x = x - lr * g
        path.append(x.copy())
    return np.array(path)


def stub(*args):
    raise NotImplementedError


def verdict(check, *fns, capsys):
    ok = check(*fns)
    return ok, capsys.readouterr().out


def assert_not_done(check, n_args, capsys):
    ok, out = verdict(check, *[stub] * n_args, capsys=capsys)
    assert not ok and "not done yet" in out and "Traceback" not in out


# --- notebook 05 ------------------------------------------------------------------------------

def test_sigmoid_grad(capsys):
    ok, out = verdict(checks.check_sigmoid_grad, sigmoid_grad_from_output, capsys=capsys)
    assert ok and out.startswith("✅")
    ok, out = verdict(checks.check_sigmoid_grad, lambda s: s * (1 + s), capsys=capsys)
    assert not ok and "sigmoid'(x) at x = -6: you have" in out and "hint: that is s(1 + s)" in out
    ok, out = verdict(checks.check_sigmoid_grad, lambda s: 1 - s ** 2, capsys=capsys)
    assert not ok and "tanh's rule" in out
    ok, out = verdict(checks.check_sigmoid_grad, lambda s: s[:3], capsys=capsys)
    assert not ok and "shape (3,), expected (11,)" in out
    assert_not_done(checks.check_sigmoid_grad, 1, capsys)


def test_leaky_relu(capsys):
    ok, out = verdict(checks.check_leaky_relu, leaky_relu, leaky_relu_grad, capsys=capsys)
    assert ok and out.startswith("✅")
    ok, out = verdict(checks.check_leaky_relu, lambda x, a: np.maximum(x, 0), leaky_relu_grad, capsys=capsys)
    assert not ok and "leaky_relu(x, slope=0.01) at x = -5: you have 0, expected -0.05" in out
    wrong_grad = lambda x, a: np.where(x > 0, 1.0, 0.0)  # noqa: E731  (the ReLU's derivative)
    ok, out = verdict(checks.check_leaky_relu, leaky_relu, wrong_grad, capsys=capsys)
    assert not ok and "leaky_relu_grad(x, slope=0.01) at x = -5" in out
    fixed_slope = lambda x, a: np.where(x > 0, 1.0, 0.01)  # noqa: E731  ignores the slope argument
    ok, out = verdict(checks.check_leaky_relu, leaky_relu, fixed_slope, capsys=capsys)
    assert not ok and "slope=0.2" in out and "expected 0.2" in out
    assert_not_done(checks.check_leaky_relu, 2, capsys)
    ok, out = verdict(checks.check_leaky_relu, leaky_relu, stub, capsys=capsys)
    assert not ok and "leaky_relu_grad is not done yet" in out


def test_softmax_jacobian(capsys):
    ok, out = verdict(checks.check_softmax_jacobian, softmax_jacobian, capsys=capsys)
    assert ok and out.startswith("✅")

    def naive(z):
        s = np.exp(z) / np.exp(z).sum()
        return np.diag(s) - np.outer(s, s)
    ok, out = verdict(checks.check_softmax_jacobian, naive, capsys=capsys)
    assert not ok and "[1000, 999, 0]" in out and "inf or nan" in out and "max(z)" in out
    assert "RuntimeWarning" not in out
    ok, out = verdict(checks.check_softmax_jacobian, lambda z: -softmax_jacobian(z), capsys=capsys)
    assert not ok and "entry [i, j]" in out and "at index (0, 0)" in out and "sign is flipped" in out
    ok, out = verdict(checks.check_softmax_jacobian, lambda z: np.diag(np.exp(z) / np.exp(z).sum()),
                      capsys=capsys)
    assert not ok and "only diag(s)" in out
    ok, out = verdict(checks.check_softmax_jacobian, lambda z: softmax_jacobian(z)[0], capsys=capsys)
    assert not ok and "shape (3,), expected (3, 3)" in out
    assert_not_done(checks.check_softmax_jacobian, 1, capsys)


# --- notebook 06 ---------------------------------------------------------------------------------

def test_cross_entropy_grad(capsys):
    ok, out = verdict(checks.check_cross_entropy_grad, cross_entropy_grad, capsys=capsys)
    assert ok and out.startswith("✅")
    ok, out = verdict(checks.check_cross_entropy_grad, lambda l, t: cross_entropy_grad(l, t) * len(l),
                      capsys=capsys)
    assert not ok and "4 rows, 3 classes" in out and "N = 4 times too large" in out
    ok, out = verdict(checks.check_cross_entropy_grad, lambda l, t: -cross_entropy_grad(l, t), capsys=capsys)
    assert not ok and "sign is flipped" in out

    def forgot_targets(logits, targets):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return p / len(logits)
    ok, out = verdict(checks.check_cross_entropy_grad, forgot_targets, capsys=capsys)
    assert not ok and "left out the one-hot targets" in out

    def unshifted(logits, targets):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return (p - np.eye(logits.shape[1])[targets]) / len(logits)
    ok, out = verdict(checks.check_cross_entropy_grad, unshifted, capsys=capsys)
    assert not ok and "large logits" in out and "overflows" in out and "RuntimeWarning" not in out
    assert_not_done(checks.check_cross_entropy_grad, 1, capsys)


def test_bce_with_logits(capsys):
    ok, out = verdict(checks.check_bce_with_logits, bce_with_logits, capsys=capsys)
    assert ok and out.startswith("✅")

    def naive(z, y):
        p = 1 / (1 + np.exp(-z))
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))
    ok, out = verdict(checks.check_bce_with_logits, naive, capsys=capsys)
    assert not ok and "z = -1000, y = 0 gives" in out and "log1p" in out and "RuntimeWarning" not in out
    ok, out = verdict(checks.check_bce_with_logits, lambda z, y: np.maximum(z, 0) - z * y, capsys=capsys)
    assert not ok and "bce_with_logits (moderate logits) at z = -4" in out
    assert_not_done(checks.check_bce_with_logits, 1, capsys)


def test_gradient_descent(capsys):
    ok, out = verdict(checks.check_gradient_descent, gradient_descent, capsys=capsys)
    assert ok and out.startswith("✅")

    def without_start(f_and_grad, x0, lr, steps):
        return gradient_descent(f_and_grad, x0, lr, steps)[1:]
    ok, out = verdict(checks.check_gradient_descent, without_start, capsys=capsys)
    assert not ok and "include the starting point" in out

    def uphill(f_and_grad, x0, lr, steps):
        return gradient_descent(f_and_grad, x0, -lr, steps)
    ok, out = verdict(checks.check_gradient_descent, uphill, capsys=capsys)
    assert not ok and "row t is x_t" in out and "uphill" in out

    def in_place(f_and_grad, x0, lr, steps):
        path = [x0.copy()]
        for _ in range(steps):
            x0 -= lr * f_and_grad(x0)[1]
            path.append(x0.copy())
        return np.array(path)
    ok, out = verdict(checks.check_gradient_descent, in_place, capsys=capsys)
    assert not ok and "changed the x0" in out

    def returns_list(f_and_grad, x0, lr, steps):
        return [list(p) for p in gradient_descent(f_and_grad, x0, lr, steps)]
    assert verdict(checks.check_gradient_descent, returns_list, capsys=capsys)[0]
    assert_not_done(checks.check_gradient_descent, 1, capsys)


def test_checkers_are_exported():
    for name in ["check_sigmoid_grad", "check_leaky_relu", "check_softmax_jacobian",
                 "check_cross_entropy_grad", "check_bce_with_logits", "check_gradient_descent"]:
        assert callable(getattr(checks, name))


def test_checkers_return_verdicts_that_display_nothing(capsys):
    from minigrad_course.checks.verdict import Verdict
    cases = [(checks.check_sigmoid_grad, [sigmoid_grad_from_output]),
             (checks.check_leaky_relu, [leaky_relu, leaky_relu_grad]),
             (checks.check_softmax_jacobian, [softmax_jacobian]),
             (checks.check_cross_entropy_grad, [cross_entropy_grad]),
             (checks.check_bce_with_logits, [bce_with_logits]),
             (checks.check_gradient_descent, [gradient_descent])]
    for check, solutions in cases:
        good, bad = check(*solutions), check(*[stub] * len(solutions))
        assert isinstance(good, Verdict) and good == True  # noqa: E712
        assert isinstance(bad, Verdict) and bad == False  # noqa: E712
