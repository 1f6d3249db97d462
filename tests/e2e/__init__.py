"""End-to-end tests: the service as a Granian process."""
