"""REST API (API)."""
