"""Datasets: only the (refused) hard delete is in scope."""

from __future__ import annotations

from pydantic import Field

from .common import ToolInput, Uuid


class DatasetsDelete(ToolInput):
    """Arguments of datasets_delete."""

    id: Uuid = Field(description="Dataset ID.")
