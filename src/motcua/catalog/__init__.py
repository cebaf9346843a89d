"""Procedure catalogue (Danh mục thủ tục)."""
