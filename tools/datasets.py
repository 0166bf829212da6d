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
            "Try to hard-delete a dataset. PostHog does not allow hard-deleting datasets: once the key passes the "
            "dataset:write scope check it always answers 405 Method Not Allowed, whatever the id. To remove a "
            "dataset, soft-delete it in PostHog instead by setting `deleted` to true with a PATCH on the dataset."
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
