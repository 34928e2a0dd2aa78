"""Recognition: certificates and their public verification (karma and leaderboards join later)."""
