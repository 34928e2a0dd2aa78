"""Recognition: karma points, leaderboards, honour rolls, certificates and their public verification."""
