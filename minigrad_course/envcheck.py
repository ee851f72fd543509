"""Is this machine ready for the course? A checklist for learners and workshop teachers.

    from minigrad_course.envcheck import print_environment_report
    print_environment_report()          # a friendly checklist with what to do

    python -m minigrad_course.envcheck         # the same in a terminal; exit status 0 when ready

`environment_report()` returns the facts as a dict, one entry per component
(Python, NumPy, minigrad, matplotlib, ipywidgets, tqdm; optional: PyTorch,
JupyterLab, a GPU with CuPy); each
entry is itself a dict:

    name       what it is, in words ("NumPy")
    required   True for what the course needs; False for PyTorch, JupyterLab and the GPU
    ok         installed (and recent enough) or usable
    version    the version found, or None
    minimum    the oldest version the course supports, or None
    detail     a sentence: what was found, or why it is not usable
    fix        what to do when it is not ok (the command to run)
    affects    which notebooks need it

Nothing here raises: a missing or broken package is reported, never a traceback,
so a teacher can run it on every machine of a room before a workshop.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import platform
import re
import sys
from typing import Any

__all__ = ["REQUIRED", "OPTIONAL", "environment_report", "missing_required", "print_environment_report"]

MIN_PYTHON = "3.10"

# key, import name (None: look at the installed version only, without importing),
# display name, distribution name (for pip), minimum version, what needs it
REQUIRED = [
    ("numpy", "numpy", "NumPy", "numpy", "2.1", "every notebook (minigrad's arrays)"),
    ("minigrad", "minigrad", "minigrad", None, None, "every notebook (the course's own library)"),
    ("matplotlib", "matplotlib", "matplotlib", "matplotlib", "3.8", "every notebook (the figures)"),
    ("ipywidgets", "ipywidgets", "ipywidgets", "ipywidgets", "8", "the interactive explorers (05, 06, 09)"),
    ("tqdm", "tqdm", "tqdm", "tqdm", "4.66", "the progress bars while training (08 onwards)"),
]
OPTIONAL = [
    ("torch", "torch", "PyTorch", "torch", "2.0", "notebook 14 (from minigrad to PyTorch) skips its PyTorch parts without it"),
    ("jupyterlab", None, "JupyterLab", "jupyterlab", "4", "only how you open the course (`make lab`); VS Code or Jupyter Notebook work too"),
]
GPU_AFFECTS = "notebook 13 (training on a GPU) runs on the CPU instead, and says so"
GPU_FIX = ('optional: on a machine with an NVIDIA GPU and CUDA 12, python -m pip install "cupy-cuda12x>=14"; '
           "without one, nothing to do")
SETUP_FIX = 'in the course folder run `make setup`, or: python -m pip install -e ".[course]"'


def _import(module_name: str):
    """Import a module by name (a seam: the tests replace it to pretend a package is missing)."""
    return importlib.import_module(module_name)


def _cuda_status() -> tuple[bool, str]:
    """minigrad.cuda_status(), or a reason if even that cannot be asked."""
    try:
        from minigrad.backend import cuda_status
        return cuda_status()
    except Exception as exc:  # minigrad itself is broken: say so, do not raise
        return False, f"could not ask minigrad about CUDA ({type(exc).__name__}: {exc})"


def version_tuple(version: str | None) -> tuple[int, ...]:
    """'2.13.0+cpu' -> (2, 13, 0); '8.1.9' -> (8, 1, 9); the leading numbers only."""
    if not version:
        return ()
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(version))
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()


def at_least(version: str | None, minimum: str | None) -> bool:
    """Whether `version` is `minimum` or newer (an unreadable version counts as new enough)."""
    if minimum is None:
        return True
    found = version_tuple(version)
    if not found:
        return True
    wanted = version_tuple(minimum)
    width = max(len(found), len(wanted))
    return found + (0,) * (width - len(found)) >= wanted + (0,) * (width - len(wanted))


def _pip_fix(dist: str | None, minimum: str | None, required: bool = True) -> str:
    if dist is None:
        return SETUP_FIX
    spec = f"{dist}>={minimum}" if minimum else dist
    fix = (f'python -m pip install "{spec}" in a terminal (or %pip install "{spec}" in a notebook cell), '
           "then restart the kernel")
    if dist == "torch":
        fix += "; the CPU build is enough and smaller: add --index-url https://download.pytorch.org/whl/cpu"
    if required:
        fix += "; or, for everything at once: " + SETUP_FIX
    return fix if required else "optional: " + fix


def _python_entry() -> dict[str, Any]:
    version = platform.python_version()
    ok = sys.version_info[:2] >= tuple(int(p) for p in MIN_PYTHON.split("."))
    return {
        "name": "Python", "required": True, "ok": ok, "version": version, "minimum": MIN_PYTHON,
        "detail": f"Python {version} ({platform.system() or 'unknown system'}, {platform.machine() or 'unknown CPU'})"
                  + ("" if ok else f", older than the {MIN_PYTHON} the course needs"),
        "fix": f"install Python {MIN_PYTHON} or newer (python.org, or conda), then set the course up again: {SETUP_FIX}",
        "affects": "every notebook",
    }


def _package_entry(module_name: str | None, display: str, dist: str | None, minimum: str | None,
                   affects: str, required: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": display, "required": required, "ok": False, "version": None,
                             "minimum": minimum, "affects": affects, "fix": _pip_fix(dist, minimum, required)}
    if module_name is None:
        return _installed_entry(entry, dist)
    try:
        module = _import(module_name)
    except ImportError as exc:
        entry["detail"] = f"{display} is not installed ({exc})"
        return entry
    except Exception as exc:  # installed but broken (a failed build, a missing shared library)
        entry["detail"] = f"{display} is installed but cannot be imported ({type(exc).__name__}: {exc})"
        return entry
    version = getattr(module, "__version__", None)
    if version is None and dist is not None:
        try:
            version = importlib.metadata.version(dist)
        except Exception:
            version = None
    entry["version"] = None if version is None else str(version)
    if not at_least(entry["version"], minimum):
        entry["detail"] = f"{display} {version} is older than the {minimum} the course needs"
        return entry
    entry["ok"] = True
    entry["detail"] = f"{display} {version}" if version else f"{display} (version unknown)"
    return entry


def _installed_entry(entry: dict[str, Any], dist: str) -> dict[str, Any]:
    """Judge a package by its installed version alone (for those slow to import, such as JupyterLab)."""
    display, minimum = entry["name"], entry["minimum"]
    try:
        version = importlib.metadata.version(dist)
    except Exception:
        entry["detail"] = f"{display} is not installed in this environment"
        return entry
    entry["version"] = version
    if not at_least(version, minimum):
        entry["detail"] = f"{display} {version} is older than the {minimum} the course needs"
        return entry
    entry["ok"] = True
    entry["detail"] = f"{display} {version}"
    return entry


def _minigrad_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """minigrad must also ship its data (the digits), or notebooks 08 onwards fail."""
    if not entry["ok"]:
        return entry
    try:
        from importlib.resources import files
        shipped = (files("minigrad.data") / "digits.npz").is_file()
    except Exception:
        shipped = False
    if not shipped:
        entry["ok"] = False
        entry["detail"] += ", but its data file minigrad/data/digits.npz is missing"
        entry["fix"] = "install the course again from its folder so the data comes with it: " + SETUP_FIX
    return entry


def _gpu_entry() -> dict[str, Any]:
    usable, what = _cuda_status()
    return {
        "name": "GPU (CuPy)", "required": False, "ok": bool(usable), "version": None, "minimum": None,
        "detail": f"CUDA GPU: {what}" if usable else str(what),
        "fix": GPU_FIX, "affects": GPU_AFFECTS,
    }


def environment_report() -> dict[str, dict[str, Any]]:
    """What this Python environment has, one entry per component (see the module docstring)."""
    report: dict[str, dict[str, Any]] = {"python": _python_entry()}
    for key, module_name, display, dist, minimum, affects in REQUIRED:
        entry = _package_entry(module_name, display, dist, minimum, affects, required=True)
        report[key] = _minigrad_entry(entry) if key == "minigrad" else entry
    for key, module_name, display, dist, minimum, affects in OPTIONAL:
        report[key] = _package_entry(module_name, display, dist, minimum, affects, required=False)
    report["gpu"] = _gpu_entry()
    return report


def missing_required(report: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Names of the required components that are missing or too old (empty when ready)."""
    report = environment_report() if report is None else report
    return [entry["name"] for entry in report.values() if entry["required"] and not entry["ok"]]


def print_environment_report(report: dict[str, dict[str, Any]] | None = None) -> bool:
    """Print a checklist (✅ ready, ❌ required and missing, ⚠️ optional and missing) with what to do.

    Returns True when everything required is there.
    """
    report = environment_report() if report is None else report
    print("Required")
    for entry in report.values():
        if entry["required"]:
            _print_line(entry, mark_missing="❌")
    print("Optional")
    for entry in report.values():
        if not entry["required"]:
            _print_line(entry, mark_missing="⚠️")
    missing = missing_required(report)
    if missing:
        print(f"\nNot ready: {', '.join(missing)} must be fixed first (see the 'do' lines above), "
              "then restart the kernel and run this check again.")
        return False
    optional_missing = [e["name"] for e in report.values() if not e["required"] and not e["ok"]]
    if optional_missing:
        print(f"\nReady. Every required package is installed; without {' and '.join(optional_missing)} "
              "the course still runs (see 'affects' above).")
    else:
        print("\nReady. Everything is installed, the optional parts too.")
    return True


def _print_line(entry: dict[str, Any], mark_missing: str) -> None:
    if entry["ok"]:
        print(f"  ✅ {entry['detail']}")
        return
    print(f"  {mark_missing} {entry['name']}: {entry['detail']}")
    print(f"       affects: {entry['affects']}")
    print(f"       do: {entry['fix']}")


if __name__ == "__main__":
    sys.exit(0 if print_environment_report() else 1)
