"""Integrations (Kết nối)."""
