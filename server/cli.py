"""The ``posthog-environments-mcp`` command line.

- (no command): serve MCP over stdio — nothing but protocol on stdout, logs on stderr.
- ``sandbox``: run the local PostHog stand-in alone, for curl.
- ``tools``: print the tool table.
- ``call TOOL '{json}'``: run one tool and print its result (exit 1 on an error result).
- ``check``: tell whether host, key and project work.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from typing import Any

import anyio

from . import SERVER_NAME, __version__
from .config import ConfigError, RawSettings, Settings, build_settings, from_environment
from .registry import known_areas

AREAS = known_areas()


def _settings_flags(parser: argparse.ArgumentParser, *, sub_command: bool = False) -> None:
    """The same flags work before or after a sub-command (there, unset flags must not reset the others)."""
    group = parser.add_argument_group("PostHog connection (flags override the environment)")
    if sub_command:
        group.argument_default = argparse.SUPPRESS
    group.add_argument(
        "--sandbox",
        action="store_true",
        default=None if not sub_command else argparse.SUPPRESS,
        help="run against a built-in local PostHog stand-in; no account needed",
    )
    group.add_argument("--host", help="'us', 'eu' or your PostHog URL (env POSTHOG_HOST; default us)")
    group.add_argument("--project-id", help="default project id (env POSTHOG_PROJECT_ID)")
    group.add_argument(
        "--api-key",
        help="personal API key phx_… (env POSTHOG_API_KEY or POSTHOG_PERSONAL_API_KEY; prefer the environment: "
        "flags are visible to other users of this machine)",
    )
    group.add_argument(
        "--read-only",
        action="store_true",
        default=None if not sub_command else argparse.SUPPRESS,
        help="expose only read-only tools",
    )
    group.add_argument("--toolsets", help=f"comma-separated subset of: {', '.join(sorted(AREAS))}")
    group.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (env POSTHOG_MCP_LOG_LEVEL)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=SERVER_NAME, description="MCP server for PostHog's Environments API (stdio by default)."
    )
    parser.add_argument("--version", action="version", version=f"{SERVER_NAME} {__version__}")
    _settings_flags(parser)
    commands = parser.add_subparsers(dest="command")
    sandbox = commands.add_parser("sandbox", help="run the local PostHog stand-in alone (for curl)", add_help=False)
    sandbox.add_argument("sandbox_args", nargs=argparse.REMAINDER)
    commands.add_parser("tools", help="print the tool table")
    call = commands.add_parser("call", help="run one tool and print its result")
    _settings_flags(call, sub_command=True)
    call.add_argument("tool")
    call.add_argument("arguments", nargs="?", default="{}", help="JSON object of arguments (default {})")
    check = commands.add_parser("check", help="check that host, key and project work")
    _settings_flags(check, sub_command=True)
    return parser


def _merge(env: RawSettings, args: argparse.Namespace) -> RawSettings:
    return RawSettings(
        api_key=args.api_key or env.api_key,
        host=args.host or env.host,
        project_id=args.project_id or env.project_id,
        toolsets=args.toolsets or env.toolsets,
        read_only=args.read_only if args.read_only is not None else env.read_only,
        log_level=args.log_level or env.log_level,
        schema_profile=env.schema_profile,
        tuning=env.tuning,
    )


def load_settings(args: argparse.Namespace) -> Settings:
    return build_settings(_merge(from_environment(), args), AREAS)


@contextmanager
def maybe_sandbox(settings: Settings, enabled: bool) -> Generator[Settings]:
    """With ``--sandbox``, start the local stand-in and point the settings at it."""
    if not enabled:
        yield settings
        return
    from pydantic import SecretStr

    from ..sandbox import SandboxServer

    with SandboxServer() as sandbox:
        yield settings.with_overrides(
            host=sandbox.base_url,
            api_key=SecretStr(sandbox.api_key),
            project_id=settings.project_id or "1",
            sandbox=True,
        )


def main(argv: Sequence[str] | None = None) -> int:
    raw_argv = list(sys.argv[1:] if argv is None else argv)
    if raw_argv[:1] == ["sandbox"]:
        from ..sandbox.serve import main as sandbox_main

        return sandbox_main(raw_argv[1:])
    parser = make_parser()
    args = parser.parse_args(raw_argv)
    try:
        settings = load_settings(args)
    except ConfigError as error:
        print(f"{SERVER_NAME}: configuration error: {error}", file=sys.stderr)
        return 2
    if args.command == "tools":
        from .commands import print_tool_table

        return print_tool_table(settings)
    from .logs import configure_logging

    with maybe_sandbox(settings, bool(args.sandbox)) as effective:
        configure_logging(effective.log_level, effective.api_key)
        if args.command == "call":
            from .commands import run_call

            try:
                arguments: Any = json.loads(args.arguments)
            except ValueError as error:
                print(
                    f"{SERVER_NAME}: the arguments are not JSON ({error}); pass an object like '{{\"limit\": 5}}'",
                    file=sys.stderr,
                )
                return 2
            return anyio.run(run_call, effective, args.tool, arguments)
        if args.command == "check":
            from .commands import run_check

            return anyio.run(run_check, effective)
        from .stdio import serve_stdio

        return anyio.run(serve_stdio, effective)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
