"""Local development certificates: made once, reused, valid for localhost."""

from __future__ import annotations

import datetime as dt
import stat

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from recall_assistant.ops.devcerts import ensure_dev_certificates


def test_certificates_are_created_once_then_reused(tmp_path):
    first = ensure_dev_certificates(tmp_path)
    assert first.created
    before = first.cert.read_bytes()
    second = ensure_dev_certificates(tmp_path)
    assert not second.created
    assert second.cert.read_bytes() == before


def test_server_certificate_is_signed_by_the_ca_for_localhost(tmp_path):
    certs = ensure_dev_certificates(tmp_path)
    ca = x509.load_pem_x509_certificate(certs.ca_cert.read_bytes())
    leaf = x509.load_pem_x509_certificate(certs.cert.read_bytes())
    leaf.verify_directly_issued_by(ca)
    names = leaf.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    # Browsers refuse server certificates that live longer than 398 days.
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc <= dt.timedelta(days=398)


def test_private_keys_are_readable_by_the_owner_only(tmp_path):
    certs = ensure_dev_certificates(tmp_path)
    for key in (certs.key, tmp_path / "ca-key.pem"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_a_certificate_close_to_expiry_is_renewed(tmp_path):
    ensure_dev_certificates(tmp_path)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=395)
    renewed = ensure_dev_certificates(tmp_path, now=later)
    assert renewed.created
    leaf = x509.load_pem_x509_certificate(renewed.cert.read_bytes())
    assert leaf.not_valid_after_utc > later + dt.timedelta(days=300)


def test_trust_instructions_name_the_ca_file(tmp_path):
    certs = ensure_dev_certificates(tmp_path)
    assert str(certs.ca_cert) in certs.trust_instructions()
