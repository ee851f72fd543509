"""Checkers for notebook 13: training on a GPU.

    check_matmul_cost        exercise 1: matmul_cost(m, k, n, itemsize), the FLOPs, bytes and
                             arithmetic intensity of a matrix product (m, k) @ (k, n)
    check_host_to_device     exercise 2: host_to_device(X, y, epochs, gb_per_s), the bytes a
                             DataLoader copies to the GPU and the seconds that takes
    check_launch_and_total   exercise 3: launch_and_total(work, sync, repeats), timing an
                             asynchronous device: the time to launch, the time to finish

None of them needs a GPU. The third one runs the learner's timer on a *simulated*
asynchronous device: `work()` spends a few milliseconds "launching" and returns
while the simulated GPU is still busy; `sync()` waits until it is done, as
`cupy.cuda.Device().synchronize()` does. The reference answers are the numbers
the simulation was built with, and every checker replays the usual slips to
name the one the learner made.
"""
from __future__ import annotations

import time
from functools import partial
from typing import Callable

import numpy as np

from .verdict import Verdict, allclose, answer, attempt, compare, failed, hint, numbers, passed

__all__ = ["check_matmul_cost", "check_host_to_device", "check_launch_and_total"]


_near = partial(allclose, atol=0.0, rtol=1e-6)  # close enough to recognise a slip


# --- exercise 1: FLOPs, bytes and arithmetic intensity of a matrix product -----------------

# (m, k, n, itemsize): all sizes different, a square float32 one, a float64 one, a matrix-vector product.
_MATMUL_CASES = [(3, 5, 7, 4), (64, 64, 64, 4), (256, 784, 128, 8), (1000, 500, 1, 4)]


def check_matmul_cost(fn: Callable) -> Verdict:
    """Exercise 1: `fn(m, k, n, itemsize)` returns (flops, nbytes, intensity) for C = A @ B with
    A of shape (m, k) and B of shape (k, n): flops = 2 m k n (a multiply and an add per term),
    nbytes = itemsize * (m k + k n + m n) (read A and B once, write C once), intensity = flops / nbytes."""
    for t, (m, k, n, size) in enumerate(_MATMUL_CASES, start=1):
        where = f"test {t} (m={m}, k={k}, n={n}, itemsize={size})"
        mine = answer(partial(numbers, names=("flops", "nbytes", "intensity")), f"matmul_cost on {where}", fn,
                      m, k, n, size, name="matmul_cost")
        if mine is None:
            return Verdict(False)
        flops, nbytes, intensity = mine
        ref_flops = 2 * m * k * n
        ref_bytes = size * (m * k + k * n + m * n)
        if not compare(f"{where}: flops", flops, ref_flops, atol=0, rtol=1e-9):
            if _near(flops, m * k * n):
                hint("each of the m*n outputs is a sum of k products: k multiplies AND k adds, "
                     "so count 2 m k n floating-point operations.")
            elif _near(flops, m * n * (2 * k - 1)):
                hint("you counted exactly k - 1 additions per output; the usual convention (and the one "
                     "GPU spec sheets use) counts one multiply-add as 2 operations: 2 m k n.")
            elif _near(flops, 2 * m * k * n * size):
                hint("the FLOP count does not depend on the itemsize: leave it out of flops.")
            else:
                hint("C[i, j] = sum over p of A[i, p] * B[p, j]: m*n outputs, each k multiplies and k adds.")
            return Verdict(False)
        if not compare(f"{where}: nbytes", nbytes, ref_bytes, atol=0, rtol=1e-9):
            if _near(nbytes, size * (m * k + k * n)):
                hint("the result C (m x n) has to be written to memory too: add m*n elements.")
            elif _near(nbytes, m * k + k * n + m * n):
                hint(f"you counted elements, not bytes: multiply by the itemsize ({size} bytes each).")
            elif _near(nbytes, 8 * ref_bytes):
                hint("you counted bits; a byte is 8 bits, and the itemsize is already in bytes.")
            elif _near(nbytes, size * m * k * n):
                hint("count each matrix once (the ideal of a good kernel, which keeps tiles in fast on-chip "
                     "memory): m*k + k*n elements read, m*n written.")
            else:
                hint("bytes = itemsize * (elements of A + elements of B + elements of C).")
            return Verdict(False)
        if not compare(f"{where}: intensity", intensity, ref_flops / ref_bytes, atol=0, rtol=1e-6):
            if _near(intensity, ref_bytes / ref_flops):
                hint("arithmetic intensity is FLOPs per byte: flops / nbytes, not the other way round.")
            else:
                hint("intensity = flops / nbytes, the two numbers you just computed.")
            return Verdict(False)
    return passed("matmul_cost is right on 4 products: 2mkn FLOPs, itemsize*(mk + kn + mn) bytes, and "
                  "their ratio. A square float32 product of size n has intensity n/6: it grows with n.")


# --- exercise 2: bytes copied to the GPU by a DataLoader, and the time at a given bandwidth -----

def _host_cases() -> list[tuple[np.ndarray, np.ndarray, int, float, str]]:
    rng = np.random.default_rng(13)
    return [
        (rng.random((100, 64)).astype(np.float32), rng.integers(0, 10, 100), 1, 16.0,
         "100 float32 rows of 64, int64 labels, 1 epoch, 16 GB/s"),
        (rng.random((37, 5)), rng.integers(0, 3, 37).astype(np.int32), 3, 25.0,
         "37 float64 rows of 5, int32 labels, 3 epochs, 25 GB/s"),
        (rng.integers(0, 256, (20, 3, 8, 8)).astype(np.uint8), rng.integers(0, 10, 20), 10, 12.5,
         "20 uint8 images of 3x8x8, int64 labels, 10 epochs, 12.5 GB/s"),
    ]


def check_host_to_device(fn: Callable) -> Verdict:
    """Exercise 2: `fn(X, y, epochs, gb_per_s)` returns (nbytes, seconds): the bytes a
    DataLoader(X, y, ..., device="cuda") copies from host to GPU in `epochs` epochs (every batch
    of X and of y, each epoch), and the time that takes at `gb_per_s` GB/s (1 GB = 10^9 bytes)."""
    for t, (X, y, epochs, bandwidth, label) in enumerate(_host_cases(), start=1):
        where = f"test {t} ({label})"
        mine = answer(partial(numbers, names=("nbytes", "seconds")), f"host_to_device on {where}", fn,
                      X.copy(), y.copy(), epochs, bandwidth, name="host_to_device")
        if mine is None:
            return Verdict(False)
        nbytes, seconds = mine
        ref_bytes = epochs * (X.nbytes + y.nbytes)
        if not compare(f"{where}: nbytes", nbytes, ref_bytes, atol=0, rtol=1e-9):
            if _near(nbytes, epochs * X.nbytes):
                hint("the labels travel too: every batch copies its slice of y as well as of X.")
            elif _near(nbytes, X.nbytes + y.nbytes) and epochs > 1:
                hint(f"that is one epoch; the DataLoader copies every batch again each epoch ({epochs} here).")
            elif _near(nbytes, epochs * 4 * (X.size + y.size)):
                hint(f"not every number takes 4 bytes: here X is {X.dtype} ({X.itemsize} bytes each) and "
                     f"y is {y.dtype} ({y.itemsize} bytes each). Use X.size * X.itemsize, or X.nbytes.")
            elif _near(nbytes, epochs * (X.size + y.size)):
                hint("you counted numbers, not bytes: multiply each array's size by its itemsize.")
            elif _near(nbytes, 8 * ref_bytes):
                hint("you counted bits; count bytes (X.nbytes, or X.size * X.itemsize).")
            else:
                hint("nbytes = epochs * (X.nbytes + y.nbytes): each epoch sends every row of X and y once.")
            return Verdict(False)
        ref_seconds = ref_bytes / (bandwidth * 1e9)
        if not compare(f"{where}: seconds", seconds, ref_seconds, atol=0, rtol=1e-6):
            if _near(seconds, ref_bytes / (bandwidth * 2**30)):
                hint("1 GB is 10^9 bytes here, as on bandwidth spec sheets (2^30 bytes is a GiB).")
            elif _near(seconds, 1e3 * ref_seconds):
                hint("return seconds, not milliseconds.")
            elif _near(seconds, ref_bytes / bandwidth):
                hint(f"the bandwidth is in GB/s: {bandwidth} GB/s = {bandwidth} * 10^9 bytes per second.")
            elif _near(seconds, ref_bytes * bandwidth * 1e9):
                hint("time = bytes / (bytes per second): divide by the bandwidth, do not multiply.")
            else:
                hint("seconds = nbytes / (gb_per_s * 1e9).")
            return Verdict(False)
    return passed("host_to_device is right on 3 data sets: every epoch copies X and y, each number "
                  "taking its dtype's itemsize, and the time is bytes / (GB/s * 10^9).")


# --- exercise 3: timing an asynchronous device --------------------------------------------------

_ISSUE_S = 0.010        # the CPU's time to launch the work (work() returns after this)
_KERNEL_S = 0.030       # the simulated GPU's time to run it, starting when work() returns
_FIRST_EXTRA_S = 0.100  # the first call also compiles its kernels: a warm-up is needed
_SLACK_S = 0.040        # a loaded machine may wake up late from sleep


def _sleep_until(deadline: float) -> None:
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            return
        time.sleep(left)


class _SimulatedGPU:
    """An asynchronous device in miniature: work() launches and returns early, sync() waits.

    Records the order of the calls, so a checker can see where the learner synchronised.
    `slow_call` makes one timed call's kernel take much longer, as when another program
    briefly takes the GPU: the median of the timings should not notice it.
    """

    def __init__(self, slow_call: int | None = None, slow_extra: float = 0.0):
        self.events: list[str] = []
        self.busy_until = time.perf_counter()
        self.calls = 0
        self.slow_call, self.slow_extra = slow_call, slow_extra

    def work(self) -> None:
        self.events.append("work")
        _sleep_until(time.perf_counter() + _ISSUE_S)
        now = time.perf_counter()
        duration = _KERNEL_S
        if self.calls == 0:
            duration += _FIRST_EXTRA_S
        if self.calls == self.slow_call:
            duration += self.slow_extra
        self.calls += 1
        self.busy_until = max(self.busy_until, now) + duration

    def sync(self) -> None:
        self.events.append("sync")
        _sleep_until(self.busy_until)


def _each_work_synced(events: list[str]) -> bool:
    """Every work() call is followed at once by a sync() (extra syncs anywhere are harmless)."""
    return all(i + 1 < len(events) and events[i + 1] == "sync" for i, e in enumerate(events) if e == "work")


def check_launch_and_total(fn: Callable) -> Verdict:
    """Exercise 3: `fn(work, sync, repeats=5)` times an asynchronous call. After one untimed warm-up
    call (work(), then sync()), it times `repeats` calls, each as: start the clock, work(), read the
    clock (the launch time), sync(), read the clock (the total time). Returns the medians
    (launch_seconds, total_seconds).

    Tested on a simulated GPU whose work() takes 10 ms to launch and then keeps the device busy for
    30 ms more, so launch ~ 10 ms and total ~ 40 ms; its very first call takes 100 ms longer.
    """
    expected_launch, expected_total = _ISSUE_S, _ISSUE_S + _KERNEL_S
    for t, repeats in enumerate((5, 3), start=1):
        gpu = _SimulatedGPU(slow_call=2, slow_extra=0.300)  # the 2nd timed call (after the warm-up)
        where = f"test {t} (repeats={repeats})"
        args = (gpu.work, gpu.sync) if repeats == 5 else (gpu.work, gpu.sync, repeats)
        ok, got = attempt(fn, *args, name="launch_and_total")
        if not ok:
            return Verdict(False)
        works = gpu.events.count("work")
        if works == 0:
            return failed(f"{where}: your function never called work()")
        if "sync" not in gpu.events:
            failed(f"{where}: your function never called sync(), so the clock stopped while the GPU "
                   "was still busy")
            hint("on a GPU, work() only queues the computation and returns; sync() waits until it has "
                 "finished. Call sync() after work(), before you read the clock for the total.")
            return Verdict(False)
        if not _each_work_synced(gpu.events):
            failed(f"{where}: some work() calls were not followed by sync(): the next call (or the clock) "
                   "started while the GPU was still busy with the previous one")
            hint("each timed call is: start = clock; work(); launched = clock; sync(); done = clock.")
            return Verdict(False)
        if works == repeats:
            failed(f"{where}: work() was called {works} times, all of them timed: there was no warm-up")
            hint("a first call is often much slower (kernels are compiled, memory is allocated): call "
                 "work() and sync() once before the timed calls, and do not time that one.")
            return Verdict(False)
        if works != repeats + 1:
            return failed(f"{where}: work() was called {works} times; expected {repeats + 1} "
                          f"(one warm-up and {repeats} timed calls)")
        mine = numbers(f"launch_and_total on {where}", got, ("launch_seconds", "total_seconds"))
        if mine is None:
            return Verdict(False)
        launch, total = mine
        if launch > total:
            failed(f"{where}: your launch time is longer than your total time")
            hint("return (launch_seconds, total_seconds), in that order.")
            return Verdict(False)
        if total < expected_total - 0.002:
            if total >= _KERNEL_S - 0.002:
                failed(f"{where}: your total time is too short: it seems to start after the launch")
                hint("measure the total from the same start as the launch: start = clock before work(), "
                     "total = clock after sync() - start.")
            else:
                failed(f"{where}: your total time is far too short for a call whose work takes "
                       f"{1e3 * expected_total:.0f} ms")
                hint("read the clock for the total only after sync() has returned.")
            return Verdict(False)
        if launch < expected_launch - 0.002:
            failed(f"{where}: your launch time is shorter than work() itself takes to return")
            hint("start the clock just before work() and read it just after work() returns.")
            return Verdict(False)
        if total > expected_total + 0.100:
            failed(f"{where}: your total time is much longer than a typical call takes")
            if repeats > 1:
                hint("one of the timed calls was slowed down on purpose (as when another program uses the "
                     "GPU for a moment); the median ignores such an outlier, the mean and the maximum do not. "
                      "Was the warm-up timed?")
            return Verdict(False)
        if launch > expected_launch + _SLACK_S:
            failed(f"{where}: your launch time is much longer than work() takes to return")
            hint("read the clock for the launch right after work() returns, before sync().")
            return Verdict(False)
        if total > expected_total + _SLACK_S:
            failed(f"{where}: your total time is longer than a typical call takes")
            hint("return the median of the timed calls: one of them was slowed down on purpose, and the "
                 "median, unlike the mean, does not notice it.")
            return Verdict(False)
    return passed("launch_and_total warms up, synchronises after every call and measures both ends of the "
                  "timeline: on the simulated GPU the launch took about 10 ms, the whole call about 40 ms. "
                  "A timer without sync() would have reported only the 10 ms.")
