"""The reliability tier: each test runs one drill small (``make bench`` runs them full size)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path
