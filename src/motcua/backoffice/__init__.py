"""Back office (Nghiệp vụ)."""
