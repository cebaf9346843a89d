"""Indicators (Chỉ số)."""
