"""nbval settings for the course notebooks (used by `make test` and `make test-notebooks`)."""
import os

# Kernels inherit this: progress bars stay silent, so outputs hold no timings.
os.environ["MINIGRAD_PROGRESS"] = "0"
# A test run writes no figure into the repository (only `make execute` does).
os.environ.pop("MINIGRAD_FIGURES", None)
# One BLAS thread per kernel: the notebooks' matrices are small, and CI runs two kernels at once.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")


def pytest_collectstart(collector):
    if getattr(collector, "fspath", None) is not None and collector.fspath.ext == ".ipynb":
        # Widget views hold random model ids; their static text fallback is still compared.
        collector.skip_compare += ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")
