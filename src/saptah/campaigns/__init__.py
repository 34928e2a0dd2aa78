"""Campaigns: windows, rules, the credit ledger and progress."""
