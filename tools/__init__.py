"""The operation catalog: one module per API area, each declaring its operations once."""
