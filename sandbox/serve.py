"""``python -m posthog_environments_mcp.sandbox``: the sandbox in the foreground, for a newcomer without a PostHog
account."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .server import SandboxServer
from .state import DEFAULT_CHUNK_DELAY, SandboxState


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m posthog_environments_mcp.sandbox",
        description="A local stand-in for PostHog's Environments API, seeded with example data.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8010, help="port to listen on (default: 8010)")
    parser.add_argument(
        "--chunk-delay",
        type=float,
        default=DEFAULT_CHUNK_DELAY,
        help=f"seconds between streamed PostHog AI chunks (default: {DEFAULT_CHUNK_DELAY})",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.chunk_delay < 0:
        print("--chunk-delay cannot be negative", file=sys.stderr)
        return 2
    state = SandboxState(stream_chunk_delay=args.chunk_delay)
    server = SandboxServer(state=state, host=args.host, port=args.port)
    try:
        server.start()
    except OSError as error:
        print(f"Cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(f"PostHog sandbox running at {server.base_url}")
    print(f"API key (all scopes, projects 1 and 2): {server.api_key}")
    print("Try:")
    print(
        f'  curl -H "Authorization: Bearer {server.api_key}" {server.base_url}/api/environments/1/desktop_recordings/'
    )
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
    print("Sandbox stopped.", flush=True)
    return 0
