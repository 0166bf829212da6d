"""PostHog AI conversations: ask, follow up, read back, cancel."""

from __future__ import annotations

from ..schemas import conversations as s
from .operation import Invalidates, Operation

_AREA = "conversations"
_CHANGES_CONVERSATION = Invalidates("conversation", "conversation")

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="conversations_list",
        title="List PostHog AI conversations",
        area=_AREA,
        method="GET",
        path="conversations/",
        input_model=s.ConversationsList,
        example={"limit": 2},
        scopes=("conversation:read",),
        description=(
            "List your PostHog AI conversations, latest first; page with `limit`/`offset` until `next` is null. "
            "Messages: conversations_get."
        ),
        output_model=s.ConversationPage,
        resource_kind="conversation",
        resource_role="list",
        check_arguments={"limit": 1},
    ),
    Operation(
        name="conversations_create",
        invalidates=_CHANGES_CONVERSATION,
        title="Ask PostHog AI",
        area=_AREA,
        method="POST",
        path="conversations/",
        input_model=s.ConversationsCreate,
        example={"content": "How many desktop recordings do we have?"},
        scopes=("conversation:write",),
        description=(
            "Ask PostHog AI about the project's data and wait for its `answer`; pass `conversation` to follow up."
            " About 10 calls a minute, 100 a day."
        ),
        output_model=s.ConversationTurnResult,
        response="event_stream",
        resource_kind="conversation",
        advice_by_status={
            409: (
                "The conversation is busy answering another message. Wait until its status is idle "
                "(conversations_get), or stop it with conversations_cancel, then send again."
            ),
            402: "The PostHog AI quota for this organization is used up; check billing in PostHog.",
        },
    ),
    Operation(
        name="conversations_get",
        title="Get PostHog AI conversation",
        area=_AREA,
        method="GET",
        path="conversations/{conversation}/",
        input_model=s.ConversationsGet,
        example={"conversation": "c0a7e000-0000-4000-8000-000000000001"},
        scopes=("conversation:read",),
        description="Get a PostHog AI conversation with its messages and pending approvals.",
        output_model=s.Conversation,
        resource_kind="conversation",
        resource_role="item",
    ),
    Operation(
        name="conversations_append_message",
        invalidates=_CHANGES_CONVERSATION,
        title="Append message to conversation",
        area=_AREA,
        method="POST",
        path="conversations/{conversation}/append_message/",
        input_model=s.ConversationsAppendMessage,
        example={"conversation": "c0a7e000-0000-4000-8000-000000000001", "content": "Ticket #42 confirmed."},
        scopes=("conversation:write",),
        description="Store a message in a conversation without asking PostHog AI (to ask: conversations_create).",
        output_model=s.AppendMessageResult,
    ),
    Operation(
        name="conversations_cancel",
        invalidates=_CHANGES_CONVERSATION,
        title="Cancel PostHog AI generation",
        area=_AREA,
        method="PATCH",
        path="conversations/{conversation}/cancel/",
        input_model=s.ConversationsCancel,
        example={"conversation": "c0a7e000-0000-4000-8000-000000000001"},
        scopes=("conversation:write",),
        description="Stop PostHog AI's generation in a conversation. Safe to repeat.",
        response="empty",
    ),
)
