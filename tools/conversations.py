"""PostHog AI conversations: ask, follow up, read back, cancel."""

from __future__ import annotations

from ..schemas import conversations as s
from .operation import Operation

_AREA = "conversations"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="conversations_list",
        title="List PostHog AI conversations",
        area=_AREA,
        method="GET",
        path="conversations/",
        input_model=s.ConversationsList,
        scopes=("conversation:read",),
        description=(
            "List your own PostHog AI conversations, most recently updated first, as a page of "
            "{id, title, status, created_at, updated_at}. Page with `limit`/`offset` while `next` is not null; "
            "read one with its messages using conversations_get. Requires scope conversation:read."
        ),
        read_only=True,
        destructive=False,
        idempotent=True,
        open_world=True,
        output_model=s.ConversationPage,
        resource_kind="conversation",
    ),
    Operation(
        name="conversations_create",
        title="Ask PostHog AI",
        area=_AREA,
        method="POST",
        path="conversations/",
        input_model=s.ConversationsCreate,
        scopes=("conversation:write",),
        description=(
            "Ask PostHog AI (PostHog's assistant) about this project's data and wait for its answer. Omit "
            "`conversation` to start a new conversation, or pass its id to follow up. Returns {conversation_id, "
            "trace_id, status, answer, messages, failure}: `answer` is the final text, `messages` everything produced "
            "(including visualizations). Limited to about 10 calls a minute and 100 a day per user; 409 while the "
            "conversation is still busy, 402 over the AI quota. Requires scope conversation:write."
        ),
        read_only=False,
        destructive=False,
        idempotent=False,
        open_world=True,
        output_model=s.ConversationTurnResult,
        response="event_stream",
        resource_kind="conversation",
    ),
    Operation(
        name="conversations_get",
        title="Get PostHog AI conversation",
        area=_AREA,
        method="GET",
        path="conversations/{conversation}/",
        input_model=s.ConversationsGet,
        scopes=("conversation:read",),
        description=(
            "Get one PostHog AI conversation with all its messages, its status ('idle', 'in_progress', "
            "'canceling') and any actions awaiting approval. Requires scope conversation:read."
        ),
        read_only=True,
        destructive=False,
        idempotent=True,
        open_world=True,
        output_model=s.Conversation,
        resource_kind="conversation",
    ),
    Operation(
        name="conversations_append_message",
        title="Append message to conversation",
        area=_AREA,
        method="POST",
        path="conversations/{conversation}/append_message/",
        input_model=s.ConversationsAppendMessage,
        scopes=("conversation:write",),
        description=(
            "Store a message in an existing conversation without triggering PostHog AI, e.g. a confirmation shown to "
            "the user. Returns {id} of the stored message. To ask PostHog AI something, use conversations_create. "
            "Requires scope conversation:write."
        ),
        read_only=False,
        destructive=False,
        idempotent=False,
        open_world=True,
        output_model=s.AppendMessageResult,
    ),
    Operation(
        name="conversations_cancel",
        title="Cancel PostHog AI generation",
        area=_AREA,
        method="PATCH",
        path="conversations/{conversation}/cancel/",
        input_model=s.ConversationsCancel,
        scopes=("conversation:write",),
        description=(
            "Stop PostHog AI's generation in a conversation. Returns nothing on success (PostHog answers 204), also "
            "when the conversation was already idle, so it is safe to repeat. Requires scope conversation:write."
        ),
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=True,
        response="empty",
        retry_safe=True,
    ),
)
