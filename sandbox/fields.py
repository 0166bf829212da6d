"""Field types for request models: each pairs a Python type with the DRF rule PostHog applies to it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator

from . import validation as v

Text = Annotated[str, BeforeValidator(v.char())]
"""Required-content text (DRF ``CharField``: blank refused)."""
TextOrBlank = Annotated[str, BeforeValidator(v.char(allow_blank=True))]
Title = Annotated[str, BeforeValidator(v.char(max_length=255, allow_blank=True))]
Url = Annotated[str, BeforeValidator(v.url(max_length=200))]
Uuid = Annotated[str, BeforeValidator(v.uuid_text)]
Integer = Annotated[int, BeforeValidator(v.integer(min_value=-2147483648, max_value=2147483647))]
BigInteger = Annotated[int, BeforeValidator(v.integer(min_value=-(2**63), max_value=2**63 - 1))]
Number = Annotated[float, BeforeValidator(v.number)]
Boolean = Annotated[bool, BeforeValidator(v.boolean)]
DateTime = Annotated[datetime, BeforeValidator(v.parse_datetime)]
AnyMode = Annotated[str, BeforeValidator(v.any_text)]
