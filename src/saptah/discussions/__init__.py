"""Discussions: spaces around courses, events and communities; threads, replies, moderation and digests."""
