"""Unit tests: use cases without HTTP."""
