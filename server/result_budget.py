"""Keeps tool results within what clients accept (about 25k tokens by default).

Lists are cut at item boundaries and long text at a marked point; the caller is told what was cut and how to
get the rest. The cut data still matches the tool's output schema.
"""

from __future__ import annotations

import json
from typing import Any, cast

_MAX_ROUNDS = 64
_NOTE_ROOM = 600


def compact_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)


def _largest_node(node: Any, path: tuple[str | int, ...] = ()) -> tuple[tuple[str | int, ...], int] | None:
    """Path and serialized size of the largest list or string below ``node`` (itself excluded)."""
    best: tuple[tuple[str | int, ...], int] | None = None
    children: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        children = list(cast(dict[str, Any], node).items())
    elif isinstance(node, list):
        children = list(enumerate(cast(list[Any], node)))
    for key, child in children:
        if isinstance(child, (list, str)) and len(cast(Any, child)) > 1:
            size = len(compact_json(child))
            if best is None or size > best[1]:
                best = ((*path, key), size)
        deeper = _largest_node(child, (*path, key))
        if deeper is not None and (best is None or deeper[1] > best[1] * 2):
            best = deeper
    return best


def _get(node: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def _set(node: Any, path: tuple[str | int, ...], value: Any) -> None:
    parent = _get(node, path[:-1])
    parent[path[-1]] = value


def _describe(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path)) or "result"


def fit_to_budget(original: Any, budget: int, *, offset: int | None = None) -> tuple[Any, list[str]]:
    """Return data cut to fit ``budget`` characters of compact JSON, and notes saying what was cut."""
    if len(compact_json(original)) <= budget:
        return original, []
    data: Any = json.loads(compact_json(original))  # a private copy we may cut
    target = max(budget - _NOTE_ROOM, 1000)
    notes: list[str] = []
    if isinstance(page := data, dict) and isinstance(cast(dict[str, Any], page).get("results"), list):
        notes.extend(_cut_page(cast(dict[str, Any], page), target, offset))
    originals: dict[tuple[str | int, ...], int] = {}
    rounds = 0
    while len(compact_json(data)) > target and rounds < _MAX_ROUNDS:
        rounds += 1
        found = _largest_node(data)
        if found is None:
            break
        path, _size = found
        value = _get(data, path)
        originals.setdefault(path, len(value))
        if isinstance(value, list):
            items = cast(list[Any], value)
            _set(data, path, items[: max(1, len(items) // 2) if len(items) > 1 else 0])
        else:
            text = cast(str, value).removesuffix(" …[cut]")
            _set(data, path, text[: len(text) // 2] + " …[cut]")
    for path, original in originals.items():
        value = _get(data, path)
        if isinstance(value, list):
            notes.append(f"`{_describe(path)}` cut to its first {len(cast(list[Any], value))} of {original} items.")
        else:
            kept = len(cast(str, value)) - len(" …[cut]")
            notes.append(f"`{_describe(path)}` cut after {kept} of {original} characters (marked '…[cut]').")
    return cast(Any, data), notes


def _cut_page(page: dict[str, Any], target: int, offset: int | None) -> list[str]:
    items = cast(list[Any], page["results"])
    low, high = 0, len(items)
    while low < high:  # the largest prefix that fits
        middle = (low + high + 1) // 2
        page["results"] = items[:middle]
        if len(compact_json(page)) <= target:
            low = middle
        else:
            high = middle - 1
    keep = max(low, 1) if items else 0
    page["results"] = items[:keep]
    if keep >= len(items):
        return []
    start = (offset or 0) + keep
    return [
        f"Only the first {keep} of the {len(items)} results of this page fit in one answer. "
        f"Get the rest by calling again with offset={start} and limit={keep}."
    ]
