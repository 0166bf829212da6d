"""The MCP server: configuration, the PostHog HTTP layer, the registry that turns the catalog into tools and
resources, transports and the command line."""

__version__ = "0.1.0"
"""The single source of the version (pyproject reads it), kept as a constant: no metadata lookup at start-up."""

SERVER_NAME = "posthog-environments-mcp"
