"""Outgoing HTTPS trusts exactly RA_CA_BUNDLE, loaded once (no file check per request)."""

from __future__ import annotations

import os

import pytest
import requests
import requests.adapters

from recall_assistant.errors import ConfigError
from recall_assistant.httpclient import new_session


def test_the_bundle_is_trusted_without_touching_the_disk_per_request(live_server, monkeypatch):
    session = new_session(live_server.settings)  # RA_CA_BUNDLE: the demo's own CA

    def no_disk(path):  # requests checks a verify path with these on every request
        raise AssertionError(f"the CA bundle was looked up again: {path}")

    monkeypatch.setattr(requests.adapters.os.path, "exists", no_disk)
    monkeypatch.setattr(requests.adapters.os.path, "isdir", no_disk)
    for _ in range(2):  # a new connection, then a kept one
        assert session.get(f"{live_server.url}/healthz", timeout=10).status_code == 200


def test_only_the_bundle_is_trusted(live_server, tmp_path):
    import certifi

    other = live_server.settings.replace(ca_bundle=certifi.where())  # public CAs, not ours
    with pytest.raises(requests.exceptions.SSLError):
        new_session(other).get(f"{live_server.url}/healthz", timeout=10)


def test_the_certificate_and_its_hostname_are_checked(live_server):
    import ssl

    from recall_assistant.httpclient import trust_only

    context = trust_only(live_server.settings.ca_bundle)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    session = new_session(live_server.settings)
    adapter = session.get_adapter(live_server.url)
    assert adapter.poolmanager.connection_pool_kw["ssl_context"] is adapter._context


def test_public_cas_are_not_added_to_the_bundle(live_server):
    session = new_session(live_server.settings)
    session.get(f"{live_server.url}/healthz", timeout=10).raise_for_status()
    context = session.get_adapter(live_server.url)._context
    # Only the demo's CA: requests did not slip certifi's hundred-odd authorities in.
    assert len(context.get_ca_certs()) == 1


def test_a_bundle_without_certificates_is_a_clear_start_up_error(live_server, tmp_path):
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match="RA_CA_BUNDLE"):
        new_session(live_server.settings.replace(ca_bundle=os.fspath(empty)))
