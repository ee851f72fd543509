"""The checkers of notebooks 00 and 01 name the usual mistakes, and the chain-rule exercise turns down a
numeric derivative (called by name, or written inline)."""
import functools
import math

import numpy as np
import pytest

from checks_references import central_difference, dloss_dx, run, slope, two_path_derivative
from minigrad_course import checks
from minigrad_course.checks import nb01
from minigrad_course.checks.verdict import EXACT_ATOL, EXACT_RTOL


# --- notebook 00: slope ------------------------------------------------------------------

def test_slope_accepts_numpy_scalar(capsys):
    ok, _ = run(checks.check_slope, lambda x1, y1, x2, y2: np.float32(y2 - y1) / np.float32(x2 - x1), capsys=capsys)
    assert ok


def test_slope_messages_shown_in_notebook_00_stay_the_same(capsys):
    """Notebook 00 shows these two verdicts as examples; nbval compares them to the letter."""
    _, out = run(checks.check_slope, lambda x1, y1, x2, y2: (y1 - y2) / (x2 - x1), capsys=capsys)
    assert out == ("❌ slope(0, 0, 1, 2): you have -2, expected 2: the sign is flipped. Take both changes in the "
                   "same direction: (y2 - y1) / (x2 - x1).\n")


@pytest.mark.parametrize("wrong, words", [
    (lambda x1, y1, x2, y2: (y1 - y2) / (x2 - x1), "sign is flipped"),
    (lambda x1, y1, x2, y2: (x2 - x1) / (y2 - y1), "run over rise"),
    (lambda x1, y1, x2, y2: y2 / x2, "slope(1, 3, 4, -3)"),
])
def test_slope_names_the_mistake(capsys, wrong, words):
    ok, out = run(checks.check_slope, wrong, capsys=capsys)
    assert not ok and out.startswith("❌") and words in out
    assert "expected" in out or "slope(" in out


def test_slope_reports_where_a_generic_error_is(capsys):
    ok, out = run(checks.check_slope, lambda x1, y1, x2, y2: slope(x1, y1, x2, y2) + 1, capsys=capsys)
    assert not ok
    assert "slope(0, 0, 1, 2)" in out and "you have 3" in out and "expected 2" in out


def test_slope_wrong_type(capsys):
    ok, out = run(checks.check_slope, lambda *a: "two", capsys=capsys)
    assert not ok and "expected one number, got a str" in out


# --- notebook 01, exercise 1: central difference --------------------------------------------

@pytest.mark.parametrize("wrong, words", [
    (lambda f, x, h=1e-5: (f(x + h) - f(x)) / h, "forward difference"),
    (lambda f, x, h=1e-5: (f(x) - f(x - h)) / h, "backward difference"),
    (lambda f, x, h=1e-5: (f(x + h) - f(x - h)) / h, "divide by 2 * h"),
    (lambda f, x, h=1e-5: (f(x + h) - f(x - h)) / 2 * h, "mind the brackets"),
    (lambda f, x, h=1e-5: (f(x + h) - f(x - h)) / (2 * h) * 1.01, "you have"),
])
def test_central_difference_names_the_mistake(capsys, wrong, words):
    ok, out = run(checks.check_central_difference, wrong, capsys=capsys)
    assert not ok and out.startswith("❌") and words in out
    assert "x**3" in out and "h=0.1" in out  # where: the first test case


def test_central_difference_must_use_the_given_h(capsys):
    ok, out = run(checks.check_central_difference, lambda f, x, h=1e-5: central_difference(f, x, 1e-6),
                  capsys=capsys)
    assert not ok and "exactly this h" in out


@pytest.mark.parametrize("default_h", [0.1, 1e-13])
def test_central_difference_default_h_must_be_accurate(capsys, default_h):
    def with_default(f, x, h=default_h):
        return central_difference(f, x, h)

    ok, out = run(checks.check_central_difference, with_default, capsys=capsys)
    assert not ok and "default h" in out and "1e-5" in out


def test_central_difference_without_h_keyword(capsys):
    ok, out = run(checks.check_central_difference, lambda f, x, step=1e-5: central_difference(f, x, step),
                  capsys=capsys)
    assert not ok and "TypeError" in out


# --- notebook 01, exercise 2: the logistic loss derivative, by the chain rule ----------------------

def loss(x):
    return math.log(1 + math.exp(-3 * x))


def test_logistic_accepts_other_exact_forms(capsys):
    for exact in (lambda x: -3 / (1 + np.exp(3 * x)), lambda x: -3 + 3 / (1 + math.exp(-3 * x)),
                  lambda x: -1.5 * (1 - math.tanh(1.5 * x))):
        ok, out = run(checks.check_logistic_loss_derivative, exact, capsys=capsys)
        assert ok, out


@pytest.mark.parametrize("wrong, words", [
    (lambda x: math.exp(-3 * x) / (1 + math.exp(-3 * x)), "innermost link"),
    (lambda x: 3 * math.exp(-3 * x) / (1 + math.exp(-3 * x)), "sign is flipped"),
    (lambda x: -3 / (1 + math.exp(-3 * x)), "middle link"),
    (lambda x: math.log(1 + math.exp(-3 * x)), "loss itself"),
    (lambda x: dloss_dx(x) + 0.01, "you have"),
])
def test_logistic_names_the_mistake(capsys, wrong, words):
    ok, out = run(checks.check_logistic_loss_derivative, wrong, capsys=capsys)
    assert not ok and out.startswith("❌") and words in out and "dloss_dx(" in out


def test_logistic_turns_down_a_call_of_central_difference(capsys):
    def numeric(x):
        return central_difference(loss, x)
    ok, out = run(checks.check_logistic_loss_derivative, numeric, capsys=capsys)
    assert not ok
    assert out.startswith("❌ dloss_dx uses `central_difference`") and "chain rule by hand" in out
    assert "dl/dv, dv/du and du/dx" in out and out.count("\n") == 1


@pytest.mark.parametrize("h", [1e-3, 1e-5, 1e-6, 1e-7])
def test_logistic_turns_down_an_inline_central_difference(capsys, h):
    """A central difference is right to at most 11 digits at x = 0.7, whatever h: not exact."""
    ok, out = run(checks.check_logistic_loss_derivative, lambda x: (loss(x + h) - loss(x - h)) / (2 * h),
                  capsys=capsys)
    assert not ok and "dloss_dx(0.7)" in out
    assert "close, but not exact: off by about as much as a finite difference is" in out and "chain rule by hand" in out


def test_logistic_turns_down_richardson_extrapolation(capsys):
    """Richardson's extrapolation of two central differences reaches ~3e-13 relative at its best step."""
    def richardson(x, h=1e-3):
        d1 = (loss(x + h) - loss(x - h)) / (2 * h)
        d2 = (loss(x + h / 2) - loss(x - h / 2)) / h
        return (4 * d2 - d1) / 3
    for h in (1e-2, 1e-3, 2e-3):
        ok, _ = run(checks.check_logistic_loss_derivative, functools.partial(richardson, h=h), capsys=capsys)
        assert not ok


def test_logistic_turns_down_the_notebooks_helper_and_an_alias(capsys):
    """In the notebook: finite_differences is defined a few cells up; an alias keeps its real name."""
    namespace = {"__name__": "__main__", "math": math}
    exec("def finite_differences(f, x, h):\n"
         "    return (f(x + h) - f(x)) / h, (f(x) - f(x - h)) / h, (f(x + h) - f(x - h)) / (2 * h)\n"
         "fd = finite_differences\n"
         "def loss(x):\n"
         "    return math.log(1 + math.exp(-3 * x))\n"
         "def dloss_dx(x):\n"
         "    return fd(loss, x, 1e-5)[2]\n", namespace)
    ok, out = run(checks.check_logistic_loss_derivative, namespace["dloss_dx"], capsys=capsys)
    assert not ok and "uses `finite_differences`" in out


def test_logistic_method_read_through_a_partial(capsys):
    ok, out = run(checks.check_logistic_loss_derivative, functools.partial(central_difference, loss), capsys=capsys)
    assert not ok and "uses `central_difference`" in out


def test_logistic_method_unreadable_checks_the_numbers_only(capsys):
    class CallableObject:
        def __call__(self, x):
            return dloss_dx(x)
    ok, out = run(checks.check_logistic_loss_derivative, CallableObject(), capsys=capsys)
    assert ok
    assert out.splitlines()[0] == ("   (The method of dloss_dx could not be checked, only its numbers: it is not "
                                   "a plain Python function.)")
    assert out.splitlines()[1].startswith("✅")


def test_logistic_reference_agrees_with_finite_differences():
    for x in [-1.0, 0.2, 1.5]:
        assert math.isclose(nb01._logistic_loss_derivative(x), central_difference(loss, x), rel_tol=1e-7)


def test_exact_tolerance_separates_formulas_from_finite_differences():
    """The numbers behind EXACT_ATOL and EXACT_RTOL: at the checker's points every exact form is within
    them, and a central difference at its best step at x = 0.7 is off by 10 times more."""
    xs = [0.7, -0.5, 2.0, -2.0, 0.0]
    exact = [nb01._logistic_loss_derivative(x) for x in xs]
    forms = [dloss_dx, lambda x: -3 + 3 / (1 + math.exp(-3 * x)), lambda x: -1.5 * (1 - math.tanh(1.5 * x))]
    assert all(abs(f(x) - e) <= EXACT_ATOL + EXACT_RTOL * abs(e) for f in forms for x, e in zip(xs, exact))
    best = min(abs(central_difference(loss, 0.7, h) - exact[0]) for h in np.logspace(-9, -2, 141))
    assert best > 10 * (EXACT_ATOL + EXACT_RTOL * abs(exact[0]))


# --- notebook 01, exercise 3: two paths ------------------------------------------------------------

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
    (lambda x: sum(two_path_derivative(x)), "expected 2 numbers (through_u, through_v), got a float"),
    (lambda x: (1.0, 2.0, 3.0), "expected 2 numbers (through_u, through_v), got 3 values"),
])
def test_two_paths_names_the_mistake(capsys, wrong, words):
    ok, out = run(checks.check_two_paths, wrong, capsys=capsys)
    assert not ok and out.startswith("❌") and words in out and "two_path_derivative(" in out


# --- a forgotten `return` is named as such, in every checker of notebooks 00 and 01 ---------

@pytest.mark.parametrize("checker", [checks.check_slope, checks.check_central_difference,
                                     checks.check_logistic_loss_derivative, checks.check_two_paths])
def test_forgotten_return_is_named(capsys, checker):
    ok, out = run(checker, lambda *args, **kwargs: None, capsys=capsys)
    assert not ok and out.startswith("❌") and "returned None: did you forget `return`?" in out
