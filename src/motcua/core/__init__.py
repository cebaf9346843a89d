"""Core (shared pieces) (Dùng chung)."""
