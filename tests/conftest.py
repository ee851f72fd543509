import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import minigrad.backend as backend

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
