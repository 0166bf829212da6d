"""``python -m posthog_environments_mcp.sandbox [--host H] [--port P] [--chunk-delay S]``."""

from __future__ import annotations

import sys

from .serve import main

if __name__ == "__main__":
    sys.exit(main())
