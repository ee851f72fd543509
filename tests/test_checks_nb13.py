"""The checkers of notebook 13 reject wrong answers saying what and where, with the usual slip named.
None of them needs a GPU."""
import time

import numpy as np
import pytest

from checks_references import host_to_device, launch_and_total, matmul_cost, run
from minigrad_course.checks import check_host_to_device, check_launch_and_total, check_matmul_cost


@pytest.mark.parametrize("check", [check_matmul_cost, check_host_to_device])
def test_missing_return_is_named(check, capsys):
    ok, out = run(check, lambda *args: None, capsys=capsys)
    assert not ok
    assert "forget `return`" in out


def test_crash_in_timer_is_reported(capsys):
    def crashes(work, sync, repeats=5):
        work()
        return 1 / 0
    ok, out = run(check_launch_and_total, crashes, capsys=capsys)
    assert not ok and "ZeroDivisionError" in out


# --- exercise 1: matmul cost ---------------------------------------------------


def test_matmul_cost_accepts_other_number_types(capsys):
    def as_numpy(m, k, n, itemsize=4):
        f, b, i = matmul_cost(m, k, n, itemsize)
        return np.int64(f), np.float64(b), np.array(i)
    assert check_matmul_cost(as_numpy)


@pytest.mark.parametrize("wrong, message", [
    (lambda m, k, n, s=4: (m * k * n, s * (m * k + k * n + m * n), m * k * n / (s * (m * k + k * n + m * n))),
     "k multiplies AND k adds"),
    (lambda m, k, n, s=4: (m * n * (2 * k - 1), s * (m * k + k * n + m * n), 1.0), "multiply-add as 2"),
    (lambda m, k, n, s=4: (2 * m * k * n, s * (m * k + k * n), 2 * m * k * n / (s * (m * k + k * n))),
     "has to be written"),
    (lambda m, k, n, s=4: (2 * m * k * n, m * k + k * n + m * n, 1.0), "counted elements, not bytes"),
    (lambda m, k, n, s=4: (2 * m * k * n, 8 * s * (m * k + k * n + m * n), 1.0), "counted bits"),
    (lambda m, k, n, s=4: (2 * m * k * n, s * (m * k + k * n + m * n), s * (m * k + k * n + m * n) / (2 * m * k * n)),
     "not the other way round"),
    (lambda m, k, n, s=4: 2 * m * k * n, "expected 3 numbers (flops, nbytes, intensity), got an int"),
])
def test_matmul_cost_names_the_slip(wrong, message, capsys):
    ok, out = run(check_matmul_cost, wrong, capsys=capsys)
    assert not ok
    assert "❌" in out and message in out and "test 1" in out


def test_matmul_cost_catches_a_hardcoded_itemsize(capsys):
    ok, out = run(check_matmul_cost, lambda m, k, n, s=4: matmul_cost(m, k, n, 4), capsys=capsys)
    assert not ok
    assert "test 3" in out and "itemsize=8" in out and "nbytes" in out


# --- exercise 2: host to device ------------------------------------------------


def test_host_to_device_accepts_nbytes(capsys):
    assert check_host_to_device(lambda X, y, e, g: (e * (X.nbytes + y.nbytes), e * (X.nbytes + y.nbytes) / g / 1e9))


@pytest.mark.parametrize("wrong, message", [
    (lambda X, y, e, g: (e * X.nbytes, e * X.nbytes / (g * 1e9)), "labels travel too"),
    (lambda X, y, e, g: (e * 4 * (X.size + y.size), 1.0), "not every number takes 4 bytes"),
    (lambda X, y, e, g: (e * (X.size + y.size), 1.0), "numbers, not bytes"),
    (lambda X, y, e, g: (8 * e * (X.nbytes + y.nbytes), 1.0), "counted bits"),
    (lambda X, y, e, g: (e * (X.nbytes + y.nbytes), e * (X.nbytes + y.nbytes) / (g * 2**30)), "GiB"),
    (lambda X, y, e, g: (e * (X.nbytes + y.nbytes), 1e3 * e * (X.nbytes + y.nbytes) / (g * 1e9)), "milliseconds"),
    (lambda X, y, e, g: (e * (X.nbytes + y.nbytes), e * (X.nbytes + y.nbytes) / g), "10^9 bytes per second"),
    (lambda X, y, e, g: (e * (X.nbytes + y.nbytes), e * (X.nbytes + y.nbytes) * g * 1e9), "do not multiply"),
])
def test_host_to_device_names_the_slip(wrong, message, capsys):
    ok, out = run(check_host_to_device, wrong, capsys=capsys)
    assert not ok
    assert "❌" in out and message in out


def test_host_to_device_one_epoch_only_is_named(capsys):
    ok, out = run(check_host_to_device, lambda X, y, e, g: host_to_device(X, y, 1, g), capsys=capsys)
    assert not ok
    assert "test 2" in out and "each epoch" in out


# --- exercise 3: launch and total ----------------------------------------------


def _timer(warmup=True, sync_each=True, total_from="start", reduce=np.median, swap=False):
    """launch_and_total with one slip."""
    def fn(work, sync, repeats=5):
        if warmup:
            work()
            sync()
        launches, totals = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            work()
            launched = time.perf_counter()
            if sync_each:
                sync()
            done = time.perf_counter()
            launches.append(launched - start)
            totals.append(done - (start if total_from == "start" else launched))
        if not sync_each:
            sync()
        result = float(reduce(launches)), float(reduce(totals))
        return result[::-1] if swap else result
    return fn


@pytest.mark.parametrize("variant, message", [
    (_timer(warmup=False), "no warm-up"),
    (_timer(sync_each=False), "not followed by sync()"),
    (_timer(total_from="launch"), "start after the launch"),
    (_timer(reduce=np.mean), "median"),
    (_timer(reduce=np.max), "median"),
    (_timer(swap=True), "in that order"),
])
def test_launch_and_total_names_the_slip(variant, message, capsys):
    ok, out = run(check_launch_and_total, variant, capsys=capsys)
    assert not ok
    assert "❌" in out and message in out


def test_launch_and_total_without_any_sync(capsys):
    def no_sync(work, sync, repeats=5):
        work()
        start = time.perf_counter()
        for _ in range(repeats):
            work()
        return 0.0, time.perf_counter() - start
    ok, out = run(check_launch_and_total, no_sync, capsys=capsys)
    assert not ok and "never called sync()" in out


def test_launch_and_total_accepts_min_and_an_extra_sync(capsys):
    def careful(work, sync, repeats=5):
        work()
        sync()
        launches, totals = [], []
        for _ in range(repeats):
            sync()                                  # harmless: nothing is pending
            start = time.perf_counter()
            work()
            launches.append(time.perf_counter() - start)
            sync()
            totals.append(time.perf_counter() - start)
        return min(launches), min(totals)
    assert check_launch_and_total(careful)


def test_launch_and_total_honours_repeats(capsys):
    def fixed_five(work, sync, repeats=5):
        return launch_and_total(work, sync, 5)
    ok, out = run(check_launch_and_total, fixed_five, capsys=capsys)
    assert not ok
    assert "test 2 (repeats=3)" in out and "expected 4" in out
