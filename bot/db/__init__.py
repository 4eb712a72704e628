"""Storage: models, the engine and session factory, repositories and migrations."""
