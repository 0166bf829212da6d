"""Committed snapshots: a test fails when the output changes; ``UPDATE_SNAPSHOTS=1`` rewrites them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SNAPSHOTS = Path(__file__).parent / "snapshots"


def assert_matches_snapshot(name: str, value: Any, directory: Path = SNAPSHOTS) -> None:
    path = directory / name
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if os.environ.get("UPDATE_SNAPSHOTS") != "1":
            raise AssertionError(f"snapshot {name} did not exist; it was written. Review and commit it.")
    assert path.read_text(encoding="utf-8") == text, (
        f"{name} changed. If the change is intended, run UPDATE_SNAPSHOTS=1 pytest and commit the snapshot."
    )
