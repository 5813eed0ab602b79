"""A self-signed certificate, as a terminal makes its own for HTTPS (and the tests' TLS peers use)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(host: str, days: int = 3650) -> tuple[bytes, bytes]:
    """(certificate, private key) as PEM: an EC P-256 certificate for the IP address `host`, valid from a day
    ago for `days` days; CA:TRUE, so a client can trust it directly as its own anchor."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def write_self_signed(folder: Path, host: str, names: tuple[str, str], days: int = 3650) -> tuple[Path, Path]:
    """`self_signed(host)` written into `folder` as the files `names` (certificate, key); the key file 0600."""
    cert_pem, key_pem = self_signed(host, days)
    cert_path, key_path = folder / names[0], folder / names[1]
    cert_path.write_bytes(cert_pem)
    key_path.write_bytes(key_pem)
    key_path.chmod(0o600)
    return cert_path, key_path
