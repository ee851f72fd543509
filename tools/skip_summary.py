"""A pytest plugin that ends the run with one line: how many tests were skipped, and why.

    python -m pytest -p skip_summary ...      (with tools/ on PYTHONPATH, as `make test` runs it)

pytest's own `-rs` lists every skipped test with its reason, which is long when a
whole file skips (no PyTorch, no GPU). This line groups the skips by reason,
most frequent first, e.g.

    skipped 62: 61 "CuPy is not installed" · 1 "could not import 'sklearn'"
"""
from __future__ import annotations

from collections import Counter

MOST_REASONS = 4


def skip_reason(report) -> str:
    """The reason a skipped test report gives, without pytest's 'Skipped: ' prefix."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ").strip()


def summary_line(reasons: list[str]) -> str:
    """'skipped N: count "reason" · ...' (the most frequent reasons first), or 'skipped nothing'."""
    if not reasons:
        return "skipped nothing"
    counts = Counter(reasons).most_common()
    parts = [f'{n} "{reason}"' for reason, n in counts[:MOST_REASONS]]
    rest = sum(n for _, n in counts[MOST_REASONS:])
    if rest:
        parts.append(f"{rest} for {len(counts) - MOST_REASONS} other reasons (pytest -rs lists them)")
    return f"skipped {len(reasons)}: " + " · ".join(parts)


def pytest_unconfigure(config) -> None:
    """After pytest's own last line, so that this is the run's last line."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or hasattr(config, "workerinput"):  # an xdist worker: its controller reports
        return
    skipped = [r for r in reporter.stats.get("skipped", []) if r.when in ("setup", "call", "collect")]
    reporter.write_line(summary_line([skip_reason(r) for r in skipped]))
