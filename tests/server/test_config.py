"""Strict configuration: every boolean's spellings, hosts, keys and tool names, and reporting every problem at
once with the setting's name (the flag when a flag gave it) and never a secret."""

from __future__ import annotations

import pytest

from posthog_environments_mcp.server.cli.main import main
from posthog_environments_mcp.server.config import (
    BOOLEANS,
    ConfigError,
    RawSettings,
    Settings,
    build_settings,
    from_environment,
)
from posthog_environments_mcp.server.definitions.registry import known_areas, known_tool_names

ACCEPTED = {
    True: ["1", "true", "TRUE", "True", "yes", "YES", "on", "On", " on "],
    False: ["0", "false", "FALSE", "no", "No", "off", "OFF", " 0 "],
}
REJECTED = ["y", "n", "2", "-1", "enable", "enabled", "tru", "onn", "true!", "null", "none", "t", "f", "ja"]


def settings_from(env: dict[str, str]) -> Settings:
    return build_settings(from_environment(env), known_areas(), known_tool_names())


def problems_of(env: dict[str, str]) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        settings_from(env)
    return caught.value.problems


@pytest.mark.parametrize("field", sorted(BOOLEANS))
@pytest.mark.parametrize("expected", [True, False])
def test_every_boolean_accepts_the_documented_words(field: str, expected: bool) -> None:
    for word in ACCEPTED[expected]:
        assert getattr(settings_from({BOOLEANS[field]: word}), field) is expected, word


@pytest.mark.parametrize("field", sorted(BOOLEANS))
@pytest.mark.parametrize("word", REJECTED)
def test_every_boolean_rejects_anything_else(field: str, word: str) -> None:
    (problem,) = problems_of({BOOLEANS[field]: word})
    assert BOOLEANS[field] in problem
    assert "1/0, true/false, yes/no, on/off" in problem


def test_read_only_fails_closed_and_a_flag_wins_over_the_environment() -> None:
    assert problems_of({"POSTHOG_MCP_READ_ONLY": "y"})
    raw = RawSettings(read_only=True, booleans={"read_only": "0"})
    assert build_settings(raw, known_areas()).read_only is True


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("eu", "https://eu.posthog.com"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("https://posthog.example.com:65535", "https://posthog.example.com:65535"),
        ("http://[::1]:8010", "http://[::1]:8010"),
    ],
)
def test_good_hosts_are_normalised(host: str, expected: str) -> None:
    assert settings_from({"POSTHOG_HOST": host}).host == expected


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ("http://localhost:0", "1 to 65535"),
        ("http://localhost:65536", "1 to 65535"),
        ("http://localhost:80a", "1 to 65535"),
        ("http://[::1", "not a valid URL"),
        ("posthog.example.com", "is not a URL"),
        ("https://posthog.example.com/project/1?x=1", "use https://posthog.example.com"),
        ("https://eu.i.posthog.com", "ingestion host"),
    ],
)
def test_bad_hosts_name_the_problem_and_the_fix(host: str, problem: str) -> None:
    (message,) = problems_of({"POSTHOG_HOST": host})
    assert message.startswith("POSTHOG_HOST")
    assert problem in message


@pytest.mark.parametrize("host", ["https://me:s3cret-pass@posthog.example.com", "ftp://me:s3cret-pass@h:99999"])
def test_a_host_with_credentials_is_refused_without_echoing_them(host: str) -> None:
    (message,) = problems_of({"POSTHOG_HOST": host})
    assert "user name or password" in message
    assert "s3cret-pass" not in message
    assert "me:" not in message


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("phx_abc\u2026def0123456789", "not plain ASCII"),
        ("\u201cphx_abcdef0123456789\u201d", "not plain ASCII"),
        ("phx_abc\u200bdef0123456789", "not plain ASCII"),
        ("phc_abcdef0123456789", "project API key"),
        ("phx_abc def0123456789", "spaces"),
    ],
)
def test_bad_keys_are_configuration_errors_that_never_echo_the_key(key: str, problem: str) -> None:
    for variable in ("POSTHOG_API_KEY", "POSTHOG_PERSONAL_API_KEY"):
        (message,) = problems_of({variable: key})
        assert message.startswith(variable)
        assert problem in message
        assert "def0123456789" not in message


def test_tool_names_are_checked_and_the_valid_ones_listed() -> None:
    (message,) = problems_of({"POSTHOG_MCP_TOOLS": "endpoints_list, endpoint_get"})
    assert "'endpoint_get' (did you mean 'endpoints_get'?)" in message
    assert all(name in message for name in known_tool_names())
    (message,) = problems_of({"POSTHOG_MCP_EXCLUDE_TOOLS": "drop_everything"})
    assert message.startswith("POSTHOG_MCP_EXCLUDE_TOOLS names unknown tool(s) 'drop_everything'.")
    assert "names no tool" in problems_of({"POSTHOG_MCP_TOOLS": " , "})[0]
    settings = settings_from({"POSTHOG_MCP_TOOLS": "endpoints_list,endpoints_get", "POSTHOG_MCP_EXCLUDE_TOOLS": ""})
    assert settings.tools == {"endpoints_list", "endpoints_get"}
    assert settings.exclude_tools == frozenset()


def test_every_problem_is_reported_at_once() -> None:
    env = {
        "POSTHOG_HOST": "http://localhost:0",
        "POSTHOG_PROJECT_ID": "abc",
        "POSTHOG_MCP_READ_ONLY": "maybe",
        "POSTHOG_MCP_TOOLS": "nope",
        "POSTHOG_MCP_POLL_INTERVAL": "often",
        "POSTHOG_MCP_LOG_LEVEL": "loud",
    }
    problems = problems_of(env)
    assert len(problems) == len(env)
    assert {problem.split()[0] for problem in problems} == set(env)


@pytest.mark.parametrize("command", [["tools"], ["call", "endpoints_list"], ["check"]])
def test_a_one_shot_command_names_the_flag_and_exits_2(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTHOG_API_KEY", "phx_" + "\u00e9" * 40)
    assert main(["--tools", "endpoint_list", "--host", "http://localhost:99999", *command]) == 2
    err = capsys.readouterr().err
    assert "configuration error:" in err
    assert "--tools names unknown tool(s) 'endpoint_list' (did you mean 'endpoints_list'?)" in err
    assert "--host 'http://localhost:99999' is not a valid URL" in err
    assert "POSTHOG_API_KEY contains a character that is not plain ASCII" in err
    assert "\u00e9" not in err


def test_a_redis_url_is_kept_secret_and_checked_without_echoing_it() -> None:
    good = settings_from({"POSTHOG_MCP_REDIS_URL": "rediss://user:hunter2-secret@redis.internal:6380/1"})
    assert good.redis_url is not None
    assert good.redis_url.get_secret_value() == "rediss://user:hunter2-secret@redis.internal:6380/1"
    assert "hunter2-secret" not in repr(good)
    for bad in ("http://user:hunter2-secret@redis.internal", "redis://:hunter2-secret@redis.internal:99999"):
        (message,) = problems_of({"POSTHOG_MCP_REDIS_URL": bad})
        assert "POSTHOG_MCP_REDIS_URL" in message
        assert "redis://" in message, "the fix is an example URL"
        assert "hunter2-secret" not in message
    assert settings_from({}).redis_url is None
