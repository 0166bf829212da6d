"""The HTTP server's garbage-collection settings (``server/transports/heap.py``), in a fresh interpreter so this
test process keeps its own."""

from __future__ import annotations

import json
import subprocess
import sys

from posthog_environments_mcp.server.transports.heap import YOUNG_THRESHOLD

PROBE = """
import gc, json
from posthog_environments_mcp.server.transports.http_app import build_http_app
from posthog_environments_mcp.server.transports.heap import settle_for_serving
before = gc.get_threshold()
settle_for_serving()
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_the_loaded_app_is_frozen_and_young_collections_spaced_out() -> None:
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    seen = json.loads(probe.stdout)
    assert seen["frozen"] > 10_000  # the imported app's objects: no collection walks them again
    assert seen["after"] == [YOUNG_THRESHOLD, *seen["before"][1:]]
    assert seen["before"][0] < YOUNG_THRESHOLD
