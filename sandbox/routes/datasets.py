"""Datasets: only the hard delete is in scope, and PostHog refuses it (use a PATCH setting ``deleted``)."""

from __future__ import annotations

from starlette.responses import Response

from ..routing import Operation, RequestContext, route


async def destroy(ctx: RequestContext) -> Response:
    """Always 405 with no body once authentication and ``dataset:write`` pass; the id is never looked up."""
    return Response(status_code=405)


ROUTES = [route("datasets/{id}", DELETE=Operation(destroy, "dataset:write"))]
