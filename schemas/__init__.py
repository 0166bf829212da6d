"""Pydantic models of PostHog's objects and request bodies, one module per API area."""
