"""Working calendar (Lịch làm việc)."""
