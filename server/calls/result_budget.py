"""Keeps tool results within what clients accept (about 25k tokens by default).

Lists are cut at item boundaries and long text at a marked point; the caller is told what was cut and how to
get the rest. The cut data keeps its shape (same keys, lists stay lists, text stays text), so it still matches
the tool's output schema.

The bound holds for any JSON: first the largest lists and texts are halved (typical results have one big part:
a page of results, a transcript); if many parts are big, every list and text over a shrinking length is cut
alike; data that still does not fit (thousands of keys) is replaced by an empty value of the same type.

The cost is bounded: a result far over the budget (a 17 MB page) is first pruned in one pass that only visits
what it keeps (each list is read item by item until the allowance is spent; an object with more keys than the
budget could show is emptied), so the finer, repeated cuts only ever see a few times the budget.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple, cast

_MAX_ROUNDS = 64
_NOTE_ROOM = 600
"""Characters of the budget kept for the notes (and the executor's own notes, such as HTTP 202)."""
_EXECUTOR_NOTE_ROOM = 120
_CUT = " …[cut]"
_MAX_DESCRIBED_CUTS = 3
_MAX_PATH_CHARS = 60
_PRUNE_FACTOR = 2
"""Data over ``2 * _PRUNE_FACTOR`` budgets is pruned to about ``_PRUNE_FACTOR`` budgets before the fine cuts."""
_MIN_SHARE = 64
_TOO_MANY_FIELDS = -1
"""Recorded as the original size of an object emptied because its keys alone exceed the budget."""

Path = tuple[str | int, ...]


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)
"""Made once: ``json.dumps`` with ``default`` builds an encoder per call (a quarter of a recording's dump)."""


def compact_json(data: Any) -> str:
    return _COMPACT.encode(data)


class Fitted(NamedTuple):
    data: Any
    notes: list[str]
    text: str
    """``compact_json(data)``, kept from the fitting so a result is serialised once."""


def at_most(data: Any, chars: int) -> bool:
    """Whether ``data`` is about ``chars`` characters of JSON or less (escapes not counted); reads at most that much."""
    return _size_at_least(data, chars) <= chars


def fit_whole(data: Any, budget: int, spelled: str | None = None) -> Fitted | None:
    """``data`` as it is, when its compact JSON fits ``budget``; None otherwise. One dump (none when ``spelled``,
    compact JSON spelling ``data`` exactly, is given): only for data known to be small (a short body from
    PostHog), where the dump costs less than ``fit``'s bounded sizing walk."""
    text = compact_json(data) if spelled is None else spelled
    return Fitted(data, [], text) if len(text) <= budget else None


def _largest_node(node: Any, path: Path = ()) -> tuple[Path, int] | None:
    """Path and serialized size of the largest list or string below ``node`` (itself excluded)."""
    best: tuple[Path, int] | None = None
    children: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        children = list(cast(dict[str, Any], node).items())
    elif isinstance(node, list):
        children = list(enumerate(cast(list[Any], node)))
    for key, child in children:
        if _cuttable(child):
            size = len(compact_json(child))
            if best is None or size > best[1]:
                best = ((*path, key), size)
        deeper = _largest_node(child, (*path, key))
        if deeper is not None and (best is None or deeper[1] > best[1] * 2):
            best = deeper
    return best


def _cuttable(value: Any) -> bool:
    if isinstance(value, list):
        return len(cast(list[Any], value)) > 1
    return isinstance(value, str) and len(value) > 2 * len(_CUT)


def _get(node: Any, path: Path) -> Any:
    for key in path:
        node = node[key]
    return node


def _set(node: Any, path: Path, value: Any) -> None:
    parent = _get(node, path[:-1])
    parent[path[-1]] = value


def _cut_text(text: str, keep: int) -> str:
    return text.removesuffix(_CUT)[:keep] + _CUT


def _describe(path: Path) -> str:
    """``results[0].transcript_text``; the leading holder index is not part of the caller's data."""
    inner = path[1:]
    text = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(inner)) or "result"
    return text if len(text) <= _MAX_PATH_CHARS else text[: _MAX_PATH_CHARS - 1] + "…"


def fit_to_budget(
    original: Any, budget: int, *, offset: int | None = None, pageable: bool | None = None
) -> tuple[Any, list[str]]:
    """Return data cut to fit ``budget`` characters of compact JSON, and notes saying what was cut.

    The data and the joined notes together stay within ``budget`` with room for a short note of the caller's.
    ``pageable`` says whether the tool takes ``offset``/``limit`` (``None``: a page with a ``next`` link does).
    """
    fitted = fit(original, budget, offset=offset, pageable=pageable)
    return fitted.data, fitted.notes


def fit(original: Any, budget: int, *, offset: int | None = None, pageable: bool | None = None) -> Fitted:
    """``fit_to_budget``, with the compact JSON of the data it returns (data that fits is dumped only once)."""
    over_prune = 2 * _PRUNE_FACTOR * budget
    at_least = _size_at_least(original, over_prune)  # never a full walk of a huge value
    if at_least <= budget:
        text = compact_json(original)
        if len(text) <= budget:
            return Fitted(original, [], text)
    cuts: dict[Path, int] = {}
    results = _results(original)
    page_size = len(results) if results is not None else None
    if at_least > over_prune:
        original = _prune(original, _PRUNE_FACTOR * budget, (0,), cuts)
    holder: list[Any] = [json.loads(compact_json(original))]  # a private copy we may cut, under one parent
    target = max(budget - _NOTE_ROOM, budget // 2)
    if _results(holder[0]) is not None:
        _cut_page(holder[0], target)
    _halve_largest(holder, target, cuts)
    if len(compact_json(holder[0])) > target:
        _shrink_everywhere(holder, target, cuts)
    if len(compact_json(holder[0])) > target:
        holder[0] = type(holder[0])()
        note = (
            "The result is too large to show even in part (too many fields). Narrow the request, e.g. with "
            "filters or a smaller limit."
        )
        return Fitted(holder[0], [note], compact_json(holder[0]))
    notes: list[str] = []
    kept = _results(holder[0])
    if page_size is not None and kept is not None and len(kept) < page_size:
        cuts.pop((0, "results"), None)
        can_page = pageable if pageable is not None else "next" in holder[0]
        notes.append(_page_note(len(kept), page_size, offset, can_page))
    notes.extend(_cut_notes(holder, cuts))
    return Fitted(holder[0], _bounded(notes, budget - target - _EXECUTOR_NOTE_ROOM), compact_json(holder[0]))


def _size_at_least(node: Any, cap: int) -> int:
    """A lower bound of ``len(compact_json(node))`` (escapes are not counted), exact up to ``cap``; it stops
    reading once past ``cap``, so sizing a 17 MB value costs as little as sizing a small one."""
    total = 0
    pending: list[Any] = [node]
    while pending and total <= cap:
        item = pending.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif isinstance(item, dict):
            fields = cast(dict[str, Any], item)
            total += 1 + len(fields)
            for key, value in fields.items():
                total += len(key) + 3
                pending.append(value)
                if total > cap:
                    break
        elif isinstance(item, list):
            items = cast(list[Any], item)
            total += 1 + len(items)
            pending.extend(items[: cap - total + 1] if total <= cap else ())
        elif item is None or isinstance(item, bool):
            total += 5
        else:
            total += len(str(item))
    return total


def _prune(node: Any, allowance: int, path: Path, cuts: dict[Path, int]) -> Any:
    """A copy of ``node`` of roughly at most ``allowance`` characters, reading only what it keeps.

    Small parts are shared with ``node``, not copied: the caller copies the (small) result before cutting it.
    """
    if isinstance(node, str):
        if len(node) <= allowance:
            return node
        cuts.setdefault(path, len(node))
        return _cut_text(node, allowance)
    if isinstance(node, list):
        return _prune_list(cast(list[Any], node), allowance, path, cuts)
    if isinstance(node, dict):
        return _prune_dict(cast(dict[str, Any], node), allowance, path, cuts)
    return node


def _prune_list(items: list[Any], allowance: int, path: Path, cuts: dict[Path, int]) -> list[Any]:
    kept: list[Any] = []
    used = 2
    for item in items:
        size = _size_at_least(item, allowance) + 1
        if used + size > allowance:
            break
        kept.append(item)
        used += size
    if not kept and items:
        kept = [_prune(items[0], allowance, (*path, 0), cuts)]
    if len(kept) < len(items):
        cuts.setdefault(path, len(items))
    return kept


def _prune_dict(fields: dict[str, Any], allowance: int, path: Path, cuts: dict[Path, int]) -> dict[str, Any]:
    """Small values are kept whole; the big ones share what is left of the allowance equally."""
    if len(fields) * 4 > allowance or sum(len(key) + 4 for key in fields) > allowance:
        cuts.setdefault(path, _TOO_MANY_FIELDS)
        return {}
    sizes = {key: _size_at_least(value, allowance) for key, value in fields.items()}
    if sum(sizes.values()) <= allowance:
        return fields
    pruned = dict(fields)
    remaining = allowance
    by_size = sorted(sizes, key=sizes.__getitem__)
    for index, key in enumerate(by_size):
        share = max(remaining // (len(by_size) - index), _MIN_SHARE)
        if sizes[key] > share:
            pruned[key] = _prune(fields[key], share, (*path, key), cuts)
        remaining -= min(sizes[key], share)
    return pruned


def _results(data: Any) -> list[Any] | None:
    if isinstance(data, dict) and isinstance(cast(dict[str, Any], data).get("results"), list):
        return cast(list[Any], cast(dict[str, Any], data)["results"])
    return None


def _halve_largest(holder: list[Any], target: int, cuts: dict[Path, int]) -> None:
    """Halve the largest list or text until the data fits: one big part is cut, the rest is kept whole."""
    rounds = 0
    while len(compact_json(holder[0])) > target and rounds < _MAX_ROUNDS:
        rounds += 1
        found = _largest_node(holder)
        if found is None:
            return
        path, _size = found
        value = _get(holder, path)
        cuts.setdefault(path, len(value))
        if isinstance(value, list):
            items = cast(list[Any], value)
            _set(holder, path, items[: len(items) // 2])
        else:
            text = cast(str, value).removesuffix(_CUT)
            _set(holder, path, _cut_text(text, len(text) // 2))


def _shrink_everywhere(holder: list[Any], target: int, cuts: dict[Path, int]) -> None:
    """Many big parts: cut every list and text longer than a limit that halves until the data fits."""
    limit = _longest(holder[0])
    while len(compact_json(holder[0])) > target and limit > 1:
        limit //= 2
        _cut_longer_than(holder, (0,), limit, cuts)


def _longest(node: Any) -> int:
    if isinstance(node, dict):
        return max((_longest(v) for v in cast(dict[str, Any], node).values()), default=0)
    if isinstance(node, list):
        items = cast(list[Any], node)
        return max([len(items), *(_longest(v) for v in items)])
    return len(node) if isinstance(node, str) else 0


def _cut_longer_than(holder: list[Any], path: Path, limit: int, cuts: dict[Path, int]) -> None:
    node = _get(holder, path)
    if isinstance(node, str):
        if len(node) > limit + len(_CUT):
            cuts.setdefault(path, len(node))
            _set(holder, path, _cut_text(node, limit))
        return
    if isinstance(node, list):
        items = cast(list[Any], node)
        if len(items) > limit:
            cuts.setdefault(path, len(items))
            _set(holder, path, items[:limit])
        for index in range(len(_get(holder, path))):
            _cut_longer_than(holder, (*path, index), limit, cuts)
    elif isinstance(node, dict):
        for key in list(cast(dict[str, Any], node)):
            _cut_longer_than(holder, (*path, key), limit, cuts)


def _cut_notes(holder: list[Any], cuts: dict[Path, int]) -> list[str]:
    notes: list[str] = []
    for path, original in cuts.items():
        try:
            value = _get(holder, path)
        except (IndexError, KeyError):
            continue  # inside a part that was cut away later
        if original == _TOO_MANY_FIELDS:
            notes.append(f"`{_describe(path)}` has too many fields to show; narrow the request to see it.")
        elif isinstance(value, list):
            notes.append(f"`{_describe(path)}` cut to its first {len(cast(list[Any], value))} of {original} items.")
        elif isinstance(value, str):
            kept = len(value) - len(_CUT)
            notes.append(f"`{_describe(path)}` cut after {kept} of {original} characters (marked '…[cut]').")
    if len(notes) > _MAX_DESCRIBED_CUTS:
        more = len(notes) - _MAX_DESCRIBED_CUTS
        notes = [*notes[:_MAX_DESCRIBED_CUTS], f"{more} more lists or texts were cut the same way."]
    return notes


def _bounded(notes: list[str], room: int) -> list[str]:
    """Keep the notes within ``room`` characters, the first (how to get the rest of a page) above all."""
    kept: list[str] = []
    used = 0
    for note in notes:
        if used + len(note) + 1 > room:
            break
        kept.append(note)
        used += len(note) + 1
    return kept


def _cut_page(page: dict[str, Any], target: int) -> None:
    """Keep the largest prefix of ``results`` that fits (at least one item)."""
    items = cast(list[Any], page["results"])
    low, high = 0, len(items)
    while low < high:  # the largest prefix that fits
        middle = (low + high + 1) // 2
        page["results"] = items[:middle]
        if len(compact_json(page)) <= target:
            low = middle
        else:
            high = middle - 1
    page["results"] = items[: max(low, 1)] if items else []


def _page_note(keep: int, total: int, offset: int | None, pageable: bool) -> str:
    if not pageable:
        return (
            f"Only the first {keep} of the {total} results fit in one answer. This tool cannot page: "
            "narrow the request to see the others."
        )
    return (
        f"Only the first {keep} of the {total} results of this page fit in one answer. "
        f"Get the rest by calling again with offset={(offset or 0) + keep} and limit={max(keep, 1)}."
    )
