"""Request validation with DRF's rules and messages, built on pydantic.

PostHog validates bodies with Django REST framework serializers; the sandbox mirrors their behaviour (what is
coerced, what is rejected, the exact message and code) with pydantic ``BeforeValidator`` rules, and turns the
first pydantic error into PostHog's error body, ``attr`` naming the field path joined by ``__``
(``segments__0__text``). Unknown fields are ignored, as DRF does; read-only fields are simply not declared.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, LiteralString, TypeVar, cast
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from .errors import ApiError, validation_error

M = TypeVar("M", bound=BaseModel)
Rule = Callable[[Any], Any]

DATETIME_FORMAT_HINT = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)


def fail(code: str, message: str) -> PydanticCustomError:
    """A field error carrying DRF's code and message through pydantic (the message is data, never a template)."""
    return PydanticCustomError(cast(LiteralString, code), "{detail}", {"detail": message})


def _type_name(value: Any) -> str:
    return type(value).__name__


def _not_null(value: Any) -> None:
    if value is None:
        raise fail("null", "This field may not be null.")


def char(*, max_length: int | None = None, allow_blank: bool = False, trim: bool = True) -> Rule:
    """DRF ``CharField``: numbers become text, whitespace is trimmed, blank refused unless allowed."""

    def rule(value: Any) -> str:
        _not_null(value)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise fail("invalid_input", "Not a valid string.")
        text = str(value)
        if trim:
            text = text.strip()
        if not text and not allow_blank:
            raise fail("blank", "This field may not be blank.")
        if max_length is not None and len(text) > max_length:
            raise fail("max_length", f"Ensure this field has no more than {max_length} characters.")
        return text

    return rule


def choice(choices: Iterable[str]) -> Rule:
    """DRF ``ChoiceField``."""
    allowed = tuple(choices)

    def rule(value: Any) -> str:
        _not_null(value)
        if not isinstance(value, str | int) or isinstance(value, bool) or str(value) not in allowed:
            raise fail("invalid_choice", f'"{value}" is not a valid choice.')
        return str(value)

    return rule


def any_text(value: Any) -> str:
    """A free-form text choice that newer servers extend (``agent_mode``): any non-blank string."""
    return char()(value)


def uuid_text(value: Any) -> str:
    """DRF ``UUIDField``, answered in canonical lower-case hyphenated form."""
    _not_null(value)
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise fail("invalid_input", "Must be a valid UUID.") from None


_HOST = re.compile(
    r"^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,63}\.?|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])$", re.I
)


def url(*, max_length: int = 200) -> Rule:
    """DRF ``URLField`` (Django's ``URLValidator``: http, https, ftp, ftps with a real host)."""
    text_rule = char(max_length=None, allow_blank=True)

    def rule(value: Any) -> str:
        text: str = text_rule(value)
        if text == "":
            return text
        parts = urlsplit(text)
        host = parts.hostname or ""
        if parts.scheme.lower() not in {"http", "https", "ftp", "ftps"} or not _HOST.match(host) or " " in text:
            raise fail("invalid_input", "Enter a valid URL.")
        if len(text) > max_length:
            raise fail("max_length", f"Ensure this field has no more than {max_length} characters.")
        return text

    return rule


def integer(*, min_value: int | None = None, max_value: int | None = None) -> Rule:
    """DRF ``IntegerField``: numeric strings and integral floats are accepted."""

    def rule(value: Any) -> int:
        _not_null(value)
        number: int
        if isinstance(value, bool):
            raise fail("invalid_input", "A valid integer is required.")
        if isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+(\.0*)?\s*", value):
            number = int(float(value))
        else:
            raise fail("invalid_input", "A valid integer is required.")
        if min_value is not None and number < min_value:
            raise fail("min_value", f"Ensure this value is greater than or equal to {min_value}.")
        if max_value is not None and number > max_value:
            raise fail("max_value", f"Ensure this value is less than or equal to {max_value}.")
        return number

    return rule


def number(value: Any) -> float:
    """DRF ``FloatField``."""
    _not_null(value)
    if isinstance(value, bool):
        raise fail("invalid_input", "A valid number is required.")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise fail("invalid_input", "A valid number is required.") from None


_TRUE = {"t", "y", "yes", "true", "on", "1"}
_FALSE = {"f", "n", "no", "false", "off", "0"}


def boolean(value: Any) -> bool:
    """DRF ``BooleanField``: true/false, yes/no, on/off, 1/0 in any case."""
    _not_null(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise fail("invalid_input", "Must be a valid boolean.")


def parse_datetime(value: Any) -> datetime:
    """DRF ``DateTimeField``: ISO 8601, naive times taken as UTC."""
    _not_null(value)
    if not isinstance(value, str):
        raise fail("invalid_input", DATETIME_FORMAT_HINT)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise fail("invalid_input", DATETIME_FORMAT_HINT) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def json_container(field: str) -> Rule:
    """PostHog's ``_validate_json`` for customer profile configs: an object or array; null becomes ``{}``."""

    def rule(value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict | list):
            raise fail("invalid_input", f"Invalid value for field '{field}'")
        return cast(Any, value)

    return rule


# pydantic's own error types, translated to DRF's code and message.
_DRF_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("required", "This field is required."),
    "list_type": ("not_a_list", 'Expected a list of items but got type "{type}".'),
    "dict_type": ("not_a_dict", 'Expected a dictionary of items but got type "{type}".'),
    "model_type": ("invalid_input", "Invalid data. Expected a dictionary, but got {type}."),
    "model_attributes_type": ("invalid_input", "Invalid data. Expected a dictionary, but got {type}."),
    "too_short": ("min_length", "Ensure this field has at least {min_length} elements."),
    "too_long": ("max_length", "Ensure this field has no more than {max_length} elements."),
    "string_type": ("invalid_input", "Not a valid string."),
    "int_type": ("invalid_input", "A valid integer is required."),
    "int_parsing": ("invalid_input", "A valid integer is required."),
    "float_type": ("invalid_input", "A valid number is required."),
    "float_parsing": ("invalid_input", "A valid number is required."),
    "bool_type": ("invalid_input", "Must be a valid boolean."),
    "bool_parsing": ("invalid_input", "Must be a valid boolean."),
    "literal_error": ("invalid_choice", '"{input}" is not a valid choice.'),
    "enum": ("invalid_choice", '"{input}" is not a valid choice.'),
    "extra_forbidden": ("invalid_input", "Extra inputs are not permitted"),
}


def to_api_error(error: ValidationError) -> ApiError:
    """PostHog reports one error: the first field's first problem."""
    first = error.errors(include_url=False)[0]
    attr = "__".join(str(part) for part in first["loc"]) or None
    kind = first["type"]
    value = first.get("input")
    context: dict[str, Any] = dict(first.get("ctx") or {})
    if value is None and kind not in {"missing", "null"} and "input" in first:
        return validation_error("This field may not be null.", attr, code="null")
    if kind in _DRF_MESSAGES:
        code, template = _DRF_MESSAGES[kind]
        detail = template.format(type=_type_name(value), input=value, **context)
        return validation_error(detail, attr, code=code)
    return validation_error(first["msg"], attr, code=kind)


def parse(model: type[M], data: Any) -> M:
    """Validate a request body; anything but a JSON object is refused the way DRF refuses it."""
    if not isinstance(data, dict):
        raise validation_error(f"Invalid data. Expected a dictionary, but got {_type_name(data)}.", None)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise to_api_error(error) from None


def as_object(value: Any) -> dict[str, Any]:
    """A JSON body as a dict, or an empty one when it is something else."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def provided(model: BaseModel) -> dict[str, Any]:
    """The fields the caller actually sent (a PATCH touches only these)."""
    return {name: getattr(model, name) for name in model.model_fields_set}
