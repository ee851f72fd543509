import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import minigrad.backend as backend


class StrictBackend(backend.Backend):
    """The CPU served by `array_api_strict`, a namespace with nothing beyond the array API standard.

    Running the engine on it proves that every array call goes through the backend. The
    few calls the standard restricts (indexing with integer arrays, assignment through
    them) go through NumPy here; everything else runs on the strict namespace itself.
    """

    name = "array_api_strict"

    def __init__(self):
        import array_api_strict

        super().__init__(array_api_strict, "cpu")

    def errstate(self):  # the strict namespace computes with NumPy, which warns
        return np.errstate(all="ignore")

    def getitem(self, array, index):
        return self.asarray(np.from_dlpack(array)[_to_numpy_index(index)])

    def setitem(self, array, index, values):
        if index is Ellipsis or (isinstance(index, tuple) and len(index) == 1 and index[0] is Ellipsis):
            array[...] = values if not isinstance(values, np.ndarray) else self.asarray(values)
            return
        host = np.from_dlpack(array).copy()
        host[_to_numpy_index(index)] = np.from_dlpack(values) if hasattr(values, "__dlpack__") else values
        array[...] = self.asarray(host)


def _to_numpy_index(index):
    if isinstance(index, tuple):
        return tuple(_to_numpy_index(i) for i in index)
    if hasattr(index, "__dlpack__") and not isinstance(index, np.ndarray):
        return np.from_dlpack(index)
    return index


try:
    import array_api_strict  # noqa: F401

    backend.register_cpu_backend("array_api_strict", StrictBackend)
except ImportError:  # the tests that need it skip themselves
    pass

settings.register_profile(
    "course",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile("course")


@pytest.fixture(params=["numpy", "array_api_strict"])
def cpu_namespace(request):
    """Run a test once on NumPy and once on the strict array API namespace (proves the backend seam)."""
    if request.param == "array_api_strict":
        pytest.importorskip("array_api_strict")
    backend.use_cpu_namespace(request.param)
    yield request.param
    backend.use_cpu_namespace("numpy")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
