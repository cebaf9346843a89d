"""Dossiers (Hồ sơ)."""
