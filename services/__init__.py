"""Application layer: use cases, the event store, the relay from store to bus."""
