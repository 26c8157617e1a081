"""Model builders, one module per family."""
