"""Sign-in, sessions, one-time password links, rate limits and API tokens."""
