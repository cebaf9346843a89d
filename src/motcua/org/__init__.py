"""Organisation (Tổ chức)."""
