"""cvchat test suite."""
