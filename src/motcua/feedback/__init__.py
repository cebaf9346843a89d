"""Reports, petitions and ratings (Phản ánh, kiến nghị, đánh giá)."""
