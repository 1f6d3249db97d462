"""Live event bus implementations."""
