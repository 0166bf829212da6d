"""Datasets: only the (refused) hard delete is in scope."""

from __future__ import annotations

from .common import ToolInput, Uuid


class DatasetsDelete(ToolInput):
    """Arguments of datasets_delete."""

    id: Uuid
