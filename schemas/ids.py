"""The one validator for ids that end up in a PostHog path: tool arguments, resource URIs, completion context,
list cursors and upstream ids used in resource links.

Plain functions and patterns (no pydantic), so the server's resource code can use them without loading the
schema models. A ``canonical_*`` function returns the id in its one spelling, or ``None`` for anything that is
not such an id: ``007`` and ``7`` are one project; ``..``, ``\\u0661`` (an Arabic-Indic digit) or a 10,000-digit
number are not a project at all and never reach ``/api/environments/<id>/``.
"""

from __future__ import annotations

import re

CURRENT_PROJECT = "@current"
"""PostHog's alias for the key's current project, accepted wherever a project id is."""
PROJECT_ID_MAX_DIGITS = 20
PROJECT_ID_PATTERN = rf"^([0-9]{{1,{PROJECT_ID_MAX_DIGITS}}}|{CURRENT_PROJECT})$"
"""ASCII digits only (``\\d`` would let other scripts' digits through), or ``@current``."""
UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
ENDPOINT_NAME_PATTERN = r"^[a-zA-Z][a-zA-Z0-9_-]{0,127}$"
"""PostHog's URL-safe endpoint names."""

_PROJECT_ID = re.compile(PROJECT_ID_PATTERN)
_UUID = re.compile(UUID_PATTERN)
_ENDPOINT_NAME = re.compile(ENDPOINT_NAME_PATTERN)


def _full(pattern: re.Pattern[str], value: object) -> str | None:
    """``value`` if it is text matching ``pattern`` completely (``match`` with ``$`` would allow a final newline)."""
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def canonical_project_id(value: object) -> str | None:
    """``"007"`` → ``"7"``; ``"@current"`` as is; ``None`` for anything else (including ints: ids come as text)."""
    text = _full(_PROJECT_ID, value)
    if text is None:
        return None
    return text if text == CURRENT_PROJECT else str(int(text))


def canonical_uuid(value: object) -> str | None:
    """Lower-case, hyphenated 8-4-4-4-12 form; ``None`` for anything that is not a UUID."""
    text = _full(_UUID, value)
    if text is None:
        return None
    digits = text.replace("-", "").lower()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def is_endpoint_name(value: object) -> bool:
    return _full(_ENDPOINT_NAME, value) is not None
