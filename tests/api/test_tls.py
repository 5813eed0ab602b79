"""HTTPS for the API (`[api] tls_cert`, `tls_key`), with a self-signed certificate made here with `cryptography`."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import ApiServer, ApiStartError
from gateway.access.keys import KeyRing
from gateway.config import load_config
from gateway.errors import ConfigError
from gateway.store import make_engine, session_factory, upgrade
from simulators.tls import write_self_signed


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its private key, as PEM files in `folder`."""
    return write_self_signed(folder, "127.0.0.1", ("cert.pem", "key.pem"), days=1)


def _config(folder: Path, api: str) -> Path:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = folder / "punchclock.toml"
    path.write_text(f'[database]\nurl = "sqlite:///pc.db"\n\n[api]\nbind = "127.0.0.1:{port}"\n{api}', encoding="utf-8")
    return path


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    cert, _key = _self_signed(tmp_path)
    config = load_config(_config(tmp_path, 'tls_cert = "cert.pem"\ntls_key = "key.pem"\n'))
    upgrade(config.database.url)
    server = ApiServer(config, session_factory(make_engine(config.database.url), keys=KeyRing.generate()))
    server.start()
    try:
        yield server.url, cert
    finally:
        server.stop()


def test_the_api_answers_https_to_a_client_trusting_the_certificate(https: tuple[str, Path]) -> None:
    url, cert = https
    assert url.startswith("https://127.0.0.1:")
    response = httpx.get(f"{url}/health", verify=ssl.create_default_context(cafile=str(cert)))
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{url}/health")  # the system's trust store does not know a self-signed certificate


def test_plain_http_gets_no_answer(https: tuple[str, Path]) -> None:
    url, _cert = https
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url.replace("https://", "http://") + "/health")


def test_tls_settings_are_checked_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as half:
        load_config(_config(tmp_path, 'tls_cert = "cert.pem"\n'))
    assert str(half.value) == (
        f"{tmp_path / 'punchclock.toml'}: api.tls_key: HTTPS needs both tls_cert and tls_key (PEM files); give both, "
        "or neither for HTTP"
    )
    config = load_config(_config(tmp_path, 'tls_cert = "missing.pem"\ntls_key = "key.pem"\n'))
    upgrade(config.database.url)
    factory = session_factory(make_engine(config.database.url), keys=KeyRing.generate())
    with pytest.raises(ApiStartError) as missing:
        ApiServer(config, factory)
    assert str(missing.value) == (
        f"[api] tls_cert = {tmp_path / 'missing.pem'}: no such file; give the PEM file's path (relative to the config)"
    )
    _self_signed(tmp_path)
    (tmp_path / "other.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
    config = load_config(_config(tmp_path, 'tls_cert = "other.pem"\ntls_key = "key.pem"\n'))
    with pytest.raises(ApiStartError, match=r"^\[api\] tls_cert = .*other.pem and tls_key = .*key.pem cannot be used"):
        ApiServer(config, factory)
