"""LLM providers behind the domain's provider port."""
