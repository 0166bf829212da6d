"""The ``call`` command in shell pipelines: the README's workflow run as written, JSON-only stdout, exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from tests.conftest import REPO, server_command

PRICING = RECORDING_IDS["pricing_review"]
SNIPPET = re.compile(r"<!-- shell-workflow:start -->\s*```sh\n(?P<script>.*?)```\s*<!-- shell-workflow:end -->", re.S)


def readme_workflow() -> str:
    match = SNIPPET.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert match is not None, "README.md lost its shell-workflow snippet (between the shell-workflow markers)"
    return match.group("script")


def shell_env(sandbox: SandboxServer) -> dict[str, str]:
    """No PostHog settings inherited; the installed command first on PATH, as after `. .venv/bin/activate`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    env["PATH"] = f"{Path(server_command()[0]).parent}{os.pathsep}{env.get('PATH', '')}"
    env["SANDBOX_URL"] = sandbox.base_url
    return env


def bash(script: str, env: dict[str, str], *, strict: bool = True) -> subprocess.CompletedProcess[str]:
    """``strict``: stop at the first failing command, as a careful script would (``set -euo pipefail``)."""
    return subprocess.run(
        ["bash", *(["-euo", "pipefail"] if strict else []), "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


NO_SCRIPT = not server_command()[0].endswith("posthog-environments-mcp")


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed; the README workflow needs it")
@pytest.mark.skipif(NO_SCRIPT, reason="the README workflow needs the installed console script")
def test_the_readme_workflow_chains_list_get_update(sandbox: SandboxServer) -> None:
    completed = bash(readme_workflow(), shell_env(sandbox))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == ["Q4 pricing review: 3 tasks", "Reviewed from the shell"]
    patches = [r for r in sandbox.state.requests if r.method == "PATCH"]
    assert [(r.api_path, r.json) for r in patches] == [
        (f"desktop_recordings/{PRICING}", {"summary": "Reviewed from the shell"})
    ]


@pytest.mark.skipif(NO_SCRIPT, reason="the pipeline needs the installed console script")
def test_success_and_error_results_pipe_into_json_tool(sandbox: SandboxServer) -> None:
    """`call … | python -m json.tool` parses both; the pipeline's statuses are the documented 0 and 1."""
    script = (
        'posthog-environments-mcp call --sandbox-url "$SANDBOX_URL" desktop_recordings_get "{\\"id\\": \\"$1\\"}"'
        ' | python -m json.tool; echo "statuses: ${PIPESTATUS[*]}"'
    )
    env = shell_env(sandbox)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # `python` is the test's Python
    ok = bash(script.replace("$1", PRICING), env, strict=False)
    bad = bash(script.replace("$1", "not-a-uuid"), env, strict=False)
    assert ok.stdout.rstrip().endswith("statuses: 0 0"), ok.stderr
    assert bad.stdout.rstrip().endswith("statuses: 1 0"), bad.stderr
    assert json.loads(ok.stdout.rsplit("statuses:", 1)[0])["meeting_title"] == "Q4 pricing review"
    error = json.loads(bad.stdout.rsplit("statuses:", 1)[0])
    assert error["isError"] is True
    assert "`id`" in error["message"]
    assert "resource: " in ok.stderr  # links go to stderr, not into the JSON
    assert "`id`" in bad.stderr  # the person at the terminal still reads the error


def test_arguments_from_a_file_and_usage_errors(sandbox: SandboxServer, tmp_path: Path) -> None:
    arguments = tmp_path / "args.json"
    arguments.write_text(json.dumps({"platform": "zoom", "limit": 1}), encoding="utf-8")
    command = [*server_command(), "call", "--sandbox-url", sandbox.base_url]
    env = shell_env(sandbox)

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False
        )

    from_file = run("desktop_recordings_list", f"@{arguments}")
    assert from_file.returncode == 0, from_file.stderr
    assert json.loads(from_file.stdout)["results"][0]["id"] == PRICING
    not_json = run("desktop_recordings_list", "-", stdin="{limit: 1}")
    assert not_json.returncode == 2
    assert "stdin: not JSON" in not_json.stderr
    assert not_json.stdout == ""
    missing = run("desktop_recordings_list", f"@{tmp_path / 'missing.json'}")
    assert missing.returncode == 2
    assert "cannot read the arguments file" in missing.stderr
    unknown = run("desktop_recordings_lst")
    assert unknown.returncode == 2
    assert "Unknown tool" in unknown.stderr
    refused = subprocess.run(
        [*command, "endpoints_delete", '{"name": "daily_pageviews"}'],
        capture_output=True,
        text=True,
        env={**env, "POSTHOG_MCP_CONFIRM_DESTRUCTIVE": "require"},
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["isError"] is True
    assert "POSTHOG_MCP_CONFIRM_DESTRUCTIVE=require" in refused.stdout
    assert [r for r in sandbox.state.requests if r.method == "DELETE"] == []
