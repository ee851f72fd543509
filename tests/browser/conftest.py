"""The real-browser tests run only when asked for: `make test-browser` (pytest -m browser tests/browser).

They start JupyterLab and a headless Chromium, which takes a minute and needs the browser
installed; a plain `pytest tests` skips them and says how to run them.
"""
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium (make test-browser)")


def pytest_collection_modifyitems(config, items):
    if "browser" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="a real-browser test: run it with make test-browser")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
