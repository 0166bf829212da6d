"""The ``posthog-environments-mcp`` command line.

- (no command): serve MCP over stdio — nothing but protocol on stdout, logs on stderr. A bad configuration
  still serves, explaining itself to the client (``server/handlers/misconfigured.py``). Ctrl-C exits 130, SIGTERM 0.
- ``sandbox``: run the local PostHog stand-in alone, for curl.
- ``tools``: print the tool table (after the tool filters).
- ``call TOOL '{json}' | - | @FILE``: run one tool; its result JSON alone on stdout (exit 1 on an error result).
- ``check``: tell whether host, key and project work.

The one-shot commands exit 2 on a bad configuration, listing every bad setting on stderr.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from typing import Any

import anyio

from .. import SERVER_NAME, __version__
from ..config import ConfigError, RawSettings, Settings, build_settings, from_environment
from ..definitions.registry import known_areas, known_tool_names
from ..transports.signals import INTERRUPTED, Stopped, exit_status, raise_stopped, say_stopped

AREAS = known_areas()
TOOL_NAMES = known_tool_names()


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
    group.add_argument(
        "--tools", help="comma-separated tool names to expose, and no others (env POSTHOG_MCP_TOOLS; see `tools`)"
    )
    group.add_argument("--exclude-tools", help="comma-separated tool names to hide (env POSTHOG_MCP_EXCLUDE_TOOLS)")
    group.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (env POSTHOG_MCP_LOG_LEVEL)")


def _transport_flags(parser: argparse.ArgumentParser) -> None:
    """How the MCP server is reached (stdio, or Streamable HTTP: see server/transports)."""
    group = parser.add_argument_group("transport")
    group.add_argument(
        "--transport", choices=["stdio", "http"], help="stdio (default) or http (env POSTHOG_MCP_TRANSPORT)"
    )
    group.add_argument(
        "--listen", help="HOST:PORT for --transport http (env POSTHOG_MCP_LISTEN; default 127.0.0.1:8000)"
    )
    group.add_argument(
        "--workers",
        metavar="N",
        help="processes serving --transport http on the one address (env POSTHOG_MCP_WORKERS; default 1); "
        "join several with POSTHOG_MCP_REDIS_URL",
    )


def _transport(args: argparse.Namespace) -> str:
    chosen = (args.transport or os.environ.get("POSTHOG_MCP_TRANSPORT") or "stdio").strip().lower()
    if chosen not in ("stdio", "http"):
        raise ConfigError(f"POSTHOG_MCP_TRANSPORT {chosen!r} is not 'stdio' or 'http'.")
    return chosen


def _asks_for_http(args: argparse.Namespace) -> bool:
    return (args.transport or os.environ.get("POSTHOG_MCP_TRANSPORT") or "").strip().lower() == "http"


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=SERVER_NAME, description="MCP server for PostHog's Environments API (stdio by default)."
    )
    parser.add_argument("--version", action="version", version=f"{SERVER_NAME} {__version__}")
    _settings_flags(parser)
    _transport_flags(parser)
    commands = parser.add_subparsers(dest="command")
    sandbox = commands.add_parser("sandbox", help="run the local PostHog stand-in alone (for curl)", add_help=False)
    sandbox.add_argument("sandbox_args", nargs=argparse.REMAINDER)
    commands.add_parser("tools", help="print the tool table")
    call = commands.add_parser(
        "call", help="run one tool; its result JSON alone on stdout (exit 0 ok, 1 error result, 2 usage)"
    )
    _settings_flags(call, sub_command=True)
    call.add_argument("tool")
    call.add_argument(
        "arguments", nargs="?", default="{}", help="JSON object of arguments (default {}); - reads stdin, @FILE a file"
    )
    call.add_argument(
        "--sandbox-url",
        metavar="URL",
        help="use a sandbox already running (`sandbox --port 8010` → http://127.0.0.1:8010), so calls share its data",
    )
    check = commands.add_parser("check", help="check that host, key and project work")
    _settings_flags(check, sub_command=True)
    return parser


_TEXT_FLAGS = ("api_key", "host", "project_id", "toolsets", "tools", "exclude_tools", "log_level")
"""Settings given as ``--flag VALUE``; the attribute name is the setting's field name."""


def _merge(env: RawSettings, args: argparse.Namespace) -> RawSettings:
    given = {name: getattr(args, name) for name in _TEXT_FLAGS if getattr(args, name, None)}
    return RawSettings(
        **{name: given.get(name) or getattr(env, name) for name in _TEXT_FLAGS},
        read_only=args.read_only if args.read_only is not None else env.read_only,
        schema_profile=env.schema_profile,
        redis_url=env.redis_url,
        tuning=env.tuning,
        booleans=env.booleans,
        names={**env.names, **{name: "--" + name.replace("_", "-") for name in given}},
        confirm_destructive=env.confirm_destructive,
        state_key=env.state_key,
    )


def load_settings(args: argparse.Namespace) -> Settings:
    return build_settings(_merge(from_environment(), args), AREAS, TOOL_NAMES)


@contextmanager
def maybe_sandbox(settings: Settings, enabled: bool) -> Generator[Settings]:
    """With ``--sandbox``, start the local stand-in and point the settings at it."""
    if not enabled:
        yield settings
        return
    from pydantic import SecretStr

    from ...sandbox import SandboxServer

    with SandboxServer() as sandbox:
        yield settings.with_overrides(
            host=sandbox.base_url,
            api_key=SecretStr(sandbox.api_key),
            project_id=settings.project_id or "1",
            sandbox=True,
        )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; Ctrl-C at any point ends it with one line and status 130, never a traceback."""
    previous = signal.signal(signal.SIGTERM, raise_stopped)
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        say_stopped(signal.SIGINT)
        return INTERRUPTED
    except Stopped as stop:
        say_stopped(stop.signum)
        return exit_status(stop.signum)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(raw_argv: list[str]) -> int:
    if raw_argv[:1] == ["sandbox"]:
        from ...sandbox.serve import main as sandbox_main

        return sandbox_main(raw_argv[1:])
    parser = make_parser()
    args = parser.parse_args(raw_argv)
    try:
        settings = load_settings(args)
        transport = _transport(args)
        http = None
        if transport == "http" and args.command is None:
            from ..transports.settings import http_settings

            http = http_settings(args.listen, workers=args.workers)
    except ConfigError as error:
        if args.command is None and not _asks_for_http(args):
            # Serve anyway: the MCP client shows the explanation, where a closed connection would show nothing.
            # (Over HTTP the operator reads the process's output, so a bad configuration stops it instead.)
            from ..transports.stdio import serve_misconfigured

            return anyio.run(serve_misconfigured, error)
        print(f"{SERVER_NAME}: configuration error:", *(f"  - {p}" for p in error.problems), sep="\n", file=sys.stderr)
        return 2
    if args.command == "tools":
        from .commands import print_tool_table

        return print_tool_table(settings)
    from ..logs import configure_logging

    with maybe_sandbox(settings, bool(args.sandbox)) as effective:
        configure_logging(effective.log_level, effective.api_key)
        if args.command == "call":
            from .call_input import UsageError, at_running_sandbox, read_arguments
            from .commands import run_call

            try:
                arguments: Any = read_arguments(args.arguments)
                target = at_running_sandbox(effective, args.sandbox_url)
            except UsageError as error:
                print(f"{SERVER_NAME}: {error}", file=sys.stderr)
                return 2
            return anyio.run(run_call, target, args.tool, arguments)
        if args.command == "check":
            from .commands import run_check

            # check probes every area, whatever the tool filters hide
            return anyio.run(run_check, effective.with_overrides(tools=None, exclude_tools=frozenset[str]()))
        if http is not None and http.workers > 1:
            from ..transports.workers import serve_http_workers

            return serve_http_workers(effective, http)
        if http is not None:
            from ..transports.serve import serve_http

            return anyio.run(serve_http, effective, http)
        from ..transports.stdio import serve_stdio

        return anyio.run(serve_stdio, effective)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
