"""Datasets: PostHog documents only a hard delete, and always refuses it."""

from __future__ import annotations

from ..schemas import datasets as s
from .operation import Operation

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="datasets_delete",
        title="Delete dataset (always refused)",
        area="datasets",
        method="DELETE",
        path="datasets/{id}/",
        input_model=s.DatasetsDelete,
        example={"id": "d5000000-0000-4000-8000-000000000001"},
        scopes=("dataset:write",),
        description=(
            "Always fails with 405: PostHog has no hard delete. To remove a dataset, PATCH it with `deleted` true."
        ),
        response="empty",
        advice_by_status={
            405: (
                "PostHog does not allow hard-deleting datasets. To delete one, set its `deleted` field to true "
                "with a PATCH to the dataset in PostHog."
            ),
        },
    ),
)
