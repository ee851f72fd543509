"""The environment check: facts as a dict, a friendly checklist, never a traceback."""
import subprocess
import sys

import pytest

import minigrad
import minigrad_course.envcheck as envcheck
from minigrad_course.envcheck import at_least, environment_report, missing_required, print_environment_report, version_tuple

KEYS = {"python", "numpy", "minigrad", "matplotlib", "ipywidgets", "tqdm", "torch", "jupyterlab", "gpu"}
FIELDS = {"name", "required", "ok", "version", "minimum", "detail", "fix", "affects"}


def pretend_missing(monkeypatch, *names, error=ImportError):
    """Make envcheck see `names` as not installed (or broken, with another error)."""
    real = envcheck._import

    def fake(module_name):
        if module_name in names:
            raise error(f"No module named {module_name!r}")
        return real(module_name)

    monkeypatch.setattr(envcheck, "_import", fake)


def test_report_has_every_component_with_every_field():
    report = environment_report()
    assert set(report) == KEYS
    for key, entry in report.items():
        assert set(entry) == FIELDS, key
        assert isinstance(entry["ok"], bool) and isinstance(entry["detail"], str) and entry["detail"]
    assert {k for k, e in report.items() if not e["required"]} == {"torch", "jupyterlab", "gpu"}


def test_this_environment_is_ready():
    report = environment_report()
    assert missing_required(report) == []
    assert report["minigrad"]["version"] == minigrad.__version__
    assert report["python"]["version"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")


def test_gpu_entry_agrees_with_cuda_status():
    usable, what = minigrad.cuda_status()
    gpu = environment_report()["gpu"]
    assert gpu["ok"] is usable
    assert what in gpu["detail"]
    assert "13" in gpu["affects"]


def test_gpu_check_never_raises(monkeypatch):
    def broken():
        raise RuntimeError("driver exploded")

    monkeypatch.setattr(minigrad.backend, "cuda_status", broken)
    gpu = environment_report()["gpu"]
    assert gpu["ok"] is False and "driver exploded" in gpu["detail"]


@pytest.mark.parametrize("version, minimum, expected", [
    ("2.13.0+cpu", "2.0", True), ("2.0.9", "2.1", False), ("8.1.9", "8", True), ("7.9", "8", False),
    ("4.66.0", "4.66", True), ("4.100.1", "4.66", True), ("3.10.0rc1", "3.10", True), (None, "1.0", True),
    ("1.0", None, True),
])
def test_versions_compare_by_numbers_not_text(version, minimum, expected):
    assert at_least(version, minimum) is expected


def test_version_tuple_reads_leading_numbers():
    assert version_tuple("2.13.0+cpu") == (2, 13, 0)
    assert version_tuple("v1.2") == (1, 2)
    assert version_tuple("unknown") == ()


def test_missing_required_package_is_reported_with_a_fix(monkeypatch, capsys):
    pretend_missing(monkeypatch, "ipywidgets")
    report = environment_report()
    assert report["ipywidgets"]["ok"] is False
    assert missing_required(report) == ["ipywidgets"]
    assert print_environment_report(report) is False
    out = capsys.readouterr().out
    assert "❌ ipywidgets" in out
    assert 'pip install "ipywidgets>=8"' in out
    assert "Not ready" in out and "ipywidgets" in out.split("Not ready")[1]


def test_broken_package_is_reported_not_raised(monkeypatch):
    pretend_missing(monkeypatch, "matplotlib", error=OSError)
    entry = environment_report()["matplotlib"]
    assert entry["ok"] is False and "cannot be imported" in entry["detail"]


def test_too_old_package_is_not_ok(monkeypatch):
    monkeypatch.setattr(envcheck, "REQUIRED", [("numpy", "numpy", "NumPy", "numpy", "999", "every notebook")])
    report = environment_report()
    assert report["numpy"]["ok"] is False and "older than the 999" in report["numpy"]["detail"]
    assert "NumPy" in missing_required(report)


def test_optional_missing_is_a_warning_and_still_ready(monkeypatch, capsys):
    pretend_missing(monkeypatch, "torch")
    report = environment_report()
    assert report["torch"]["ok"] is False
    assert missing_required(report) == []
    assert print_environment_report(report) is True
    out = capsys.readouterr().out
    assert "⚠️ PyTorch" in out and "14" in out
    assert "Ready" in out and "❌" not in out


def test_ready_checklist_marks_everything(capsys):
    assert print_environment_report() is True
    out = capsys.readouterr().out
    assert out.startswith("Required\n") and "Optional" in out
    assert out.count("✅") >= 6
    assert "Ready" in out


def test_command_line_exit_status_says_ready():
    done = subprocess.run([sys.executable, "-m", "minigrad_course.envcheck"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Ready" in done.stdout
