"""Shared page layout, static assets, error pages and request plumbing."""
