"""Helpers for tests of every tier (fixtures live in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recall_assistant.config import Settings, load_settings
from recall_assistant.devcerts import DevCertificates


def sandbox_settings(tmp_path: Path, port: int, certs: DevCertificates | None = None,
                     **env: str) -> Settings:
    """Sandbox-mode settings for a server on ``port``, as ``recall-assistant demo`` makes them."""
    values = {
        "RA_MODE": "sandbox",
        "RA_PUBLIC_URL": f"https://localhost:{port}",
        "RA_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
    }
    if certs is not None:
        values["RA_CA_BUNDLE"] = str(certs.ca_cert)
    values.update(env)
    return load_settings(values)


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing on a developer's machine; fail under `make test`."""
    if condition:
        return
    if os.environ.get("RA_TESTS_REQUIRE_ALL") == "1":
        pytest.fail(f"required for `make test`: {reason}")
    pytest.skip(reason)
