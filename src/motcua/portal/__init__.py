"""Public portal (Cổng công khai)."""
