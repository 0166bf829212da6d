"""State the workers of one deployment share: the PostHog rate budget and the single-use confirmations.

In memory by default (one process, nothing to install); in Redis when ``POSTHOG_MCP_REDIS_URL`` is set, so every
worker on every machine keeps to the same budget. redis-py is imported only then: stdio never loads it.
"""
