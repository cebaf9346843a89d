"""Citizens and organisations (Công dân, tổ chức)."""
