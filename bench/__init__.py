"""Benchmarks of the service over real HTTP and SSE on loopback (`just bench`, `python -m bench`)."""
