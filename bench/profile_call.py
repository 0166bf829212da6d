"""Where a tool call's time goes: the server (or the floor) under pyinstrument, driven like bench/run.py.

Starts the sandbox, runs the chosen server over stdio inside ``pyinstrument`` and makes ``--calls`` calls of
desktop_recordings_get, then prints pyinstrument's call tree (only frames above 1 % of the time). Profiles are
not timings: the profiler slows everything down, so read shares, not milliseconds. Usage:
``python bench/profile_call.py [--calls 2000] [--floor]``. Needs the dev extra (pyinstrument).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from run import HERE, compile_bytecode, started  # bench/ is on sys.path when run as a script

from posthog_environments_mcp.sandbox import SandboxServer


async def profile(calls: int, floor: bool, session: Path) -> None:
    compile_bytecode()
    target = [str(HERE / "floor_server.py")] if floor else ["-m", "posthog_environments_mcp"]
    command = [sys.executable, "-m", "pyinstrument", "-i", "0.0002", "-r", "session", "-o", str(session), *target]
    with SandboxServer() as sandbox:
        sandbox.state.set_rate_limit(10**9, 60)
        env = {
            **os.environ,
            "POSTHOG_HOST": sandbox.base_url,
            "POSTHOG_API_KEY": sandbox.api_key,
            "POSTHOG_PROJECT_ID": "1",
            "POSTHOG_MCP_LOG_LEVEL": "WARNING",
        }
        async with started(command, env, stop_within=120) as running:  # the profiler writes its session at exit
            for _ in range(calls):
                await running.call()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--floor", action="store_true", help="profile bench/floor_server.py instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        session = Path(folder) / "call.pyisession"
        asyncio.run(profile(args.calls, args.floor, session))
        subprocess.run([sys.executable, "-m", "pyinstrument", f"--load={session}", "-r", "text"], check=True)


if __name__ == "__main__":
    main()
