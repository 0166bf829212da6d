"""MCP prompts: task-shaped entry points ("follow up on this meeting") that chain the tools and embed resources."""
