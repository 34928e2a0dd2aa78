"""Organisations, people, roles and bulk onboarding."""
