"""``python -m posthog_environments_mcp``: the same command line as the ``posthog-environments-mcp`` script.

The command line is looked up by its installed name: in the repository ``server/`` is not inside this directory
(the package-dir mapping puts it there once installed), so a static import could not be resolved by the type
checker.
"""

import sys
from collections.abc import Callable
from importlib import import_module

main: Callable[[], int] = import_module("posthog_environments_mcp.server.cli.entry").main

if __name__ == "__main__":
    sys.exit(main())
