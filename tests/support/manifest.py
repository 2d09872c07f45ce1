"""Helpers for the manifest tests: the XML checker from addin-manifest/ and npx."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "3f6a9c2e-8b1d-4e7f-a2c5-6d9e0f1a2b3c"
VALIDATOR = ROOT / "node_modules" / ".bin" / "office-addin-manifest"


def xml_checker():
    """``addin-manifest/check_xml_manifest.py`` as a module (the folder is not a package)."""
    path = ROOT / "addin-manifest" / "check_xml_manifest.py"
    spec = importlib.util.spec_from_file_location("check_xml_manifest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def npx_available() -> bool:
    return shutil.which("npx") is not None and VALIDATOR.exists()


def validate_unified(manifest: Path) -> subprocess.CompletedProcess[str]:
    """``npx office-addin-manifest validate`` offline, from the pinned node_modules."""
    env = dict(os.environ, npm_config_offline="true", npm_config_update_notifier="false")
    return subprocess.run(
        ["npx", "--no-install", "office-addin-manifest", "validate", str(manifest)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
