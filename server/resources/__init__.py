"""Recordings, transcripts and PostHog AI conversations as readable, followable MCP resources.

``templates`` declares what exists, ``reader`` fetches one object, ``render`` turns it into Markdown,
``listing`` pages ``resources/list``, ``completion`` suggests ids, ``subscriptions`` follows live objects in both
protocol eras, and ``handlers`` wires them to the low-level server.
"""
