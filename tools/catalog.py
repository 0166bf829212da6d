"""Every operation of the server, in the order of PostHog's API reference, and an index by tool name."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from . import batch_exports, conversations, customer_profile_configs, datasets, desktop_recordings, endpoints
from .operation import Operation

CATALOG: tuple[Operation, ...] = (
    *datasets.OPERATIONS,
    *desktop_recordings.OPERATIONS,
    *endpoints.OPERATIONS,
    *batch_exports.OPERATIONS,
    *conversations.OPERATIONS,
    *customer_profile_configs.OPERATIONS,
)


def _index(operations: tuple[Operation, ...]) -> Mapping[str, Operation]:
    """Index by name, refusing duplicates: two tools with one name would silently shadow each other."""
    index: dict[str, Operation] = {}
    for operation in operations:
        if operation.name in index:
            raise ValueError(f"duplicate tool name in the catalog: {operation.name}")
        index[operation.name] = operation
    return MappingProxyType(index)


OPERATIONS_BY_NAME: Mapping[str, Operation] = _index(CATALOG)
