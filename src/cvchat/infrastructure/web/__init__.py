"""The Litestar web layer."""
