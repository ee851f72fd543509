"""The conda environments and pyproject.toml name the same packages with the same minimum versions."""
import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"cupy-cuda12x": "cupy"}  # PyPI wheel name -> conda-forge name


def requirement(spec: str) -> tuple[str, str]:
    """'numpy>=2.1' -> ('numpy', '>=2.1')."""
    name, version = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", spec).groups()
    name = name.lower().replace("_", "-")
    return CONDA_NAMES.get(name, name), version.strip()


def pyproject_requirements(*extras: str) -> dict:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    return dict(requirement(s) for s in specs)


def conda_requirements(filename: str) -> dict:
    text = (ROOT / filename).read_text()
    lines = text[text.index("dependencies:"):].splitlines()
    specs = [line.strip()[2:] for line in lines if re.match(r"^  - [A-Za-z]", line)]
    return {name: version for name, version in map(requirement, specs) if name not in ("python", "pip")}


@pytest.mark.parametrize("filename, extras", [
    ("environment.yml", ("course", "test")),
    ("environment-gpu.yml", ("course", "test", "gpu")),
])
def test_conda_environment_matches_pyproject(filename, extras):
    assert conda_requirements(filename) == pyproject_requirements(*extras)


def test_conda_environments_install_the_project_itself():
    for filename in ("environment.yml", "environment-gpu.yml"):
        assert "- -e ." in (ROOT / filename).read_text()


def test_python_versions_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.10"
    assert "python>=3.10" in (ROOT / "environment.yml").read_text()


def test_digits_ship_inside_the_package():
    assert (ROOT / "minigrad" / "data" / "digits.npz").is_file()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "*.npz" in package_data["minigrad.data"]


def test_the_library_imports_no_course_dependency():
    """`minigrad` needs NumPy alone: the plotting, widget and progress libraries belong to the course kit."""
    import subprocess
    import sys

    code = ("import sys, minigrad, minigrad.nn, minigrad.optim, minigrad.data, minigrad.functional, minigrad.scalar\n"
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'tqdm', 'IPython', 'minigrad_course') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_library_never_imports_the_course_kit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "minigrad").rglob("*.py")
                 if "minigrad_course" in p.read_text()]
    assert not offenders, f"library modules that import the course kit: {offenders}"


def test_both_packages_are_in_the_distribution():
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {"minigrad", "minigrad_course"} <= set(found)
