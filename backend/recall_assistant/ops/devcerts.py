"""A local certificate authority and a ``localhost`` certificate for development.

Outlook only loads add-in pages over HTTPS, and MSAL only talks to an https authority, so the
demo serves HTTPS from the start. The files are made once, in the per-user data folder, and
reused; the CA's key never leaves that folder.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "Recall Assistant local development CA"


@dataclass(frozen=True)
class DevCertificates:
    ca_cert: Path
    cert: Path
    key: Path
    created: bool

    def trust_instructions(self) -> str:
        return (
            f"Local CA certificate: {self.ca_cert}\n"
            f"Server certificate:   {self.cert} (key {self.key})\n"
            "To make browsers and Outlook trust it:\n"
            f"  Debian/Ubuntu: sudo cp {self.ca_cert} /usr/local/share/ca-certificates/"
            "recall-assistant-ca.crt && sudo update-ca-certificates\n"
            f"  macOS:   sudo security add-trusted-cert -d -r trustRoot "
            f"-k /Library/Keychains/System.keychain {self.ca_cert}\n"
            f"  Windows: certutil -user -addstore Root {self.ca_cert}\n"
            "  Chrome/Edge on Linux also read ~/.pki/nssdb: "
            f"certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n recall-assistant -i {self.ca_cert}"
        )


def ensure_dev_certificates(folder: Path, *, now: dt.datetime | None = None) -> DevCertificates:
    """Return the CA and server certificate in ``folder``, creating them if missing or expiring."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = folder / "ca.pem", folder / "ca-key.pem"
    cert, key = folder / "localhost.pem", folder / "localhost-key.pem"
    now = now or dt.datetime.now(dt.UTC)
    created = False
    if not (_valid(ca_cert, now) and ca_key.is_file()):
        _write_ca(ca_cert, ca_key, now)
        cert.unlink(missing_ok=True)
        created = True
    if not (_valid(cert, now) and key.is_file()):
        _write_server_cert(cert, key, ca_cert, ca_key, now)
        created = True
    return DevCertificates(ca_cert=ca_cert, cert=cert, key=key, created=created)


def _valid(path: Path, now: dt.datetime) -> bool:
    if not path.is_file():
        return False
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        return False
    return certificate.not_valid_after_utc - now > dt.timedelta(days=7)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_private(path: Path, key: rsa.RSAPrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_ca(cert_path: Path, key_path: Path, now: dt.datetime) -> None:
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, key)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _write_server_cert(cert_path: Path, key_path: Path, ca_cert_path: Path, ca_key_path: Path,
                       now: dt.datetime) -> None:
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    key = _new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        # Browsers refuse leaf certificates valid for more than 398 days.
        .not_valid_after(now + dt.timedelta(days=397))
        .add_extension(
            x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.IPAddress(ipaddress.ip_address("::1")),
            ]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    _write_private(key_path, key)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
