"""Bulk onboarding: staff lists (CSV/XLSX) in, people created or updated, a per-row result file out."""
