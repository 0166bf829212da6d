"""One module per PostHog API area; ``ALL_ROUTES`` is their union (list actions before detail routes, as in DRF)."""

from __future__ import annotations

from ..routing import Route
from . import (
    batch_exports,
    conversations,
    customer_profile_configs,
    datasets,
    desktop_recordings,
    endpoints,
)

ALL_ROUTES: list[Route] = [
    *datasets.ROUTES,
    *desktop_recordings.ROUTES,
    *endpoints.ROUTES,
    *batch_exports.ROUTES,
    *conversations.ROUTES,
    *customer_profile_configs.ROUTES,
]
