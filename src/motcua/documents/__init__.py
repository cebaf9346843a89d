"""Documents and data store (Giấy tờ và kho dữ liệu)."""
