"""Use cases that join the domain with the adapters (Graph, store)."""
