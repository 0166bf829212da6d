"""What tools/list publishes: the precomputed manifest, schema export and per-client profiles."""
