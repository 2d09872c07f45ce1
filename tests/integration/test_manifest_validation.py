"""The unified (JSON) manifest passes Microsoft's own validator, offline: npm
``office-addin-manifest validate`` checks it against the schema bundled in
``@microsoft/app-manifest`` (pinned in package.json; ``make test`` runs ``npm ci``)."""

from __future__ import annotations

import json

import pytest

from recall_assistant.cli import main
from tests.support import require
from tests.support.manifest import CLIENT_ID, npx_available, validate_unified


@pytest.fixture
def rendered(tmp_path, monkeypatch):
    require(npx_available(), "npx and node_modules/office-addin-manifest (run `npm ci`)")
    monkeypatch.setenv("RA_DATA_DIR", str(tmp_path))
    out = tmp_path / "manifest"
    assert main(["manifest", "--base-url", "https://addin.contoso.com",
                 "--client-id", CLIENT_ID, "--out", str(out)]) == 0
    return out


def test_the_unified_manifest_is_valid(rendered):
    result = validate_unified(rendered / "manifest.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not valid" not in result.stdout


def test_the_validator_really_looks(rendered):
    # The same manifest with two schema violations must fail: proof the check above checks.
    manifest = json.loads((rendered / "manifest.json").read_text())
    manifest["name"]["short"] = "Recall Assistant, a name far too long for the schema"
    manifest["accentColor"] = "blue"
    broken = rendered / "broken.json"
    broken.write_text(json.dumps(manifest))
    result = validate_unified(broken)
    assert result.returncode != 0
    assert "/name/short" in result.stdout and "/accentColor" in result.stdout
