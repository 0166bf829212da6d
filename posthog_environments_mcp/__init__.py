"""posthog-environments-mcp: an MCP server for PostHog's Environments API.

The one import package the distribution installs. In the repository its subpackages live at the top level
(``server/``, ``tools/``, ``schemas/``, ``sandbox/``, the layout the project is read in); ``pyproject.toml``
maps them under this name, so an installed wheel owns no generic top-level names like ``server``.
"""
