"""The served app, started as the README starts it: frame protection on every response, the session endpoint
included, and the server listening on the loopback address only by default."""
from __future__ import annotations

import urllib.request
from pathlib import Path


def test_every_response_forbids_framing_by_other_sites(server: tuple[str, Path]):
    url, _ = server
    for path in ("/", "/overview", "/_stcore/health"):
        with urllib.request.urlopen(url.rstrip("/") + path, timeout=30) as response:
            assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path
            assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"], path


def test_the_default_configuration_listens_on_the_loopback_address_only():
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == "none"
