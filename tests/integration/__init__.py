"""Integration tests: the real app over HTTP on SQLite and PostgreSQL."""
