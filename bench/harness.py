"""Shared timing harness: contenders run alternately in one process, after a warm-up; medians and ratios."""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

RESULTS = Path(__file__).resolve().parent / "results"


def time_alternately(contenders: dict[str, Callable[[], object]], repeats: int = 20, warmup: int = 3) -> dict:
    """Median seconds per call of each contender; each round calls every contender once, in turn."""
    for _ in range(warmup):
        for fn in contenders.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: {"median_s": statistics.median(s), "min_s": min(s), "repeats": repeats} for name, s in samples.items()}


def machine() -> dict:
    """Where the numbers came from."""
    info = {"python": sys.version.split()[0], "platform": platform.platform(), "processor": platform.machine(),
            "cpu_count": os.cpu_count()}
    try:
        import numpy as np
        info["numpy"] = np.__version__
        from threadpoolctl import threadpool_info  # optional
        info["blas"] = [{k: p.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
                        for p in threadpool_info()]
    except ImportError:
        pass
    try:
        info["cpu_model"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                                 if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                        cwd=Path(__file__).parent).stdout.strip()
    except OSError:
        pass
    return info


def write_results(name: str, command: str, results: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "command": command, "date": time.strftime("%Y-%m-%d"), "machine": machine(),
               "results": results}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).rjust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])
