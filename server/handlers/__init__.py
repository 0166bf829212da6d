"""The MCP handlers: the low-level Server built from the registry, resources and prompts."""
