"""Database: Advanced Alchemy models, repositories, engine configuration and migrations."""
