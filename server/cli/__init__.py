"""The command line: serve, call, check, tools and sandbox."""
