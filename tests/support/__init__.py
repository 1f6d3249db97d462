"""Test helpers: live servers, SSE reading, and API shortcuts."""
