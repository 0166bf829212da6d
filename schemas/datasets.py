"""Datasets: only the (refused) hard delete is in scope."""

from __future__ import annotations

from pydantic import Field

from .common import ToolInput, Uuid


class DatasetsDelete(ToolInput):
    """Arguments of datasets_delete."""

    id: Uuid = Field(description="UUID of the dataset, e.g. '0190f2a4-7c1e-7d3b-9a51-2f6b8e4c1d2a'.")
