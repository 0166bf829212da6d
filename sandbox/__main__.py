"""``python -m sandbox [--host H] [--port P] [--chunk-delay S]``."""

from __future__ import annotations

import sys

from sandbox.serve import main

if __name__ == "__main__":
    sys.exit(main())
