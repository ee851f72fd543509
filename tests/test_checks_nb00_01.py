"""The checkers of notebooks 00 and 01: accept the reference, name the mistake, say "not done yet" for a stub."""
import math

import numpy as np
import pytest

from minigrad_course import checks
from minigrad_course.checks import nb00, nb01
from minigrad_course.checks.verdict import Verdict


def run(checker, fn, capsys):
    """The checker's verdict as a bool, and what it printed; every path must answer with a Verdict
    (which a notebook does not display, so the cell shows only the printed message)."""
    result = checker(fn)
    assert isinstance(result, Verdict), f"{checker.__name__} returned {type(result).__name__}, not a Verdict"
    return bool(result), capsys.readouterr().out


def stub(*args, **kwargs):
    raise NotImplementedError


def test_checkers_are_exported_from_the_package():
    for name in nb00.__all__ + nb01.__all__:
        assert getattr(checks, name) is getattr(nb00, name, None) or getattr(checks, name) is getattr(nb01, name)
    assert set(nb00.__all__) == {"check_slope"}
    assert set(nb01.__all__) == {"check_central_difference", "check_logistic_loss_derivative", "check_two_paths"}


# --- notebook 00: slope ------------------------------------------------------------------

def slope(x1, y1, x2, y2):
    return (y2 - y1) / (x2 - x1)


def test_slope_accepts_reference(capsys):
    ok, out = run(checks.check_slope, slope, capsys)
    assert ok and out.startswith("✅")


def test_slope_accepts_numpy_scalar(capsys):
    ok, _ = run(checks.check_slope, lambda x1, y1, x2, y2: np.float32(y2 - y1) / np.float32(x2 - x1), capsys)
    assert ok


@pytest.mark.parametrize("wrong, words", [
    (lambda x1, y1, x2, y2: (y1 - y2) / (x2 - x1), "sign is flipped"),
    (lambda x1, y1, x2, y2: (x2 - x1) / (y2 - y1), "run over rise"),
    (lambda x1, y1, x2, y2: y2 / x2, "slope(1, 3, 4, -3)"),
])
def test_slope_names_the_mistake(capsys, wrong, words):
    ok, out = run(checks.check_slope, wrong, capsys)
    assert not ok and out.startswith("❌") and words in out
    assert "expected" in out or "slope(" in out


def test_slope_reports_where_a_generic_error_is(capsys):
    ok, out = run(checks.check_slope, lambda x1, y1, x2, y2: (y2 - y1) / (x2 - x1) + 1, capsys)
    assert not ok
    assert "slope(0, 0, 1, 2)" in out and "you have 3" in out and "expected 2" in out


def test_slope_not_done_yet(capsys):
    ok, out = run(checks.check_slope, stub, capsys)
    assert not ok and "not done yet" in out and "slope" in out


def test_slope_crash_and_wrong_type(capsys):
    ok, out = run(checks.check_slope, lambda *a: 1 / 0, capsys)
    assert not ok and "ZeroDivisionError" in out
    ok, out = run(checks.check_slope, lambda *a: "two", capsys)
    assert not ok and "expected one number" in out


# --- notebook 01, exercise 1: central difference --------------------------------------------

def central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_central_difference_accepts_reference(capsys):
    ok, out = run(checks.check_central_difference, central_difference, capsys)
    assert ok and out.startswith("✅")


@pytest.mark.parametrize("wrong, words", [
    (lambda f, x, h=1e-5: (f(x + h) - f(x)) / h, "forward difference"),
    (lambda f, x, h=1e-5: (f(x) - f(x - h)) / h, "backward difference"),
    (lambda f, x, h=1e-5: (f(x + h) - f(x - h)) / h, "divide by 2 * h"),
    (lambda f, x, h=1e-5: (f(x + h) - f(x - h)) / 2 * h, "Mind the brackets"),
    (lambda f, x, h=1e-5: (f(x + h) - f(x - h)) / (2 * h) * 1.01, "you have"),
])
def test_central_difference_names_the_mistake(capsys, wrong, words):
    ok, out = run(checks.check_central_difference, wrong, capsys)
    assert not ok and out.startswith("❌") and words in out
    assert "x**3" in out and "h=0.1" in out  # where: the first test case


def test_central_difference_must_use_the_given_h(capsys):
    ok, out = run(checks.check_central_difference, lambda f, x, h=1e-5: central_difference(f, x, 1e-6), capsys)
    assert not ok and "exactly this h" in out


@pytest.mark.parametrize("default_h", [0.1, 1e-13])
def test_central_difference_default_h_must_be_accurate(capsys, default_h):
    def with_default(f, x, h=default_h):
        return central_difference(f, x, h)

    ok, out = run(checks.check_central_difference, with_default, capsys)
    assert not ok and "default h" in out and "1e-5" in out


def test_central_difference_not_done_yet(capsys):
    ok, out = run(checks.check_central_difference, stub, capsys)
    assert not ok and "not done yet" in out and "central_difference" in out


def test_central_difference_without_h_keyword(capsys):
    ok, out = run(checks.check_central_difference, lambda f, x, step=1e-5: central_difference(f, x, step), capsys)
    assert not ok and "TypeError" in out


# --- notebook 01, exercise 2: the logistic loss derivative --------------------------------------

def dloss_dx(x):
    e = math.exp(-3 * x)
    return -3 * e / (1 + e)


def test_logistic_accepts_reference_and_numpy(capsys):
    ok, out = run(checks.check_logistic_loss_derivative, dloss_dx, capsys)
    assert ok and out.startswith("✅")
    ok, _ = run(checks.check_logistic_loss_derivative, lambda x: -3 / (1 + np.exp(3 * x)), capsys)
    assert ok


@pytest.mark.parametrize("wrong, words", [
    (lambda x: math.exp(-3 * x) / (1 + math.exp(-3 * x)), "innermost link"),
    (lambda x: 3 * math.exp(-3 * x) / (1 + math.exp(-3 * x)), "sign is flipped"),
    (lambda x: -3 / (1 + math.exp(-3 * x)), "middle link"),
    (lambda x: math.log(1 + math.exp(-3 * x)), "loss itself"),
    (lambda x: dloss_dx(x) + 0.01, "you have"),
])
def test_logistic_names_the_mistake(capsys, wrong, words):
    ok, out = run(checks.check_logistic_loss_derivative, wrong, capsys)
    assert not ok and out.startswith("❌") and words in out and "dloss_dx(" in out


def test_logistic_not_done_yet(capsys):
    ok, out = run(checks.check_logistic_loss_derivative, stub, capsys)
    assert not ok and "not done yet" in out


def test_logistic_reference_agrees_with_finite_differences():
    for x in [-1.0, 0.2, 1.5]:
        f = lambda t: math.log(1 + math.exp(-3 * t))  # noqa: E731
        assert math.isclose(nb01._logistic_loss_derivative(x), central_difference(f, x), rel_tol=1e-7)


# --- notebook 01, exercise 3: two paths ------------------------------------------------------------

def two_path_derivative(x):
    u, v = math.sin(x), x ** 2
    return math.exp(u) * v * math.cos(x), math.exp(u) * 2 * x


def test_two_paths_accepts_reference(capsys):
    ok, out = run(checks.check_two_paths, two_path_derivative, capsys)
    assert ok and out.startswith("✅")


def test_two_paths_reference_sums_to_the_derivative():
    f = lambda t: math.exp(math.sin(t)) * t ** 2  # noqa: E731
    for x in [-1.0, 0.5, 2.5]:
        assert math.isclose(sum(nb01._two_paths(x)), central_difference(f, x), rel_tol=1e-7)


@pytest.mark.parametrize("wrong, words", [
    (lambda x: two_path_derivative(x)[::-1], "swapped"),
    (lambda x: (math.exp(math.sin(x)) * x ** 2, two_path_derivative(x)[1]), "missing du/dx = cos(x)"),
    (lambda x: (two_path_derivative(x)[0], math.exp(math.sin(x))), "missing dv/dx = 2x"),
    (lambda x: (two_path_derivative(x)[0], 2 * x), "df/dv = e^u"),
    (lambda x: (sum(two_path_derivative(x)), 0.0), "split wrongly"),
    (lambda x: (two_path_derivative(x)[0], two_path_derivative(x)[1] + 0.5), "the path through v"),
    (lambda x: sum(two_path_derivative(x)), "a pair of numbers"),
    (lambda x: (1.0, 2.0, 3.0), "a pair of numbers"),
])
def test_two_paths_names_the_mistake(capsys, wrong, words):
    ok, out = run(checks.check_two_paths, wrong, capsys)
    assert not ok and out.startswith("❌") and words in out and "two_path_derivative(" in out


def test_two_paths_not_done_yet(capsys):
    ok, out = run(checks.check_two_paths, stub, capsys)
    assert not ok and "not done yet" in out


# --- a forgotten `return` is named as such, in every checker of notebooks 00 and 01 ---------

@pytest.mark.parametrize("checker", [checks.check_slope, checks.check_central_difference,
                                     checks.check_logistic_loss_derivative, checks.check_two_paths])
def test_forgotten_return_is_named(capsys, checker):
    ok, out = run(checker, lambda *args, **kwargs: None, capsys)
    assert not ok and out.startswith("❌") and "returned None" in out and "return" in out
