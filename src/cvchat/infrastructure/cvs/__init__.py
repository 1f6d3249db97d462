"""CV ingestion and search: PDF text, profiles, chunking, the lexical, dense and structured index."""
