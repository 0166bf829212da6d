"""Running one tool call: validation, confirmation, the executor and what the agent receives."""
