"""Infrastructure: settings, database, event bus, LLM providers and the web layer."""
