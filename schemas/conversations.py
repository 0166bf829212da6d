"""PostHog AI conversations: asking PostHog's assistant questions about the project's data."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from .common import Paginated, ToolInput, Uuid
from .fields import AS_OBJECT, EmbeddedUser, JsonObject, NonBlankStr, Output, ResultsPage

AgentMode = Literal["product_analytics", "sql", "session_replay", "error_tracking", "plan", "execution", "survey"]

ConversationId = Uuid


# --- inputs -------------------------------------------------------------------------------------------------


class ConversationsList(ToolInput, Paginated):
    """Arguments of conversations_list."""


class ConversationsCreate(ToolInput):
    """Arguments of conversations_create."""

    content: Annotated[NonBlankStr, Field(max_length=40000)] | None = Field(
        description="Null resumes an interrupted `conversation`."
    )
    conversation: Uuid | SkipJsonSchema[None] = Field(
        default=None,
        description="Omit for a new one.",
    )
    trace_id: Uuid | SkipJsonSchema[None] = None
    agent_mode: AgentMode | SkipJsonSchema[None] = Field(
        default=None,
        description="Omit to let PostHog choose.",
    )
    deep_research_mode: bool = Field(default=False, description="Keep false: deep research fails.")
    contextual_tools: JsonObject | SkipJsonSchema[None] = None
    ui_context: JsonObject | SkipJsonSchema[None] = None
    billing_context: JsonObject | SkipJsonSchema[None] = None
    session_id: str | SkipJsonSchema[None] = None
    resume_payload: JsonObject | None = Field(
        default=None,
        description="E.g. {'action': 'approve'}.",
    )

    @model_validator(mode="after")
    def _resume_needs_conversation(self) -> Self:
        """Resuming without a conversation can only fail at PostHog (400): say so before sending."""
        if self.content is None and self.conversation is None:
            raise ValueError("content may be null only to resume an existing conversation: also give `conversation`")
        return self


class ConversationsGet(ToolInput):
    """Arguments of conversations_get (and of the other operations that only name a conversation)."""

    conversation: ConversationId


class ConversationsCancel(ConversationsGet):
    """Arguments of conversations_cancel."""


class ConversationsAppendMessage(ConversationsGet):
    """Arguments of conversations_append_message."""

    content: Annotated[NonBlankStr, Field(max_length=10000)]


# --- outputs ------------------------------------------------------------------------------------------------


class ConversationSummary(Output):
    """A conversation as lists show it (no messages)."""

    id: str | None = Field(default=None, description="Conversation UUID.")
    status: str | None = Field(default=None, description="'idle', 'in_progress' or 'canceling'.")
    title: str | None = Field(default=None, description="Title PostHog gave the conversation.")
    user: EmbeddedUser | None = Field(default=None, description="User who started it.")
    created_at: str | None = Field(default=None, description="When it started (ISO 8601).")
    updated_at: str | None = Field(default=None, description="When it last changed (ISO 8601).")
    type: str | None = Field(default=None, description="'assistant', 'tool_call', 'deep_research' or 'slack'.")
    is_internal: bool | None = Field(default=None, description="Whether it is an internal (support) conversation.")
    slack_thread_key: str | None = Field(default=None, description="Slack thread, for conversations from Slack.")
    slack_workspace_domain: str | None = Field(default=None, description="Slack workspace domain, for Slack ones.")


class Conversation(ConversationSummary):
    """A conversation with its messages."""

    messages: list[dict[str, Any]] | None = Field(
        default=None,
        description="Messages in order; each has a `type` such as 'human', 'ai', 'ai/viz', 'tool' or 'ai/failure'.",
    )
    has_unsupported_content: bool | None = Field(
        default=None, description="Whether some messages could not be shown in this form."
    )
    agent_mode: str | None = Field(default=None, description="Agent mode the conversation uses.")
    pending_approvals: list[dict[str, Any]] | None = Field(
        default=None, description="Actions waiting for the user's approval before PostHog AI continues."
    )


class ConversationPage(ResultsPage):
    """A page of the caller's conversations, most recently updated first."""

    results: list[Annotated[ConversationSummary, AS_OBJECT]] = Field(
        default_factory=list[ConversationSummary], description="The conversations on this page."
    )


class AppendMessageResult(Output):
    """The answer of append_message."""

    id: str | None = Field(default=None, description="UUID of the stored message.")
    content: str | None = Field(default=None, description="The stored text (older PostHog versions).")


class ConversationTurnResult(Output):
    """This server's summary of one conversations_create turn (PostHog streams server-sent events instead)."""

    conversation_id: str = Field(description="UUID of the conversation; pass it as `conversation` to continue.")
    trace_id: str = Field(description="UUID of this turn's trace.")
    status: str = Field(
        description="'completed' (an answer arrived), 'failed' (see `failure`) or 'interrupted' (stream cut short)."
    )
    answer: str | None = Field(default=None, description="PostHog AI's final text answer, if any.")
    messages: list[dict[str, Any]] = Field(
        default_factory=list[dict[str, Any]],
        description="Every message produced in this turn, in order (including tool calls and visualizations).",
    )
    failure: str | None = Field(default=None, description="Why the turn failed, when `status` is 'failed'.")
