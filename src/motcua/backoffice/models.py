"""Models of this app arrive with its issue (see docs/architecture.md, roadmap)."""
