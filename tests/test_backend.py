"""Devices without a GPU: cuda_available() never raises, whatever is installed."""
import sys
import types

import pytest

import minigrad as mg
from minigrad import backend


def fake_cupy(failure):
    """A stand-in for CuPy installed on a machine whose CUDA runtime fails as given."""
    class CUDARuntimeError(RuntimeError):
        pass

    def get_device_count():
        if failure == "no driver":
            raise CUDARuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient")
        return 0

    module = types.ModuleType("cupy")
    module.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=get_device_count))
    return module


@pytest.mark.parametrize("failure, words", [("no driver", "CUDA cannot run (CUDARuntimeError"),
                                            ("no gpu", "no GPU was found")])
def test_cupy_installed_but_unusable(monkeypatch, failure, words):
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(failure))
    assert mg.cuda_available() is False
    ok, why = mg.cuda_status()
    assert not ok and words in why


def test_no_cupy_at_all(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy raises ImportError
    ok, why = mg.cuda_status()
    assert not ok and "CuPy is not installed" in why


def test_cuda_device_says_why_it_is_unusable(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy("no driver"))
    monkeypatch.setattr(backend, "_BACKENDS", {})
    with pytest.raises(RuntimeError, match="device 'cuda:0' is not usable: CuPy is installed but CUDA cannot run"):
        mg.zeros(3, device="cuda")


@pytest.mark.parametrize("name, expected", [("cpu", "cpu"), ("CUDA", "cuda:0"), ("cuda:1", "cuda:1")])
def test_device_names(name, expected):
    assert backend.parse_device(name) == expected


ENGINE_MODULES = ["tensor.py", "autograd.py", "creation.py", "dtypes.py", "functional.py", "value.py", "scalar.py",
                  "ops/*.py", "nn/*.py", "optim*.py", "optim/*.py"]


def engine_files():
    from pathlib import Path

    root = Path(mg.__file__).parent
    return root, sorted({p for pattern in ENGINE_MODULES for p in root.glob(pattern)})


def test_one_code_path_no_array_library_outside_the_backend():
    """The engine, functional, nn and optim never import NumPy or CuPy nor ask which backend runs them."""
    import re

    root, files = engine_files()
    assert len(files) > 10
    pattern = re.compile(r"""^\s*(import|from)\s+(numpy|cupy|cupyx|array_api_strict)\b|\.name\s*[!=]=\s*["']|"""
                         r"""(device|\.name)\s*[!=]=\s*["']cuda""")
    offenders = [f"{path.relative_to(root)}:{number}: {line.strip()}"
                 for path in files for number, line in enumerate(path.read_text().splitlines(), 1)
                 if pattern.search(line)]
    assert not offenders, "array-library code outside backend.py:\n" + "\n".join(offenders)


def test_one_converter_to_numpy():
    """Moving arrays to NumPy is the backend's job: no .get() or from_dlpack in the engine."""
    root, files = engine_files()
    offenders = [str(p.relative_to(root)) for p in files if ".get()" in p.read_text() or "from_dlpack" in p.read_text()]
    assert not offenders


def test_erf_is_within_two_units_of_the_last_place_everywhere(cpu_namespace):
    """The backend's vectorised erf against math.erf over its whole range, edges included."""
    import math

    import numpy as np

    xs = np.concatenate([np.linspace(-10, 10, 20001), np.logspace(-300, 1.5, 2000), -np.logspace(-300, 1.5, 2000),
                         [0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 8.0, -8.0, 30.0]])
    be = backend.get_backend("cpu")
    got = be.to_numpy(be.erf(be.asarray(xs)))
    ref = np.array([math.erf(v) for v in xs])
    np.testing.assert_allclose(got, ref, rtol=5e-16, atol=0)
    assert np.isnan(be.to_numpy(be.erf(be.asarray(np.array([np.nan]))))).all()
    single = be.to_numpy(be.erf(be.asarray(xs.astype(np.float32))))
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, [math.erf(v) for v in xs.astype(np.float32).astype(np.float64)],
                               rtol=2e-6, atol=1e-30)
