"""DRF's ``LimitOffsetPagination`` as PostHog configures it: default page size 100, absolute next/previous URLs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

T = TypeVar("T")

DEFAULT_LIMIT = 100


def _positive_int(raw: str | None, *, strict: bool, default: int) -> int:
    """DRF's ``_positive_int``: invalid values fall back to the default instead of failing."""
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    if value < 0 or (strict and value == 0):
        return default
    return value


def _with_params(url: str, **changes: int | None) -> str:
    parts = urlsplit(url)
    params = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name not in changes]
    params += [(name, str(value)) for name, value in changes.items() if value is not None]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params), parts.fragment))


def paginate(
    items: Sequence[T],
    query: Mapping[str, str],
    url: str,
    *,
    default_limit: int = DEFAULT_LIMIT,
) -> tuple[dict[str, Any], list[T]]:
    """The page envelope (without ``results``) and the items on this page; ``url`` is the request's absolute URL."""
    limit = _positive_int(query.get("limit"), strict=True, default=default_limit)
    offset = _positive_int(query.get("offset"), strict=False, default=0)
    count = len(items)
    page = list(items[offset : offset + limit])
    next_url = _with_params(url, limit=limit, offset=offset + limit) if offset + limit < count else None
    if offset <= 0:
        previous_url = None
    elif offset - limit <= 0:
        previous_url = _with_params(url, limit=limit, offset=None)
    else:
        previous_url = _with_params(url, limit=limit, offset=offset - limit)
    return {"count": count, "next": next_url, "previous": previous_url}, page
