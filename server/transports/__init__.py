"""Serving MCP over Streamable HTTP to many callers, each with their own PostHog credential and choices."""
