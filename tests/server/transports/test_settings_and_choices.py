"""The HTTP transport's settings, query choices and credential sources, checked without a server."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from posthog_environments_mcp.server.cli.main import main
from posthog_environments_mcp.server.config import ConfigError, Settings
from posthog_environments_mcp.server.definitions.registry import known_areas
from posthog_environments_mcp.server.transports.choices import ChoiceError, Choices, parse_choices
from posthog_environments_mcp.server.transports.credentials import DeploymentKey, PerRequestKeys, credential_hash
from posthog_environments_mcp.server.transports.settings import http_settings, parse_listen

TOKEN = "a" * 40
KEY = "phx_" + "K" * 40


def test_listen_defaults_and_forms() -> None:
    assert (http_settings(None, {}).host, http_settings(None, {}).port) == ("127.0.0.1", 8000)
    assert parse_listen("[::1]:9000") == ("::1", 9000)
    assert http_settings("0.0.0.0:0", {"POSTHOG_MCP_AUTH": "per-request"}).port == 0
    with pytest.raises(ConfigError, match="POSTHOG_MCP_LISTEN"):
        parse_listen("localhost")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"POSTHOG_MCP_AUTH": "oauth"}, "POSTHOG_MCP_AUTH"),
        ({"POSTHOG_MCP_ACCESS_TOKEN": "short"}, "POSTHOG_MCP_ACCESS_TOKEN"),
        ({"POSTHOG_MCP_MAX_BODY_BYTES": "lots"}, "POSTHOG_MCP_MAX_BODY_BYTES"),
        ({"POSTHOG_MCP_SHUTDOWN_GRACE": "-1"}, "POSTHOG_MCP_SHUTDOWN_GRACE"),
        ({"POSTHOG_MCP_WORKERS": "0"}, "POSTHOG_MCP_WORKERS"),
        ({"POSTHOG_MCP_WORKERS": "2.5"}, "POSTHOG_MCP_WORKERS"),
        ({"POSTHOG_MCP_LEGACY_SESSIONS": "sticky"}, "POSTHOG_MCP_LEGACY_SESSIONS"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        http_settings(None, env)


def test_workers_come_from_the_flag_or_the_environment() -> None:
    assert http_settings(None, {}).workers == 1
    assert http_settings(None, {"POSTHOG_MCP_WORKERS": "3"}).workers == 3
    assert http_settings(None, {"POSTHOG_MCP_WORKERS": "3"}, workers="2").workers == 2
    assert http_settings(None, {"POSTHOG_MCP_LEGACY_SESSIONS": "Stateless"}).legacy_sessions == "stateless"


def test_only_a_locked_door_faces_the_network() -> None:
    with pytest.raises(ConfigError, match="not a loopback address"):
        http_settings("192.0.2.10:8000", {})
    assert http_settings("192.0.2.10:8000", {"POSTHOG_MCP_ACCESS_TOKEN": TOKEN}).access_token is not None
    assert http_settings("0.0.0.0:8000", {"POSTHOG_MCP_AUTH": "per-request"}).auth == "per-request"
    assert http_settings("localhost:8000", {}).loopback


def test_cors_origins_are_also_allowed_origins() -> None:
    settings = http_settings(None, {"POSTHOG_MCP_CORS_ORIGINS": "https://app.example.com"})
    assert settings.cors_origins == ("https://app.example.com",)
    assert "https://app.example.com" in settings.allowed_origins
    assert http_settings(None, {}).cors_origins == ()


def test_choices_narrow_and_never_widen() -> None:
    areas = known_areas()
    read_only = Settings(read_only=True, toolsets=frozenset({"endpoints"}))
    assert parse_choices({"read_only": ["false"]}, read_only, areas) == Choices(read_only=False)
    with pytest.raises(ChoiceError) as refused:
        parse_choices({"toolsets": ["conversations"]}, read_only, areas)
    assert refused.value.parameter == "toolsets"
    assert parse_choices({"project_id": ["7"], "tools": ["a,b"]}, Settings(), areas) == Choices(
        project_id="7", tools=frozenset({"a", "b"})
    )


@pytest.mark.anyio
async def test_per_request_keys_accept_personal_keys_only() -> None:
    source = PerRequestKeys()
    accepted = await source.verify_token(KEY)
    assert accepted is not None
    assert accepted.client_id == credential_hash(KEY)
    assert KEY not in accepted.client_id
    assert source.api_key(accepted) == SecretStr(KEY)
    for bad in ("phc_" + "K" * 40, "phx_short", "Bearer", ""):
        assert await source.verify_token(bad) is None


@pytest.mark.anyio
async def test_deployment_key_needs_the_exact_access_token() -> None:
    source = DeploymentKey(SecretStr(KEY), SecretStr(TOKEN))
    assert source.required
    accepted = await source.verify_token(TOKEN)
    assert accepted is not None
    assert TOKEN not in accepted.model_dump_json(), "the access token is not kept"
    assert source.api_key(accepted) == SecretStr(KEY)
    assert await source.verify_token(TOKEN + "x") is None
    assert not DeploymentKey(SecretStr(KEY), None).required


def test_the_command_line_reports_bad_transport_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSTHOG_MCP_TRANSPORT", "carrier-pigeon")
    # A one-shot command stops on it (serving, the stdio server explains it to the client instead).
    assert main(["tools"]) == 2
    assert "POSTHOG_MCP_TRANSPORT 'carrier-pigeon'" in capsys.readouterr().err
    monkeypatch.delenv("POSTHOG_MCP_TRANSPORT")
    assert main(["--transport", "http", "--listen", "nowhere"]) == 2
    assert "POSTHOG_MCP_LISTEN 'nowhere' is not HOST:PORT" in capsys.readouterr().err
