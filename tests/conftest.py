"""Shared fixtures: small configs composed from the dataclass defaults (the generic B2B preset)."""

from __future__ import annotations

import pytest

from churnsim.core.config import RunConfig


def small_config(**overrides) -> RunConfig:
    """A tiny market that runs in well under a second; keyword arguments override top-level fields."""
    cfg = RunConfig(n_accounts=600, months=12, burn_in_months=3)
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


@pytest.fixture
def small() -> RunConfig:
    return small_config()


def pytest_configure(config):
    # The workbench's tests in a real headless Chromium (tests/test_workbench_browser.py); CI runs them.
    config.addinivalue_line("markers", "browser: drives the workbench (churnsim-app) in a headless Chromium")
